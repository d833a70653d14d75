"""SQL sources as lazy frames that run in their database: the metrics' queries go to the server, only their
results (kilobytes) come back.

PostgreSQL goes through SQLFrame (the PySpark DataFrame API compiled to SQL by SQLGlot), which narwhals drives
as one of its Spark-like backends: the metrics' Spark code path (integer day numbers, Sunday-first weekdays) is
the one that runs, and narwhals' own test suite covers SQLFrame. A `duckdb:///` file is opened as a DuckDB
relation (DuckDB is a narwhals backend of its own). Other databases (MySQL/MariaDB, SQLite) have no engine here:
`open_lazy` raises NotInDatabase and the rows are read with connectors.sql.read_sql instead.

SQLFrame's PostgreSQL engine needs a few fills, all kept in this file so that the metrics stay plain narwhals:
- its sessions are one per process (a singleton): each opened source gets a session of its own (its own
  catalog of column types), on one connection per server and login shared by all tables and reloads;
- it cannot hand results over as Arrow (narwhals collects through Arrow): `toArrow` fetches the rows and types
  them by the frame's schema;
- PostgreSQL refuses CAST(boolean AS bigint) and SUM(boolean) (`flag.cast(Int64).sum()` in narwhals), reads
  `\\b` in a regular expression as a backspace, and SQLFrame lacks `day` (day of month) for it: the SQL is
  rewritten before it runs (booleans go through INT, `\\b` becomes PostgreSQL's `\\y`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import narwhals as nw
from sqlalchemy.engine import URL

from connectors.files import stamp
from connectors.mapping import prepare
from connectors.sources import SourceEntry, SourceError
from connectors.sql import describe, file_path, password_hint, query_of, scheme_of, url_with_password
from connectors.validate import check

CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "outside-in"  # how the app's connections show in pg_stat_activity
POSTGRES = ("postgresql", "postgres")
_SOURCE_VIEW = "outsidein_source"  # the `query` of an entry, as a temporary view of the source's connection


class NotInDatabase(SourceError):
    """This database has no in-database engine here: read its rows with connectors.sql.read_sql instead."""


def in_database(entry: SourceEntry) -> bool:
    """True when this entry's database is queried in place (open_lazy), False when its rows are read into the app."""
    scheme = scheme_of(str(entry.options["uri"]))
    return scheme == "duckdb" or scheme in POSTGRES


def open_lazy(entry: SourceEntry, secrets: Mapping[str, Any]) -> nw.LazyFrame:
    """A `kind = "sql"` entry's valid rows as a lazy frame in its own database, mapped and validated the way the
    app's loader does it (connectors.mapping.prepare, then connectors.validate.check): contract names and types,
    rows that break a rule left out. Raises SourceError naming the source (never its password), ContractError
    when a required column is missing."""
    prepared = prepare(entry, open_source(entry, secrets))
    valid = check(entry.table, prepared, describe(entry), first_row=1, date_format=entry.date_format).frame
    return nw.from_native(valid)


def open_source(entry: SourceEntry, secrets: Mapping[str, Any]) -> nw.LazyFrame:
    """The entry's `table` or `query` as a lazy frame in its own database, with the source's own column names
    and types (the loader maps and validates it there). Raises SourceError naming the source, never its
    password; NotInDatabase for a database that is read into the app instead."""
    uri = str(entry.options["uri"])
    scheme = scheme_of(uri)
    if not in_database(entry):
        raise NotInDatabase(f"{describe(entry)}: {scheme} databases are read into the app, not queried in place")
    if scheme == "duckdb":
        return _duckdb(entry)
    url = url_with_password(uri, entry, secrets)
    try:
        return nw.from_native(_postgres_frame(entry, url))
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"{describe(entry)}: {_safe_message(exc, url)}{_hint(exc, entry, url)}") from None


def _duckdb(entry: SourceEntry) -> nw.LazyFrame:
    import duckdb

    path = file_path(str(entry.options["uri"]), "duckdb")
    try:
        con = duckdb.connect(path, read_only=True)
        return nw.from_native(con.sql(query_of(entry)))
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"{describe(entry)}: {_first_line(str(exc)) or type(exc).__name__}") from None


