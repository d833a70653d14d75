"""`make serve`: REPLICAS Streamlit processes behind nginx, kept alive by supervisord, on one host.

Settings (environment):
  PORT=8501          public port nginx listens on
  BIND=127.0.0.1     the one address nginx listens on (IPv4 or IPv6; default: every IPv4 address)
  REPLICAS=<cores>   Streamlit processes, each on its own loopback port
  BASE_PATH=/cx      serve the whole app under a path prefix (default: none)
  SERVER_NAME="dash.acme.com"  host names accepted (space-separated); others are dropped. Default: any
  RUN_DIR=.serve     where the generated nginx/supervisord configs, pids and logs go
  HEALTH_TICK=60     seconds between health checks of each replica (5, 60 or 3600: supervisord's ticks);
                     a replica whose /_stcore/health fails or takes over 10 s is restarted (superlance httpok)
  STREAMLIT_SERVER_COOKIE_SECRET  shared by every replica; without it one is generated once into
                     .streamlit/cookie_secret (git-ignored) and reused on every start

Refuses to start (exit 2, one line) on a short or example cookie secret, a bad setting, or no nginx.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.secret_check import cookie_secret_problem  # noqa: E402

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
SECRET_FILE = ROOT / ".streamlit" / "cookie_secret"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BIN = Path(sys.executable).parent  # supervisord, supervisorctl and httpok live beside this Python
SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
STATIC_HOME = ROOT / ".serve-static"  # nginx's copy of Streamlit's frontend, one folder per Streamlit version


class SettingError(Exception):
    """A setting the operator must fix; its message is the one line shown."""


@dataclass(frozen=True)
class Settings:
    port: int
    replicas: int
    base_path: str  # "" or "/cx"
    server_names: tuple[str, ...]
    run_dir: Path
    health_tick: int = 60
    bind: str = ""  # "" (every IPv4 address) or one address, e.g. "127.0.0.1", "::1"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        try:
            port = int(env.get("PORT") or 8501)
            replicas = int(env.get("REPLICAS") or os.cpu_count() or 1)
        except ValueError as exc:
            raise SettingError(f"PORT and REPLICAS must be whole numbers ({exc})") from None
        if not 0 < port < 65536 or not 1 <= replicas <= 64:
            raise SettingError("PORT must be 1-65535 and REPLICAS 1-64")
        base = (env.get("BASE_PATH") or "").strip().strip("/")
        segments_ok = all(part not in (".", "..") for part in base.split("/"))
        if base and not (segments_ok and re.fullmatch(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*", base)):
            raise SettingError(f"BASE_PATH {base!r} may hold only letters, digits, '.', '_', '~', '-' and '/'")
        names = tuple((env.get("SERVER_NAME") or "").split())
        if any(not re.fullmatch(r"[A-Za-z0-9.*-]+", n) for n in names):
            raise SettingError(f"SERVER_NAME {names!r}: host names only, separated by spaces")
        run_dir = Path(env.get("RUN_DIR") or ROOT / ".serve").resolve()
        tick = env.get("HEALTH_TICK") or "60"
        if tick not in ("5", "60", "3600"):
            raise SettingError(f"HEALTH_TICK must be 5, 60 or 3600 (supervisord's TICK events), not {tick!r}")
        bind = bind_address(env.get("BIND") or "")
        return cls(port, replicas, f"/{base}" if base else "", names, run_dir, int(tick), bind)


def bind_address(text: str) -> str:
    """BIND as nginx's listen wants it: "" or one IPv4/IPv6 address (a host name could resolve to several)."""
    text = text.strip()
    if not text:
        return ""
    try:
        address = ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        raise SettingError(f"BIND {text!r} must be one IPv4 or IPv6 address, e.g. 127.0.0.1 or ::1") from None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        raise SettingError(f"BIND {text!r}: nginx cannot listen on an address with a %zone")
    return str(address)


