"""kind = "parquet": a file, a glob or a folder (a lake), scanned lazily by Polars.

Nothing is read until a query runs, and then only its columns and row groups (projection and
filter push-down); the scan re-reads the files, so new data shows without holding a copy.
"""

from __future__ import annotations

import polars as pl

from connectors.files import expand, stamp
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry


class ParquetConnector(Connector):
    kind = "parquet"
    required_keys = frozenset({"path"})
    in_place = True

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        files = expand(entry.options["path"], (".parquet", ".pq"))
        return [Piece(pl.scan_parquet(files), entry.options["path"], first_row=1, version=stamp(files))]


CONNECTOR = ParquetConnector()