def _postgres_frame(entry: SourceEntry, url: URL) -> Any:
    session = _session(url)
    if "query" in entry.options:
        # The query runs as the server reads it (no SQL dialect translation on the way): a temporary view of the
        # shared connection, named after the query's text, so two queries never share a view and a reload of the
        # same query replaces its own.
        query = str(entry.options["query"])
        view = _view_name(query)
        with session.lock:
            cur = session._cur
            cur.execute(f"DROP VIEW IF EXISTS pg_temp.{view}")
            cur.execute(f"CREATE TEMPORARY VIEW {view} AS {query}")
            cur.execute("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")
            schema = cur.fetchone()[0]
        return session.read.table(f"{schema}.{view}")  # SQLFrame finds it by its schema
    query_of(entry)  # checks that `table` is a plain (schema.)name
    table = session.read.table(str(entry.options["table"]))
    if not table.columns:  # SQLFrame reads the columns from the catalog: none means no such table (or no access)
        raise SourceError(f"{describe(entry)}: no table {entry.options['table']} (or no columns this login may read)")
    return table


def _view_name(query: str) -> str:
    return f"{_SOURCE_VIEW}_{hashlib.sha256(query.encode()).hexdigest()[:16]}"


def data_version(entry: SourceEntry, secrets: Mapping[str, Any]) -> str | None:
    """A cheap version of the data an opened entry reads, equal while it does not change: a DuckDB file's size
    and modification time (its write-ahead log's too); for PostgreSQL one query that counts the rows and adds
    up a hash of each (a scan in the server, nothing comes back but two numbers). None when it cannot be told
    (the reload then counts as new data)."""
    uri = str(entry.options["uri"])
    try:
        if scheme_of(uri) == "duckdb":
            path = file_path(uri, "duckdb")
            return stamp([p for p in (path, path + ".wal") if Path(p).is_file()])
        if "query" in entry.options:
            relation = f"pg_temp.{_view_name(str(entry.options['query']))}"  # made by open_source on this connection
        else:
            relation = f"({query_of(entry)})"
        conn, lock = _connection(url_with_password(uri, entry, secrets))
        with lock, conn.cursor() as cur:
            cur.execute(f"SELECT count(*), sum(hashtext(t::text)::bigint) FROM {relation} AS t")
            rows, checksum = cur.fetchone()
        return f"{rows}:{checksum}"
    except Exception:  # a version is an optimisation: without one every reload recomputes
        return None


# One connection per server, login and database, for the process: every table of it and every reload share it
# (before, each table opened its own on every reload and the replaced ones lingered until garbage collection).
# Statements on it are serialised by its lock (psycopg2 allows one at a time per connection anyway).
_CONNECTIONS: dict[str, tuple[Any, threading.RLock]] = {}
_CONNECTIONS_LOCK = threading.Lock()


def _session(url: URL) -> Any:
    """A fresh SQLFrame session (its catalog of column types read anew: a reload sees a changed table) on the
    shared connection of `url`."""
    from connectors import sqlframe_postgres  # imported on first use: SQLFrame and SQLGlot take ~0.5 s

    conn, lock = _connection(url)
    return sqlframe_postgres.Session(conn, lock)


def _connection(url: URL) -> tuple[Any, threading.RLock]:
    """The shared connection of `url`, opened on first use and again when it broke (a restarted server)."""
    key = url.render_as_string(hide_password=False)  # a changed password is another login
    with _CONNECTIONS_LOCK:
        held = _CONNECTIONS.get(key)
        if held is not None and _alive(*held):
            return held
        if held is not None:
            with contextlib.suppress(Exception):
                held[0].close()
        _CONNECTIONS[key] = (_connect(url), threading.RLock())
        return _CONNECTIONS[key]


def _alive(conn: Any, lock: threading.RLock) -> bool:
    if conn.closed:
        return False
    try:
        with lock, conn.cursor() as cur:
            cur.execute("SELECT 1")
        return True
    except Exception:
        return False


def close_connections() -> None:
    """Close every shared connection (tests; a process that is done with its sources)."""
    with _CONNECTIONS_LOCK:
        for conn, _ in _CONNECTIONS.values():
            with contextlib.suppress(Exception):
                conn.close()
        _CONNECTIONS.clear()


def _connect(url: URL) -> Any:
    import psycopg2

    options = {k: str(v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    conn = psycopg2.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=APPLICATION_NAME,
        # Dates are bucketed through timestamptz: in UTC a day is a day, as in Polars and DuckDB.
        options="-c TimeZone=UTC",
        **options,
    )
    conn.autocommit = True  # no transaction left open between queries (no stale snapshot, nothing held)
    return conn


def _safe_message(exc: BaseException, url: URL) -> str:
    text = _first_line(str(exc)) or type(exc).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _hint(exc: BaseException, entry: SourceEntry, url: URL) -> str:
    refused = re.search(r"password authentication failed|no password supplied|password is required", str(exc))
    return password_hint(entry, url) if refused else ""
