"""What the app and the CLI get from the connectors: validated tables plus their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import narwhals as nw
import polars as pl

from connectors.validate import COUNTS_SCHEMA, empty_quarantine


def _empty_counts() -> pl.DataFrame:
    return pl.DataFrame(schema={"table": pl.String(), **COUNTS_SCHEMA})


@dataclass(frozen=True)
class TableStatus:
    """One table's load: where from, how many rows, what went wrong (shown on /sources)."""

    table: str
    kind: str  # sample | csv | parquet | excel | gsheets | sql | spark | ...
    where: str  # human description of the location, secrets redacted
    rows: int = 0  # valid rows
    quarantined: int = 0  # rows set aside (all of them, not only the sample kept)
    loaded_at: datetime | None = None
    error: str | None = None  # one clear sentence when the table could not be loaded
    stale_since: datetime | None = None  # set when serving the last good data after an error
    ttl: float | None = None  # seconds until it is read again (in the background)
    in_place: bool = False  # queries read the source itself; nothing but the plan is held in the app
    counts: tuple[tuple[str, str, int], ...] = ()  # (column, reason, rows) for every rule some row breaks
    # The data's version: equal on a reload that found the same data (same files, same rows), so results
    # computed from the last load still hold (connectors.loader.data_version).
    version: str = ""

    @property
    def next_refresh(self) -> datetime | None:
        return self.loaded_at + timedelta(seconds=self.ttl) if self.loaded_at and self.ttl else None


@dataclass(frozen=True)
class Dataset:
    # Only tables that loaded, validated to the contract: Polars DataFrames held in memory, or lazy frames
    # (Polars, Spark Connect, a database) that read the source when a metric runs.
    tables: dict[str, Any]
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)  # per rule, a sample of the rows
    status: tuple[TableStatus, ...] = ()

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> list[str]:
        """The columns a loaded table has (no data is read); [] when it is not loaded."""
        frame = self.tables.get(table)
        return [] if frame is None else nw.from_native(frame).collect_schema().names()

    @property
    def rows(self) -> int:
        """Valid rows over all loaded tables, as counted when loaded."""
        if self.status:
            return sum(s.rows for s in self.status if s.table in self.tables)
        return sum(nw.from_native(f).lazy().select(nw.len()).collect().item() for f in self.tables.values())

    @property
    def quarantined_rows(self) -> int:
        q = self.quarantine
        sampled = q.select(pl.struct("table", "source", "row").n_unique()).item() if q.height else 0
        return max(sum(s.quarantined for s in self.status), sampled)

    @property
    def counts(self) -> pl.DataFrame:
        """table, column, reason, rows: how many rows break each rule (every row, not only the sample kept)."""
        rows = [(s.table, *c) for s in self.status for c in s.counts]
        return pl.DataFrame(rows, schema=_empty_counts().schema, orient="row")

    @property
    def errors(self) -> list[TableStatus]:
        return [s for s in self.status if s.error]
