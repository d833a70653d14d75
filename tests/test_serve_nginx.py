"""`make serve`'s nginx for real, in front of stub replicas: what it does while replicas load, and where it listens.

Real replicas load their data in under a second on the sample data, too fast to catch mid-load; a stub answers
`<base>/healthz` as ui/readiness.py does (503 "loading data" until told it is ready) and every other path with
200 and its own number, so the tests can tell which replica served a request.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser_harness import ROOT, free_port

sys.path.insert(0, str(ROOT / "deploy"))
import serve

BASE = "/cx"


@dataclass
class Stub:
    """One stand-in replica on a loopback port."""

    number: int
    ready: bool = False
    server: ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == f"{BASE}/healthz":
                    status, body = (200, b"ready") if stub.ready else (503, b"loading data")
                else:  # a page: who served it, and the scheme nginx said the browser used
                    status, body = 200, (self.headers.get("X-Forwarded-Proto") or "").encode()
                self.send_response(status)
                self.send_header("X-Replica", str(stub.number))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    replica: str | None  # the X-Replica header: which stub served it (None: nginx itself)


@dataclass(frozen=True)
class Proxy:
    settings: serve.Settings

    def get(self, path: str, headers: dict[str, str] | None = None, address: str = "127.0.0.1") -> Answer:
        connection = http.client.HTTPConnection(address, self.settings.port, timeout=10)
        try:
            connection.request("GET", BASE + path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = connection.getresponse()
            return Answer(response.status, response.read().decode(), response.getheader("X-Replica"))
        finally:
            connection.close()

    def error_log(self) -> str:
        log = self.settings.run_dir / "nginx-error.log"
        return log.read_text() if log.exists() else ""


@contextmanager
def nginx(tmp_path: Path, ports: list[int], bind: str = "") -> Iterator[Proxy]:
    """Real nginx with the config deploy/serve.py writes, in front of `ports`; stopped on the way out."""
    settings = serve.Settings(free_port(), len(ports), BASE, ("127.0.0.1",), tmp_path, bind=bind)
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(serve.nginx_conf(settings, ports, static=tmp_path))
    proc = subprocess.Popen([serve.NGINX, "-c", str(conf), "-g", "daemon off;"], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not _listening(bind or "127.0.0.1", settings.port):
            assert proc.poll() is None, f"nginx stopped: {Proxy(settings).error_log()}"
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.1)
        yield Proxy(settings)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _listening(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def stubs() -> Iterator[list[Stub]]:
    made = [Stub(0), Stub(1)]
    yield made
    for stub in made:
        stub.server.shutdown()
        stub.server.server_close()


def _cookie_for(proxy: Proxy, replica: int) -> dict[str, str]:
    """An affinity cookie that nginx's hash sends to `replica` (found by asking while every replica is ready)."""
    for n in range(200):
        headers = {"Cookie": f"outsidein_affinity=viewer{n}"}
        if proxy.get("/", headers).replica == str(replica):
            return headers
    raise AssertionError(f"no cookie among 200 lands on replica {replica}")


def test_healthz_says_ready_as_soon_as_one_replica_is(tmp_path, stubs) -> None:
    stubs[1].ready = True
    with nginx(tmp_path, [s.port for s in stubs]) as proxy:
        answers = {proxy.get("/healthz") for _ in range(20)}
        assert answers == {Answer(200, "ready", "1")}, "a loading replica's 503 moves the probe on to the next"
        assert "no live upstreams" not in proxy.error_log()


def test_healthz_is_the_replicas_own_503_while_none_is_ready(tmp_path, stubs) -> None:
    with nginx(tmp_path, [s.port for s in stubs]) as proxy:
        answers = [proxy.get("/healthz") for _ in range(20)]
        assert {(a.status, a.body) for a in answers} == {(503, "loading data")}, "never nginx's 502"
        assert {a.replica for a in answers} <= {"0", "1"}
        stubs[0].ready = True
        assert proxy.get("/healthz") == Answer(200, "ready", "0"), "ready at once: no replica was set aside"
        assert "no live upstreams" not in proxy.error_log()


def test_healthz_is_503_when_no_replica_answers(tmp_path) -> None:
    with nginx(tmp_path, [free_port(), free_port()]) as proxy:  # nothing listens there
        for _ in range(5):
            assert proxy.get("/healthz") == Answer(503, "no replica answering", None)


def test_probes_of_a_loading_replica_do_not_take_it_from_its_viewers(tmp_path, stubs) -> None:
    for stub in stubs:
        stub.ready = True
    with nginx(tmp_path, [s.port for s in stubs]) as proxy:
        on_zero = _cookie_for(proxy, 0)
        stubs[0].ready = False  # reloading, say; its viewers' pages are still its to serve
        for _ in range(10):  # every probe tries replica 0 first or second: its 503 is seen
            assert proxy.get("/healthz").status == 200
            assert proxy.get("/", on_zero).replica == "0", "the viewer stays on their replica"


def test_viewers_go_to_a_live_replica_while_one_refuses_connections(tmp_path, stubs) -> None:
    """A replica still starting (not listening yet): its viewers' pages come from another, as before."""
    with nginx(tmp_path, [stubs[0].port, free_port()]) as proxy:
        for n in range(20):
            answer = proxy.get("/", {"Cookie": f"outsidein_affinity=viewer{n}"})
            assert (answer.status, answer.replica) == (200, "0")


def test_bind_listens_on_that_address_alone(tmp_path, stubs) -> None:
    """BIND=127.0.0.1: another address of this host (127.0.0.2, loopback too) finds nothing on the port."""
    with nginx(tmp_path, [s.port for s in stubs], bind="127.0.0.1") as proxy:
        assert proxy.get("/").status == 200
        assert not _listening("127.0.0.2", proxy.settings.port)


def test_without_bind_nginx_listens_on_every_address(tmp_path, stubs) -> None:
    with nginx(tmp_path, [s.port for s in stubs]) as proxy:
        assert proxy.get("/", address="127.0.0.2").status == 200


@pytest.mark.parametrize(("sent", "seen"), [(None, "http"), ("https", "https"), ("gopher", "http")])
def test_the_replicas_hear_https_from_a_tls_proxy_in_front(tmp_path, stubs, sent: str | None, seen: str) -> None:
    with nginx(tmp_path, [s.port for s in stubs]) as proxy:
        assert proxy.get("/", {"X-Forwarded-Proto": sent} if sent else {}).body == seen