def listen_on(settings: Settings) -> str:
    """nginx's `listen` argument: the port alone (every IPv4 address, as before BIND), or address:port."""
    return f"{url_host(settings.bind)}:{settings.port}" if settings.bind else str(settings.port)


def url_host(address: str) -> str:
    """An address as it stands before `:port` (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


def public_url(settings: Settings) -> str:
    """Where viewers find the dashboard, for the start-up line."""
    if settings.server_names:
        host = settings.server_names[0]
    elif settings.bind and not ipaddress.ip_address(settings.bind).is_unspecified:
        host = url_host(settings.bind)
    else:
        host = "localhost"
    return f"http://{host}:{settings.port}{settings.base_path}/"


def cookie_secret(env: dict[str, str]) -> str:
    """The secret every replica signs cookies with: from the environment, else generated once."""
    secret = env.get(SECRET_ENV)
    if secret is None:
        if not SECRET_FILE.exists():
            SECRET_FILE.parent.mkdir(exist_ok=True)
            SECRET_FILE.touch(mode=0o600)
            SECRET_FILE.write_text(secrets.token_hex(32))
        secret = SECRET_FILE.read_text().strip()
    if problem := cookie_secret_problem(secret, SECRET_ENV if SECRET_ENV in env else str(SECRET_FILE)):
        raise SettingError(problem)
    return secret


def free_loopback_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# Streamlit's frontend bundle: content-hashed file names, so nginx may tell browsers to keep them for a year.
COMPRESSED_SUFFIXES = (".js", ".css", ".svg", ".json", ".html")  # text; fonts and images are compressed already


def streamlit_static_dir() -> Path:
    """Where the installed Streamlit keeps its frontend (index.html, static/js, ...), without importing it."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or not spec.submodule_search_locations:
        raise SettingError("streamlit is not installed beside this Python")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def static_bundle(home: Path = STATIC_HOME) -> Path:
    """A copy of Streamlit's `static/` assets with a gzip file beside each text file, for nginx's gzip_static.

    Streamlit serves these from Python, uncompressed (its gzip middleware skips them: recompressing on
    every request costs more than it saves), on the same event loop that runs the viewers' sessions:
    3.75 MB of JavaScript per new viewer. nginx serves the files itself (sendfile) and sends the
    compressed copy, made once per Streamlit version (about 0.6 s of CPU; 22.9 MB of text becomes 6.9 MB).
    It lives outside RUN_DIR, which only its owner may enter, since nginx's workers may run as another user.
    """
    source = streamlit_static_dir() / "static"
    target = home / importlib.metadata.version("streamlit")
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    building = Path(tempfile.mkdtemp(dir=home, prefix=".building-"))
    shutil.copytree(source, building, dirs_exist_ok=True)
    for path in building.rglob("*"):
        if path.suffix in COMPRESSED_SUFFIXES and path.stat().st_size > 1024:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 6, mtime=0))
    building.chmod(0o755)
    try:
        building.rename(target)  # atomic: a second `make serve` starting at once keeps the first copy
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return target


def nginx_conf(settings: Settings, ports: list[int], static: Path | None = None) -> str:
    """The nginx config; `static` is the folder of Streamlit's frontend copy (static_bundle)."""
    static = static or STATIC_HOME / importlib.metadata.version("streamlit")
    listen = listen_on(settings)
    upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
    health_upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in ports)
    if settings.server_names:
        guard = f"    server {{\n        listen {listen} default_server;\n        return 444;\n    }}\n"
        names = " ".join(settings.server_names)
    else:
        guard, names = "", "_"
    base = settings.base_path
    redirect = f"        location = {base} {{ return 301 {base}/; }}\n" if base else ""
    filled = {
        "RUN": str(settings.run_dir),
        "UPSTREAMS": upstreams,
        "HEALTH_UPSTREAMS": health_upstreams,
        "HOST_GUARD": guard,
        "LISTEN": listen,
        "SERVER_NAMES": names,
        "BASE_REDIRECT": redirect,
        "BASE": base,
        "STATIC": str(static),
    }
    return re.sub(r"@@([A-Z_]+)@@", lambda m: filled[m.group(1)], TEMPLATE.read_text())


