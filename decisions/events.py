"""Events (the optional `events` contract table) that belong on a view's trend charts.

An event is filtered like the data: one without a region (segment) concerns every region (segment); one with
a region shows in views that include that region (all regions, or a selection naming it) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from decisions.targets import FILTERS

COLUMNS = ("date", "label", "region", "segment", "kind")


def in_view(events: pl.DataFrame | None, start: date, end: date, where: Mapping[str, Any]) -> pl.DataFrame:
    """The events dated from `start` to `end` (inclusive) that concern the view `where` ({column: values}),
    by date then label, with COLUMNS (a missing optional column reads null)."""
    if events is None:
        events = pl.DataFrame(schema={"date": pl.Date, "label": pl.String})
    frame = events.with_columns(pl.lit(None, pl.String).alias(c) for c in COLUMNS if c not in events.columns)
    keep = pl.col("date").is_between(start, end)
    for column in FILTERS:
        values = [str(v) for v in where.get(column) or ()]
        if values:
            keep &= pl.col(column).is_null() | pl.col(column).is_in(values)
    return frame.filter(keep).select(COLUMNS).sort("date", "label")
