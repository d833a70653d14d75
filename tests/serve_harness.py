"""`make serve` for tests: deploy/serve.py (supervisord, nginx, N replicas) on free loopback ports."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser_harness import OUTPUT, ROOT, free_port


def http_status(url: str, headers: dict[str, str] | None = None, timeout: float = 3) -> int | None:
    """The status of GET url, or None when nothing answers (refused, dropped)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


@dataclass(frozen=True)
class Served:
    url: str  # public base URL, with the prefix, no trailing slash
    replica_ports: list[int]
    run_dir: Path
    env: dict[str, str]

    def supervisorctl(self, *args: str) -> str:
        cmd = [str(Path(sys.executable).with_name("supervisorctl")), "-c", str(self.run_dir / "supervisord.conf")]
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=30).stdout.strip()

    def replica_pid(self, index: int) -> int:
        """Its process id; 0 while it is not running."""
        answer = self.supervisorctl("pid", f"replica-{index}")
        return int(answer) if answer.isdigit() else 0

    def active_sessions(self, index: int) -> int:
        """Sessions open on one replica (0 when it is down), from Streamlit's own metrics."""
        base = f"http://127.0.0.1:{self.replica_ports[index]}{self.env.get('BASE_PATH', '')}"
        try:
            with urllib.request.urlopen(f"{base}/_stcore/metrics", timeout=3) as response:
                text = response.read().decode()
        except OSError:
            return 0
        match = re.search(r"^active_sessions (\d+)", text, re.M)
        return int(match.group(1)) if match else 0

    def replica_healthy(self, index: int) -> bool:
        base = f"http://127.0.0.1:{self.replica_ports[index]}{self.env.get('BASE_PATH', '')}"
        return http_status(f"{base}/_stcore/health") == 200


@contextmanager
def served(
    tmp_path: Path, replicas: int = 2, base_path: str = "/cx", timeout: float = 120, health_tick: int = 5
) -> Iterator[Served]:
    port = free_port()
    run_dir = tmp_path / "serve"
    env = {"PORT": str(port), "REPLICAS": str(replicas), "BASE_PATH": base_path, "RUN_DIR": str(run_dir)}
    env |= {
        "SERVER_NAME": "127.0.0.1",
        "STREAMLIT_SERVER_COOKIE_SECRET": os.urandom(24).hex(),
        "HEALTH_TICK": str(health_tick),
    }
    OUTPUT.mkdir(exist_ok=True)
    log = (OUTPUT / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "deploy/serve.py"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # supervisord and everything it starts: stopped as one group below
    )
    url = f"http://127.0.0.1:{port}{base_path}"
    try:
        deadline = time.monotonic() + timeout
        while not (run_dir / "replicas.json").exists() or http_status(f"{url}/_stcore/health") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make serve did not come up; see {log.name} and {run_dir}")
            time.sleep(0.5)
        ports = json.loads((run_dir / "replicas.json").read_text())["ports"]
        result = Served(url, ports, run_dir, env)
        while not all(result.replica_healthy(i) for i in range(replicas)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"not every replica came up; see {run_dir}")
            time.sleep(0.5)
        yield result
    finally:
        proc.send_signal(signal.SIGTERM)  # supervisord stops its programs, then exits
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        for name in (*(f"replica-{i}.log" for i in range(replicas)), "nginx-error.log", "supervisord.log"):
            if (run_dir / name).exists():
                (OUTPUT / f"serve-{port}-{name}").write_text((run_dir / name).read_text())
