"""kind = "spark": a `table` or `query` read through Spark Connect (`remote = "sc://host:port"`).

The frame stays on the cluster: validation counts and every metric run there, and only their
results (kilobytes) reach the app. One Spark Connect session per remote, kept for the process.
An access token is a secret: it comes from [connections.spark] token in secrets (or the
connection named by `connection`), or from pyspark's own SPARK_CONNECT_AUTHENTICATE_TOKEN, never
from sources.toml. (pyspark sends a token over TLS, except to `localhost`.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry, SourceError


class SparkConnector(Connector):
    kind = "spark"
    required_keys = frozenset({"remote"})
    optional_keys = frozenset({"table", "query", "connection"})
    in_place = True

    def check(self, options: Mapping[str, Any]) -> None:
        if ("table" in options) == ("query" in options):
            raise ValueError("kind 'spark' needs exactly one of 'table' or 'query'")
        remote = str(options["remote"])
        if not remote.startswith("sc://"):
            raise ValueError(f"remote must be a Spark Connect address like sc://host:15002, got {remote!r}")
        if "token=" in remote:
            raise ValueError("put the Spark Connect token in secrets ([connections.spark] token), not in sources.toml")

    def describe(self, entry: SourceEntry) -> str:
        what = entry.options.get("table") or " ".join(str(entry.options.get("query", "")).split())[:60]
        return f"Spark {_without_token(str(entry.options['remote']))} › {what}"

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        section = context.secrets.get("connections", {}).get(str(entry.options.get("connection", "spark")), {})
        token = (section or {}).get("token")
        session = _session(str(entry.options["remote"]) + (f"/;token={token}" if token else ""))
        try:
            if "table" in entry.options:
                frame = session.table(str(entry.options["table"]))
            else:
                frame = session.sql(str(entry.options["query"]))
            frame.schema  # noqa: B018  # asks the cluster now, so a wrong table names itself here
        except Exception as exc:
            raise SourceError(f"{self.describe(entry)}: {_first_line(exc)}") from None
        return [Piece(frame, self.describe(entry), first_row=1, version=_version(frame))]


def _version(frame: Any) -> str | None:
    """The rows counted and a hash of each added up, on the cluster (one scan there, two numbers back): equal
    while the data does not change, so a ttl reload of unchanged data recomputes no metric (as for PostgreSQL,
    connectors.sql_lazy.data_version). None when the cluster cannot tell: the reload then counts as new data."""
    from pyspark.sql import functions as F

    try:
        row = frame.agg(
            F.count(F.lit(1)).alias("rows"),
            F.sum(F.xxhash64(*frame.columns).cast("decimal(38,0)")).alias("checksum"),  # no bigint overflow
        ).first()
        return f"{row['rows']}:{row['checksum']}"
    except Exception:  # a version is an optimisation
        return None


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
    """The message's first line; for a gRPC failure its `details` (the first line only says it is one)."""
    text = str(exc).strip() or type(exc).__name__
    details = re.search(r'details = "([^"]+)"', text)
    return (details.group(1) if details else text.splitlines()[0])[:300]


CONNECTOR = SparkConnector()
