"""kind = "spark": a `table` or `query` read through Spark Connect (`remote = "sc://host:port"`).

The frame stays on the cluster: validation counts and every metric run there, and only their
results (kilobytes) reach the app. One Spark Connect session per remote, kept for the process.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry, SourceError


class SparkConnector(Connector):
    kind = "spark"
    required_keys = frozenset({"remote"})
    optional_keys = frozenset({"table", "query"})
    in_place = True

    def check(self, options: Mapping[str, Any]) -> None:
        if ("table" in options) == ("query" in options):
            raise ValueError("kind 'spark' needs exactly one of 'table' or 'query'")
        if not str(options["remote"]).startswith(("sc://", "local")):
            raise ValueError(f"remote must be a Spark Connect address like sc://host:15002, got {options['remote']!r}")

    def describe(self, entry: SourceEntry) -> str:
        what = entry.options.get("table") or " ".join(str(entry.options.get("query", "")).split())[:60]
        return f"Spark {_without_token(str(entry.options['remote']))} › {what}"

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        session = _session(str(entry.options["remote"]))
        try:
            if "table" in entry.options:
                frame = session.table(str(entry.options["table"]))
            else:
                frame = session.sql(str(entry.options["query"]))
            frame.schema  # noqa: B018  # asks the cluster now, so a wrong table names itself here
        except Exception as exc:
            raise SourceError(f"{self.describe(entry)}: {_first_line(exc)}") from None
        return [Piece(frame, self.describe(entry), first_row=1)]


@functools.cache
def _session(remote: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError("kind 'spark' needs pyspark[connect] installed") from None
    try:
        return SparkSession.builder.remote(remote).getOrCreate()
    except Exception as exc:
        raise SourceError(f"cannot reach Spark Connect at {_without_token(remote)}: {_first_line(exc)}") from None


def _without_token(remote: str) -> str:
    """sc://host:port/;token=... -> sc://host:port (a token is a secret)."""
    return remote.split("/;", 1)[0]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


CONNECTOR = SparkConnector()
