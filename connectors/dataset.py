"""What the app and the CLI get from the connectors: validated tables plus their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from connectors.validate import empty_quarantine


@dataclass(frozen=True)
class TableStatus:
    """One table's load: where from, how many rows, what went wrong (shown on /sources)."""

    table: str
    kind: str  # sample | csv | parquet | excel | gsheets | sql
    where: str  # human description of the location, secrets redacted
    rows: int = 0
    quarantined: int = 0
    loaded_at: datetime | None = None
    error: str | None = None  # one clear sentence when the table could not be loaded
    stale_since: datetime | None = None  # set when serving the last good data after an error


@dataclass(frozen=True)
class Dataset:
    tables: dict[str, pl.DataFrame]  # only tables that loaded; validated to the contract
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    status: tuple[TableStatus, ...] = ()

    def has(self, table: str) -> bool:
        return table in self.tables

    @property
    def quarantined_rows(self) -> int:
        q = self.quarantine
        return q.select(pl.struct("table", "source", "row").n_unique()).item() if q.height else 0

    @property
    def errors(self) -> list[TableStatus]:
        return [s for s in self.status if s.error]
