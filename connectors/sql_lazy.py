"""SQL sources as lazy frames that run in their database: the metrics' queries go to the server, only their
results (kilobytes) come back.

PostgreSQL goes through SQLFrame (the PySpark DataFrame API compiled to SQL by SQLGlot), which narwhals drives
as one of its Spark-like backends: the metrics' Spark code path (integer day numbers, Sunday-first weekdays) is
the one that runs, and narwhals' own test suite covers SQLFrame. A `duckdb:///` file is opened as a DuckDB
relation (DuckDB is a narwhals backend of its own). Other databases (MySQL/MariaDB, SQLite) have no engine here:
`open_lazy` raises NotInDatabase and the rows are read with connectors.sql.read_sql instead.

SQLFrame's PostgreSQL engine needs a few fills, all kept in this file so that the metrics stay plain narwhals:
- its sessions are one per process (a singleton): each source gets a session of its own, with its own
  connection, so two sources on two servers never share one;
- it cannot hand results over as Arrow (narwhals collects through Arrow): `toArrow` fetches the rows and types
  them by the frame's schema;
- PostgreSQL refuses CAST(boolean AS bigint) and SUM(boolean) (`flag.cast(Int64).sum()` in narwhals), reads
  `\\b` in a regular expression as a backspace, and SQLFrame lacks `day` (day of month) for it: the SQL is
  rewritten before it runs (booleans go through INT, `\\b` becomes PostgreSQL's `\\y`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import narwhals as nw
import polars as pl
from sqlalchemy.engine import URL

from connectors.contract import TABLES
from connectors.mapping import column_sources
from connectors.sources import SourceEntry, SourceError
from connectors.sql import describe, file_path, password_hint, query_of, scheme_of, url_with_password
from connectors.validate import ContractError

CONNECT_TIMEOUT_S = 10
POSTGRES = ("postgresql", "postgres")
_SOURCE_VIEW = "outsidein_source"  # the `query` of an entry, as a temporary view of the source's connection


class NotInDatabase(SourceError):
    """This database has no in-database engine here: read its rows with connectors.sql.read_sql instead."""


def in_database(entry: SourceEntry) -> bool:
    """True when this entry's database is queried in place (open_lazy), False when its rows are read into the app."""
    scheme = scheme_of(str(entry.options["uri"]))
    return scheme == "duckdb" or scheme in POSTGRES


def open_lazy(entry: SourceEntry, secrets: Mapping[str, Any]) -> nw.LazyFrame:
    """A `kind = "sql"` entry as a lazy frame in its own database, its columns named and typed as in the contract
    where a cast cannot fail (see `to_contract`). Raises SourceError naming the source (never its password)."""
    return to_contract(entry, open_source(entry, secrets))


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


def to_contract(entry: SourceEntry, frame: nw.LazyFrame) -> nw.LazyFrame:
    """Contract names (the entry's `columns`, else matching headers), `constants` as literals, and the contract's
    types where the cast cannot fail (a narrower number, a timestamp to a date, numbers to text). A column that
    needs a cast that can fail (text to a date) keeps its source type, for validation to check row by row."""

    table = TABLES[entry.table]
    schema = frame.collect_schema()
    chosen = column_sources(entry, schema.names())
    missing = [c for c in table.required if c not in chosen and c not in entry.constants]
    if missing:
        raise ContractError(
            f"missing required column(s) {', '.join(missing)}; expected {', '.join(table.required)} "
            f"(map others under [tables.{entry.table}.columns]); found: {', '.join(schema.names()) or 'no columns'}"
        )
    targets = nw.from_native(pl.DataFrame(schema=table.schema)).schema
    exprs = []
    for column in table.columns:
        target = targets[column.name]
        if column.name in entry.constants:
            exprs.append(nw.lit(entry.constants[column.name]).cast(target).alias(column.name))
        elif column.name in chosen:
            source = chosen[column.name]
            expr = nw.col(source)
            if schema[source] != target and _cannot_fail(schema[source], target):
                expr = expr.cast(target)
            exprs.append(expr.alias(column.name))
    return frame.select(exprs)


def _cannot_fail(source: nw.dtypes.DType, target: nw.dtypes.DType) -> bool:
    if target == nw.String:
        return source.is_numeric() or source in (nw.Categorical, nw.Enum)
    if target == nw.Float64:
        return source.is_numeric()
    if target == nw.Int64:
        return source.is_integer()
    if target == nw.Date:
        return source == nw.Datetime
    return False


def _postgres_frame(entry: SourceEntry, url: URL) -> Any:
    session = _session(url)
    if "query" in entry.options:
        # The query runs as the server reads it (no SQL dialect translation on the way): a temporary view.
        cur = session._cur
        cur.execute(f"CREATE TEMPORARY VIEW {_SOURCE_VIEW} AS {entry.options['query']}")
        cur.execute("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")
        return session.read.table(f"{cur.fetchone()[0]}.{_SOURCE_VIEW}")  # SQLFrame finds it by its schema
    query_of(entry)  # checks that `table` is a plain (schema.)name
    table = session.read.table(str(entry.options["table"]))
    if not table.columns:  # SQLFrame reads the columns from the catalog: none means no such table (or no access)
        raise SourceError(f"{describe(entry)}: no table {entry.options['table']} (or no columns this login may read)")
    return table


def _session(url: URL) -> Any:
    import psycopg2

    from connectors import sqlframe_postgres  # imported on first use: SQLFrame and SQLGlot take ~0.5 s

    options = {k: str(v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    conn = psycopg2.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="outside-in",
        # Dates are bucketed through timestamptz: in UTC a day is a day, as in Polars and DuckDB.
        options="-c TimeZone=UTC",
        **options,
    )
    conn.autocommit = True  # no transaction left open between queries (no stale snapshot, nothing held)
    return sqlframe_postgres.Session(conn)


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