def replica_command(settings: Settings, port: int) -> str:
    args = [sys.executable, "-m", "streamlit", "run", "asgi.py", "--server.port", str(port)]
    args += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    if settings.base_path:
        args += ["--server.baseUrlPath", settings.base_path.strip("/")]
    if settings.server_names:  # the websocket checks the Host too (DNS rebinding)
        for name in settings.server_names:
            args += ["--server.allowedHosts", name]
    return " ".join(args)


def supervisord_conf(settings: Settings, ports: list[int]) -> str:
    run = settings.run_dir
    sections = [
        f"[supervisord]\nnodaemon=true\nlogfile={run}/supervisord.log\npidfile={run}/supervisord.pid\n"
        f"childlogdir={run}\n",
        f"[unix_http_server]\nfile={run}/supervisor.sock\nchmod=0700\n",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{run}/supervisor.sock\n",
    ]
    for i, port in enumerate(ports):
        # startsecs: a booting replica is not listening yet; the health check below only restarts RUNNING ones.
        sections.append(
            f"[program:replica-{i}]\ncommand={replica_command(settings, port)}\ndirectory={ROOT}\n"
            f"autorestart=true\nstartsecs=20\nstartretries=100\nstopasgroup=true\nkillasgroup=true\nstopwaitsecs=5\n"
            f"stdout_logfile={run}/replica-{i}.log\nredirect_stderr=true\n"
        )
        # A replica that is alive but does not answer (hung) is restarted too: superlance's httpok.
        health = f"http://127.0.0.1:{port}{settings.base_path}/_stcore/health"
        sections.append(
            f"[eventlistener:health-{i}]\ncommand={BIN / 'httpok'} -p replica-{i} -t 10 {health}\n"
            f"events=TICK_{settings.health_tick}\nstderr_logfile={run}/health-{i}.log\n"
        )
    sections.append(
        f"[program:nginx]\ncommand={NGINX} -c {run}/nginx.conf -g 'daemon off;'\nautorestart=true\n"
        f"stdout_logfile={run}/nginx.log\nredirect_stderr=true\n"
    )
    return "\n".join(sections)


def prepare(env: dict[str, str]) -> tuple[Settings, Path]:
    """Check every setting, write the configs; the supervisord config's path."""
    settings = Settings.from_env(env)
    secret = cookie_secret(env)
    if not Path(NGINX).exists():
        raise SettingError(f"nginx not found at {NGINX}: `make serve` installs Debian's nginx when run as root")
    ports = free_loopback_ports(settings.replicas)
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (settings.run_dir / sub).mkdir(parents=True, exist_ok=True)
    settings.run_dir.chmod(0o700)
    (settings.run_dir / "nginx.conf").write_text(nginx_conf(settings, ports, static_bundle()))
    conf = settings.run_dir / "supervisord.conf"
    conf.write_text(supervisord_conf(settings, ports))
    (settings.run_dir / "replicas.json").write_text(json.dumps({"ports": ports, "public_port": settings.port}))
    os.environ[SECRET_ENV] = secret  # inherited by every replica; never written into a config file
    return settings, conf


def main() -> int:
    try:
        settings, conf = prepare(dict(os.environ))
    except SettingError as exc:
        print(f"make serve: {exc}", file=sys.stderr)
        return 2
    where = public_url(settings)
    print(f"Outside-In: {settings.replicas} replicas behind nginx on {where} (logs in {settings.run_dir})")
    supervisord = BIN / "supervisord"
    os.execv(str(supervisord), [str(supervisord), "-c", str(conf)])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
