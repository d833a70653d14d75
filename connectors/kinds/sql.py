"""kind = "sql": a `table` or `query` of a database at `uri` (PostgreSQL, MySQL, SQLite, DuckDB, ...).

In the database when connectors.sql_lazy is available (the metrics then run there and only their
results come back); otherwise the rows are read once into the app through connectorx / the stdlib
driver. The password never lives in sources.toml (see connectors.sql).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors import sql
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry


class SqlConnector(Connector):
    kind = "sql"
    required_keys = frozenset({"uri"})
    optional_keys = frozenset({"table", "query", "connection"})

    def check(self, options: Mapping[str, Any]) -> None:
        if ("table" in options) == ("query" in options):
            raise ValueError("kind 'sql' needs exactly one of 'table' or 'query'")
        uri = str(options["uri"])
        if "password=" in uri.lower().partition("?")[2]:
            raise ValueError("put the SQL password in secrets or the environment, not in sources.toml")
        if re.search(r"://[^/@:]+:[^/@]+@", uri):
            raise ValueError("the uri contains a password: put it in secrets or the environment, not in sources.toml")

    def refreshes_in_place(self, entry: SourceEntry) -> bool:
        return _sql_lazy() is not None

    def describe(self, entry: SourceEntry) -> str:
        return sql.describe(entry)

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        in_database = _open_in_database(entry, context.secrets)
        if in_database is not None:
            return [Piece(in_database, sql.describe(entry), first_row=1)]
        return sql.read_sql(entry, context.secrets)


def _sql_lazy() -> Any:
    try:
        from connectors import sql_lazy  # type: ignore[attr-defined]  # built alongside; absent until merged
    except ImportError:
        return None
    return sql_lazy


def _open_in_database(entry: SourceEntry, secrets: Mapping[str, Any]) -> Any:
    """THE call site of connectors.sql_lazy.open_lazy: a lazy frame that runs in the database, or None to read
    the rows into the app (module absent, or it does not speak this database: NotImplementedError)."""
    sql_lazy = _sql_lazy()
    if sql_lazy is None:
        return None
    try:
        return sql_lazy.open_lazy(entry, secrets)
    except NotImplementedError:
        return None


CONNECTOR = SqlConnector()
