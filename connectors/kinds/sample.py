"""kind = "sample": one table of the built-in sample data (already validated; its set-aside rows come along)."""

from __future__ import annotations

import functools

import polars as pl

from connectors.dataset import Dataset
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry, SourceError


@functools.cache
def sample_dataset() -> Dataset:
    from connectors.sample import sample_dataset as build

    return build()


class SampleConnector(Connector):
    kind = "sample"

    def describe(self, entry: SourceEntry) -> str:
        return "built-in sample data"

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        sample = sample_dataset()
        if entry.table not in sample.tables:
            raise SourceError(f"the sample data has no table '{entry.table}'")
        set_aside = sample.quarantine.filter(pl.col("table") == entry.table)
        return [Piece(sample.tables[entry.table].lazy(), "built-in sample data", first_row=1, set_aside=set_aside)]


CONNECTOR = SampleConnector()
