"""kind = "sql": a `table` or `query` of a database at `uri` (PostgreSQL, MySQL, SQLite, DuckDB, ...).

PostgreSQL and DuckDB are queried in place through connectors.sql_lazy (the metrics run there and only
their results come back); MySQL and SQLite rows are read once into the app through connectorx / the
stdlib driver. The password never lives in sources.toml (see connectors.sql).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors import sql, sql_lazy
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
        return sql_lazy.in_database(entry)

    def describe(self, entry: SourceEntry) -> str:
        return sql.describe(entry)

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        try:  # PostgreSQL and DuckDB: a query in the database; the metrics run there, only results come back
            frame = sql_lazy.open_source(entry, context.secrets)
            version = sql_lazy.data_version(entry, context.secrets)
            return [Piece(frame, sql.describe(entry), first_row=1, version=version)]
        except sql_lazy.NotInDatabase:  # MySQL, SQLite: the rows are read once into the app
            return sql.read_sql(entry, context.secrets)


CONNECTOR = SqlConnector()
