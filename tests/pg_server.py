"""A throwaway PostgreSQL server on 127.0.0.1 for the SQL connector's tests (Debian's postgresql package).

initdb refuses to run as root, so as root the server runs as the package's `postgres` user, in a folder
that user owns. Password authentication (scram) is on, so the connector's password handling is real.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_harness import free_port

USER, PASSWORD = "outsidein", "pg-test-secret"


def server_bin() -> Path | None:
    """The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _as_server_user(folder: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    shutil.chown(folder, "postgres", "postgres")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def postgres() -> Iterator[str]:
    """Start a server; yield its URI without the password (postgresql://outsidein@127.0.0.1:<port>/postgres)."""
    bin_dir = server_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server not installed (make test installs Debian's postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="outsidein-pg-"))
    prefix = _as_server_user(folder)
    data, pwfile, port = folder / "data", folder / "pw", free_port()
    pwfile.write_text(PASSWORD)
    if prefix:
        shutil.chown(pwfile, "postgres", "postgres")
    quiet = {"check": True, "capture_output": True, "text": True}
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "--no-sync"]
    subprocess.run([*prefix, *initdb, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"], **quiet)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        **quiet,
    )
    try:
        yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], **quiet)
        shutil.rmtree(folder, ignore_errors=True)


def psql(uri: str, sql: str) -> None:
    """Run `sql` with the psql client (the test's own setup, not the code under test)."""
    client = shutil.which("psql") or str(server_bin() / "psql")
    env = {**os.environ, "PGPASSWORD": PASSWORD}
    subprocess.run([client, uri, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, env=env, capture_output=True)
