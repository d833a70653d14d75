"""The one interface every kind of source implements: open an entry as a lazy frame in its engine.

A connector knows its own sources.toml keys, describes an entry for humans (never a secret), opens
it as Pieces (lazy frames of raw rows, one per file or query) and names its own errors as
SourceError. The loader does the rest (plan, map columns, validate, cache) the same way for all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from connectors.sources import SourceEntry


@dataclass(frozen=True)
class LoadContext:
    """Where secrets come from: the app passes st.secrets / st.connection, the CLI the files."""

    secrets: Mapping[str, Any]
    sheets_client: Callable[[], Any]  # -> gspread.Client, or None when no credentials (public sheets only)


@dataclass(frozen=True)
class Piece:
    """Raw rows from one file or query, as a lazy frame in the engine that holds them.

    `frame` is a Polars LazyFrame, or any lazy frame narwhals drives (Spark Connect, a database).
    `first_row` = the source's row number of the first data row. `set_aside` holds rows the source
    itself already quarantined (the sample data), in the quarantine's schema. `version` is a cheap data
    version of what the frame reads (file sizes and times, a checksum query), equal on a reload that finds
    the same data; None when the connector cannot tell (every load is then new data).
    """

    frame: Any
    source: str
    first_row: int
    set_aside: pl.DataFrame | None = None
    version: str | None = None


class Connector(ABC):
    """One kind of source (`kind = "..."` in sources.toml)."""

    kind: ClassVar[str]
    required_keys: ClassVar[frozenset[str]] = frozenset()
    optional_keys: ClassVar[frozenset[str]] = frozenset()
    # True when every query reads the source itself (files, a cluster, a database): nothing is held in the
    # app, and a reload only re-plans and re-counts. False when opening copies the rows into the app (a sheet,
    # a workbook): the valid rows are then kept, once, in memory.
    in_place: ClassVar[bool] = False
    # Spreadsheet-like sources end with blank rows that are nobody's data: drop them (not blank rows inside).
    trims_blank_tail: ClassVar[bool] = False

    def check(self, options: Mapping[str, Any]) -> None:
        """Raise ValueError naming what is wrong with an entry's kind-specific keys (beyond required/unknown)."""
        del options  # most kinds need no more than their required and optional keys

    def refreshes_in_place(self, entry: SourceEntry) -> bool:
        """Whether queries on this entry read the source itself (see `in_place`)."""
        return self.in_place

    def batch_key(self, entry: SourceEntry) -> str:
        """Entries with the same key are opened together by open_batch (e.g. tabs of one spreadsheet)."""
        return f"{self.kind}:{entry.table}"

    def describe(self, entry: SourceEntry) -> str:
        """Where the table comes from, for humans; never includes a secret."""
        return str(entry.options.get("path", entry.kind))

    @abstractmethod
    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        """The entry's raw rows as lazy Pieces; raises SourceError (transient=True: serve the last good data)."""

    def open_batch(self, entries: Sequence[SourceEntry], context: LoadContext) -> list[list[Piece] | BaseException]:
        """Each entry's pieces, or the exception that stopped it; one entry failing never stops the others."""
        out: list[list[Piece] | BaseException] = []
        for entry in entries:
            try:
                out.append(self.open(entry, context))
            except Exception as exc:
                out.append(exc)
        return out
