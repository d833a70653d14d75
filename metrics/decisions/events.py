"""Events (the optional `events` contract table) that belong on a view's trend charts.

An event is filtered like the data: one without a region (segment) concerns every region (segment); one with
a region shows in views that include that region (all regions, or a selection naming it) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import narwhals as nw
import polars as pl

from metrics.decisions.targets import FILTERS

COLUMNS = ("date", "label", "region", "segment", "kind")


def in_view(events: Any, start: date, end: date, where: Mapping[str, Any]) -> pl.DataFrame:
    """The events dated from `start` to `end` (inclusive) that concern the view `where` ({column: values}),
    by date then label, with COLUMNS (a missing optional column reads null). `events`: the events table in any
    engine (a handful of rows: read whole), or None."""
    if events is None:
        events = pl.DataFrame(schema={"date": pl.Date, "label": pl.String})
    events = nw.from_native(events).lazy().collect("polars").to_native()
    frame = events.with_columns(pl.lit(None, pl.String).alias(c) for c in COLUMNS if c not in events.columns)
    keep = pl.col("date").is_between(start, end)
    for column in FILTERS:
        values = [str(v) for v in where.get(column) or ()]
        if values:
            keep &= pl.col(column).is_null() | pl.col(column).is_in(values)
    return frame.filter(keep).select(COLUMNS).sort("date", "label")


def per_panel(shown: pl.DataFrame, column: str, values: Iterable[Any]) -> pl.DataFrame:
    """The view's events (`shown`, from in_view) in each panel of a breakdown by `column`, with the panel's value
    in `panel`, by panel, date and label. Filtered like each panel's data: in a breakdown by region (segment)
    an event naming a region shows in that region's panel only, one naming none in every panel; in any other
    breakdown (carrier, review site) every event of the view shows in every panel."""
    panels = pl.DataFrame({"panel": list(values)}).unique()
    panels = panels.with_columns(pl.col("panel").cast(pl.String))
    crossed = shown.join(panels, how="cross")
    if column in FILTERS:
        crossed = crossed.filter(pl.col(column).is_null() | (pl.col(column) == pl.col("panel")))
    return crossed.sort("panel", "date", "label", nulls_last=True)


def suggested(shifts: pl.DataFrame, group: str, what: str) -> pl.DataFrame:
    """Significant level shifts per `group` value (metrics.analysis.shifts.share_shifts: split_at, before,
    after, significant) as rows ready for the events table: event_id, date (where `after` starts), label
    ("<what> fell in Southwest"), region or segment (the group value), kind "suggested", plus before and
    after for the reader. Largest shift first."""
    moved = shifts.filter(pl.col("significant"), pl.col(group).is_not_null()).sort(
        "stat", group, descending=[True, False]
    )
    verb = pl.when(pl.col("after") < pl.col("before")).then(pl.lit("fell")).otherwise(pl.lit("rose"))
    return moved.select(
        event_id=pl.format("suggested-{}", pl.int_range(1, pl.len() + 1)),
        date=pl.col("split_at").cast(pl.Date),
        label=pl.format("{} {} in {}", pl.lit(what), verb, pl.col(group)),
        region=pl.col(group) if group == "region" else pl.lit(None, pl.String),
        segment=pl.col(group) if group == "segment" else pl.lit(None, pl.String),
        kind=pl.lit("suggested"),
        before=pl.col("before"),
        after=pl.col("after"),
    )
