"""Hosting hardening that needs no browser: secrets refused at start, config, nginx config, readiness."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import threading
import tomllib
from subprocess import PIPE

import pytest

from tests.browser_harness import ROOT, free_port
from ui import readiness
from ui.secret_check import cookie_secret_problem

sys.path.insert(0, str(ROOT / "deploy"))
import serve

GOOD = "9f" * 32


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (GOOD, None),
        ("", "empty"),
        (None, "empty"),
        ("short-secret", "12 characters"),
        ("a long random string", "example"),
        ("replace-with-output-of: python -c 'import secrets; print(secrets.token_hex(32))'", "example"),
    ],
)
def test_cookie_secret_rules(secret, problem) -> None:
    found = cookie_secret_problem(secret, "X")
    assert (found is None) if problem is None else (problem in found)


def _run(cmd: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run to the end; on a timeout stop the whole process group (a server that did start, and its children)."""
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def test_app_refuses_to_start_with_the_example_cookie_secret(tmp_path) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        '[auth]\ncookie_secret = "a long random string"\nclient_id = "x"\nclient_secret = "y"\n'
        'redirect_uri = "http://127.0.0.1:9/oauth2callback"\nserver_metadata_url = "http://127.0.0.1:9/m"\n'
    )
    cmd = [sys.executable, "-m", "streamlit", "run", "asgi.py", "--server.port", str(free_port())]
    cmd += ["--server.address", "127.0.0.1", "--secrets.files", str(secrets_file)]
    done = _run(cmd, {})
    assert done.returncode == 2
    assert "Outside-In will not start: [auth] cookie_secret in secrets is the example value" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "a long random string" not in done.stderr, "the secret itself is never printed"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STREAMLIT_SERVER_COOKIE_SECRET": "too-short"}, "9 characters"),
        ({"BASE_PATH": "/../etc"}, "BASE_PATH"),
        ({"REPLICAS": "many"}, "whole numbers"),
        ({"SERVER_NAME": "a.test;evil"}, "SERVER_NAME"),
        ({"BIND": "localhost"}, "BIND 'localhost' must be one IPv4 or IPv6 address"),
        ({"BIND": "10.0.0.300"}, "BIND"),
        ({"BIND": "127.0.0.1 10.0.0.1"}, "BIND"),
        ({"BIND": "127.0.0.1:8600"}, "BIND"),
        ({"BIND": "fe80::1%eth0"}, "%zone"),
    ],
)
def test_make_serve_refuses_bad_settings_in_one_line(tmp_path, env: dict, message: str) -> None:
    done = _run([sys.executable, "deploy/serve.py"], {"RUN_DIR": str(tmp_path), **env}, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("make serve: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("names", [(), ("dash.acme.com", "127.0.0.1")])
def test_generated_nginx_config_is_valid(tmp_path, names) -> None:
    settings = serve.Settings(port=free_port(), replicas=3, base_path="/cx", server_names=names, run_dir=tmp_path)
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (tmp_path / sub).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(serve.nginx_conf(settings, [9101, 9102, 9103]))
    done = _run([serve.NGINX, "-t", "-c", str(conf)], {})
    assert done.returncode == 0, done.stderr
    text = conf.read_text()
    assert text.count("server 127.0.0.1:91") == 6 and "hash $affinity consistent" in text
    assert text.count("max_fails=0;") == 3, "the readiness probe's own pool counts no failures"
    assert "location = /cx/healthz {\n            proxy_pass http://outsidein_health;" in text
    assert ("return 444" in text) is bool(names), "the host guard exists exactly when names are given"
    static = serve.STATIC_HOME / importlib.metadata.version("streamlit")
    assert f"location ^~ /cx/static/ {{\n            alias {static}/;" in text, "nginx serves the bundle"


@pytest.mark.parametrize(
    ("bind", "listen", "url"),
    [
        ("", "listen 8600;", "http://localhost:8600/cx/"),
        ("127.0.0.1", "listen 127.0.0.1:8600;", "http://127.0.0.1:8600/cx/"),
        (" [::1] ", "listen [::1]:8600;", "http://[::1]:8600/cx/"),
        ("0:0::0", "listen [::]:8600;", "http://localhost:8600/cx/"),
    ],
)
def test_bind_gives_nginx_one_address(tmp_path, bind: str, listen: str, url: str) -> None:
    settings = serve.Settings.from_env({"PORT": "8600", "BASE_PATH": "/cx", "RUN_DIR": str(tmp_path), "BIND": bind})
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (tmp_path / sub).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(serve.nginx_conf(settings, [9101, 9102]))
    assert f"\n        {listen}\n" in conf.read_text()
    assert serve.public_url(settings) == url
    if ":" not in bind or _ipv6_loopback():  # nginx -t binds the address too
        done = _run([serve.NGINX, "-t", "-c", str(conf)], {})
        assert done.returncode == 0, done.stderr
    named = serve.Settings.from_env({"PORT": "8600", "RUN_DIR": str(tmp_path), "BIND": bind, "SERVER_NAME": "a.b"})
    guard = "listen " + listen.removeprefix("listen ").removesuffix(";") + " default_server;"
    assert guard in serve.nginx_conf(named, [9101]), "the host guard listens on the same address"


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_replicas_share_settings_and_never_see_the_secret_in_their_command(tmp_path) -> None:
    settings = serve.Settings(8501, 2, "/cx", ("dash.acme.com",), tmp_path)
    conf = serve.supervisord_conf(settings, [9101, 9102])
    assert conf.count("autorestart=true") == 3  # two replicas and nginx
    assert conf.count("--server.baseUrlPath cx") == 2 and conf.count("--server.allowedHosts dash.acme.com") == 2
    assert "cookie" not in conf.lower(), "the cookie secret travels in the environment, not in a file"
    assert "httpok -p replica-1 -t 10 http://127.0.0.1:9102/cx/_stcore/health" in conf, "hung replicas restarted"


def test_hardening_settings() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True  # protection on: no cross-origin reads
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["maxCacheDataSize"]
    assert config["server"]["enableAgentApi"] is False
    assert "trustedUserHeaders" not in config["server"], "identity only from the signed sign-in cookie"


def _get(app, path: str) -> tuple[int, bytes]:
    """One GET through an ASGI app, as a server would drive it."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    # On a thread of its own: a session-wide Playwright browser keeps an event loop running on this one.
    call = threading.Thread(
        target=asyncio.run, args=(app({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send),)
    )
    call.start()
    call.join(30)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def _not_found(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_health_says_ready_only_once_data_has_loaded(monkeypatch) -> None:
    monkeypatch.setattr(readiness, "_READY", readiness.threading.Event())
    probe = readiness.ReadinessProbe(_not_found)
    assert _get(probe, "/healthz") == (503, b"loading data")
    readiness.mark_ready()
    assert _get(probe, "/healthz") == (200, b"ready")
    assert _get(probe, "/other")[0] == 404, "other paths pass through"
