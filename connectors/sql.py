"""SQL sources: SQLite and DuckDB files, Postgres/MySQL (and others connectorx speaks).

The password never lives in sources.toml: it comes from secrets ([connections.<connection>]
password, connection defaulting to "sql") or the environment (OUTSIDEIN_<CONNECTION>_PASSWORD).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from connectors.files import Piece
from connectors.sources import SourceEntry, SourceError
from connectors.sql_preflight import LoginFailed, check_mysql, check_postgres

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


def password_env(connection: str) -> str:
    return f"OUTSIDEIN_{re.sub(r'[^A-Za-z0-9]', '_', connection).upper()}_PASSWORD"


def query_of(entry: SourceEntry) -> str:
    if "query" in entry.options:
        return str(entry.options["query"])
    table = str(entry.options["table"])
    if not _IDENTIFIER.fullmatch(table):
        raise SourceError(f"table {table!r} is not a plain table name; use 'query' for anything else")
    # MySQL reads "x" as a string, not a name (unless in ANSI_QUOTES mode): it quotes names with backticks.
    quote = "`" if scheme_of(str(entry.options["uri"])) == "mysql" else '"'
    return "SELECT * FROM " + ".".join(f"{quote}{part}{quote}" for part in table.split("."))


def scheme_of(uri: str) -> str:
    return uri.split(":", 1)[0].split("+", 1)[0].lower()


def redacted(uri: str) -> str:
    """The URI as shown to users: any password replaced by ***."""
    try:
        return make_url(uri).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", uri)


def describe(entry: SourceEntry) -> str:
    what = entry.options.get("table") or _short(str(entry.options.get("query", "")))
    return f"{redacted(entry.options['uri'])} › {what}"


def read_sql(entry: SourceEntry, secrets: Mapping[str, Any]) -> list[Piece]:
    uri = entry.options["uri"]
    query = query_of(entry)
    scheme = scheme_of(uri)
    try:
        if scheme == "sqlite":
            frame = _read_sqlite(file_path(uri, "sqlite"), query)
        elif scheme == "duckdb":
            frame = _read_duckdb(file_path(uri, "duckdb"), query)
        else:
            url = url_with_password(uri, entry, secrets)
            if scheme in ("postgresql", "postgres"):
                check_postgres(url)  # fails in a moment where connectorx's pool would retry for 30 s
            elif scheme == "mysql":
                check_mysql(url)
            frame = pl.read_database_uri(query, _for_connectorx(url), engine="connectorx")
    except LoginFailed as exc:
        raise SourceError(f"{describe(entry)}: {exc}{password_hint(entry, url)}") from None
    except SourceError:
        raise
    except Exception as exc:
        text = str(exc).strip().splitlines()
        raise SourceError(f"{describe(entry)}: {text[0] if text else type(exc).__name__}") from None
    return [Piece(frame.lazy(), describe(entry), first_row=1)]


def file_path(uri: str, scheme: str) -> str:
    path = re.sub(rf"^{scheme}(\+\w+)?:///", "", uri)
    if not Path(path).is_file():
        raise SourceError(f"{scheme} database file {path} does not exist")
    return path


def _read_sqlite(path: str, query: str) -> pl.DataFrame:
    # stdlib driver, read-only: SQLite's loose typing (text and numbers in one column) ends up as text.
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        return pl.read_database(query, con, infer_schema_length=None)


def _read_duckdb(path: str, query: str) -> pl.DataFrame:
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        return con.sql(query).pl()


def url_with_password(uri: str, entry: SourceEntry, secrets: Mapping[str, Any]) -> URL:
    connection = str(entry.options.get("connection", "sql"))
    section = secrets.get("connections", {}).get(connection, {}) or {}
    password = os.environ.get(password_env(connection)) or section.get("password")
    url = make_url(uri)
    if password and url.username and not url.password:
        url = url.set(password=str(password))
    return url


def password_hint(entry: SourceEntry, url: URL) -> str:
    """Where the password goes, when none was found (`url` as logged in with) for a login the server refused."""
    if url.password:
        return ""
    connection = str(entry.options.get("connection", "sql"))
    return f" (no password was found: set [connections.{connection}] password in secrets or {password_env(connection)})"


def _for_connectorx(url: URL) -> str:
    # connectorx wants plain schemes (postgresql://, mysql://), not sqlalchemy's driver suffixes.
    return url.set(drivername=url.drivername.split("+", 1)[0]).render_as_string(hide_password=False)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
