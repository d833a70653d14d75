"""kind = "csv": a file, a glob or a folder of CSV files, scanned lazily by Polars, every column as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors import files
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry


class CsvConnector(Connector):
    kind = "csv"
    required_keys = frozenset({"path"})
    optional_keys = frozenset({"separator", "encoding"})
    in_place = True
    trims_blank_tail = True

    def check(self, options: Mapping[str, Any]) -> None:
        if len(str(options.get("separator", ","))) != 1:
            raise ValueError(f"separator must be one character, got {options['separator']!r}")

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        return files.read_csv(entry)


CONNECTOR = CsvConnector()
