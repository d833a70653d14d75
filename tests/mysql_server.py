"""A throwaway MariaDB (MySQL protocol) server on 127.0.0.1 for the SQL connector's tests (Debian's
mariadb-server package). As root the server runs as the package's `mysql` user, in a folder it owns."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_harness import free_port

USER, PASSWORD, DATABASE = "outsidein", "my-test-secret", "shop"
SERVER, INSTALL, CLIENT = "/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb"


def _run_as(folder: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    shutil.chown(folder, "mysql", "mysql")
    return ["--user=mysql"]


@contextmanager
def mariadb() -> Iterator[tuple[str, Path]]:
    """Start a server with database `shop` and user outsidein; yield (its URI without the password, the socket
    for setup)."""
    if not Path(SERVER).exists():
        raise RuntimeError("MariaDB server not installed (make test installs Debian's mariadb-server)")
    folder = Path(tempfile.mkdtemp(prefix="outsidein-my-"))
    user = _run_as(folder)
    data, sock, port = folder / "data", folder / "sock", free_port()
    quiet = {"check": True, "capture_output": True, "text": True}
    base = ["--no-defaults", f"--datadir={data}", *user]
    subprocess.run([INSTALL, *base, "--auth-root-authentication-method=normal", "--skip-test-db"], **quiet)
    listen = [f"--socket={sock}", f"--port={port}", "--bind-address=127.0.0.1", f"--pid-file={folder / 'pid'}"]
    server = subprocess.Popen(
        [SERVER, *base, *listen, "--innodb-buffer-pool-size=16M"],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "log").open("w"),
    )
    try:
        _wait_until_up(sock, server)
        sql(
            sock,
            f"CREATE DATABASE {DATABASE}; CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}';"
            f" GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';",
            user="root",
        )
        yield f"mysql://{USER}@127.0.0.1:{port}/{DATABASE}", sock
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(sock: Path, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mariadbd exited with {server.returncode}")
        if sock.exists():
            return
        time.sleep(0.1)
    raise RuntimeError("mariadbd did not start within 60 s")


def sql(sock: Path, statements: str, user: str = USER) -> None:
    """Run `statements` with the mariadb client (the test's own setup, not the code under test)."""
    login = ["-u", "root"] if user == "root" else ["-u", USER, f"-p{PASSWORD}", DATABASE]
    command = [CLIENT, "--no-defaults", "-S", str(sock), *login, "-e", statements]
    subprocess.run(command, check=True, capture_output=True)
