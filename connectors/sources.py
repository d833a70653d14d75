"""Parse sources.toml: one entry per contract table saying where its rows come from.

A syntax error or an unreadable file is a SourcesError (the whole file is unusable).
A broken entry (unknown kind, missing key, ...) only breaks its own table: it is kept
as a SourceEntry whose `problem` names the mistake, so the loader can report it and
load the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.contract import TABLES

SOURCES_ENV = "OUTSIDEIN_SOURCES"
DEFAULT_TTL = 600.0  # seconds; every kind may override with `ttl`
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_COMMON_KEYS = {"kind", "ttl", "columns", "constants", "date_format", "decimal_comma"}


def __getattr__(name: str) -> Any:
    """KINDS: every kind connectors/kinds serves (looked up late: each kind's module imports this one)."""
    if name == "KINDS":
        from connectors.kinds import kinds

        return kinds()
    raise AttributeError(name)


class SourcesError(ValueError):
    """The sources file as a whole cannot be used (missing, unreadable, not TOML)."""


class SourceError(Exception):
    """One table's source cannot be read: one clear sentence; transient = serve the last good data."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class SourceEntry:
    """One configured table. `options` holds the kind-specific keys, paths already resolved."""

    table: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> source header
    constants: dict[str, Any] = field(default_factory=dict)  # contract column -> fixed value
    ttl: float = DEFAULT_TTL
    date_format: str | None = None
    decimal_comma: bool = False
    problem: str | None = None  # set when the entry itself is wrong; the table is then not loaded

    def fingerprint(self) -> str:
        """Stable id of this entry's configuration (cache key; no frames, no secrets)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(
            {
                "table": self.table,
                "kind": self.kind,
                "options": self.options,
                "columns": self.columns,
                "constants": self.constants,
                "ttl": self.ttl,
                "date_format": self.date_format,
                "decimal_comma": self.decimal_comma,
                "problem": self.problem,
            },
            sort_keys=True,
            default=str,
        )

    @classmethod
    def from_json(cls, text: str) -> SourceEntry:
        return cls(**json.loads(text))


def parse_ttl(value: Any) -> float:
    """'10m' / '30s' / '1h' / '1d' / a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError(f"ttl must be a duration like '10m', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
        if not match:
            raise ValueError(f"ttl must be a duration like '30s', '10m', '1h' or '1d', got {value!r}")
        seconds = float(match.group(1)) * _TTL_UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ValueError(f"ttl must be positive, got {value!r}")
    return seconds


def default_sources_path() -> Path | None:
    """$OUTSIDEIN_SOURCES, else ./sources.toml if it exists, else None (= sample data)."""
    env = os.environ.get(SOURCES_ENV)
    if env:
        return Path(env)
    local = Path("sources.toml")
    return local if local.exists() else None


def read_sources(path: str | Path) -> list[SourceEntry]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"sources file {path} does not exist") from None
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror or exc}") from None
    return parse_sources(text, base_dir=path.parent)


def parse_sources(text: str, base_dir: str | Path = ".") -> list[SourceEntry]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"sources file is not valid TOML: {exc}") from None
    unknown_top = set(doc) - {"tables"}
    if unknown_top:
        raise SourcesError(
            f"sources file has unknown top-level key(s) {', '.join(sorted(unknown_top))}; use [tables.<name>]"
        )
    tables = doc.get("tables", {})
    if not isinstance(tables, dict):
        raise SourcesError("sources file: 'tables' must be a table of [tables.<name>] entries")
    return [_entry(name, raw, Path(base_dir)) for name, raw in tables.items()]


def _entry(name: str, raw: Any, base_dir: Path) -> SourceEntry:
    kind = raw.get("kind", "") if isinstance(raw, dict) else ""
    try:
        return _parse_entry(name, raw, base_dir)
    except ValueError as exc:
        return SourceEntry(table=name, kind=str(kind) or "?", problem=f"[tables.{name}] {exc}")


def _parse_entry(name: str, raw: Any, base_dir: Path) -> SourceEntry:
    if name not in TABLES:
        raise ValueError(f"is not a contract table (known: {', '.join(TABLES)})")
    if not isinstance(raw, dict):
        raise ValueError("must be a table of keys")
    from connectors.kinds import connectors

    kind = raw.get("kind")
    if kind not in connectors():
        raise ValueError(f"kind must be one of {', '.join(connectors())}, got {kind!r}")
    required, optional = connectors()[kind].required_keys, connectors()[kind].optional_keys
    missing = sorted(required - set(raw))
    if missing:
        raise ValueError(f"kind '{kind}' needs key(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - required - optional - _COMMON_KEYS)
    if unknown:
        allowed = sorted(required | optional | _COMMON_KEYS)
        raise ValueError(f"unknown key(s) {', '.join(unknown)} for kind '{kind}' (allowed: {', '.join(allowed)})")
    options = {k: v for k, v in raw.items() if k not in _COMMON_KEYS}
    connectors()[kind].check(options)
    if "path" in options:
        options["path"] = _resolve(str(options["path"]), base_dir)
    if kind == "sql":
        options["uri"] = _resolve_sqlite_path(str(options["uri"]), base_dir)
    return SourceEntry(
        table=name,
        kind=kind,
        options=options,
        columns=_columns(name, raw.get("columns", {})),
        constants=_constants(name, raw.get("constants", {})),
        ttl=parse_ttl(raw.get("ttl", DEFAULT_TTL)),
        date_format=raw.get("date_format"),
        decimal_comma=bool(raw.get("decimal_comma", False)),
    )


def _columns(table: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ValueError("'columns' must map contract column = \"source header\"")
    known = {c.name for c in TABLES[table].columns}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"columns: {', '.join(unknown)} not in the contract (known: {', '.join(sorted(known))})")
    return {k: str(v) for k, v in raw.items()}


def _constants(table: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("'constants' must map contract column = value")
    known = {c.name for c in TABLES[table].columns}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"constants: {', '.join(unknown)} not in the contract (known: {', '.join(sorted(known))})")
    return dict(raw)


def _resolve(path: str, base_dir: Path) -> str:
    """Relative paths are relative to the sources file, so the file works from any cwd."""
    expanded = Path(os.path.expanduser(path))
    return str(expanded if expanded.is_absolute() else base_dir / expanded)


def _resolve_sqlite_path(uri: str, base_dir: Path) -> str:
    for scheme in ("sqlite:///", "duckdb:///"):
        if uri.startswith(scheme) and not uri.startswith(scheme + "/"):
            return scheme + _resolve(uri[len(scheme) :], base_dir)
    return uri
