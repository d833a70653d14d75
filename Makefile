# Outside-In: two commands. `make run` starts the dashboard, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run serve nginx test lint bench system clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make the install step a no-op until a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run asgi.py --server.port $(PORT) --server.headless true --browser.serverAddress localhost

# Production mode on one host: REPLICAS Streamlit processes (default: one per core) behind nginx on PORT,
# kept alive by supervisord. BASE_PATH=/cx serves under a prefix; SERVER_NAME limits the accepted host
# names; BIND=127.0.0.1 listens on that one address. Settings and what a container deployment must copy:
# README, "Hosting".
serve: $(VENV)/.runtime nginx
	PORT=$(PORT) REPLICAS=$(REPLICAS) BASE_PATH=$(BASE_PATH) SERVER_NAME="$(SERVER_NAME)" RUN_DIR=$(RUN_DIR) \
		BIND=$(BIND) $(PY) deploy/serve.py

nginx:
	@test -x /usr/sbin/nginx || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light; }

# Debian packages the tests run for real: Chromium for the browser tests (Playwright cannot download its
# own here), PostgreSQL and MariaDB servers for the SQL connector's tests, nginx for the replicas-behind-a-proxy
# tests. Installed only when missing.
system:
	@missing=""; \
	test -x /usr/sbin/nginx || missing="$$missing nginx-light"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/sbin/mariadbd || missing="$$missing mariadb-server"; \
	test -z "$$missing" || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; }

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: $(VENV)/.dev system lint
	SPARK_LOCAL_IP=127.0.0.1 $(PY) -m pytest

bench: $(VENV)/.dev
	$(PY) -m bench.metrics_bench

clean:
	rm -rf $(VENV) test-output .pytest_cache .ruff_cache .hypothesis
