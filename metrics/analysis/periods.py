"""A bucket's name and completeness: one rule for labels, axes, cards, sentences and open periods.

A bucket is named at its grain: '14 Oct 2026', 'week of 12 Oct 2026', 'Oct 2026', 'Q4 2026', '2026'.
A bucket is complete when its last day is on or before `through`: the data's last date, and the
window's end when that is earlier. An open bucket is drawn and named as open ("so far") and never
compared with a finished one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import narwhals as nw
import polars as pl

WHOLE_WINDOW = "the whole window"
SO_FAR = " so far"
# d3 time formats for chart axes, at the same grain names (an axis tick cannot say "week of").
AXIS_FORMAT = {"day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y", "quarter": "Q%q %Y", "year": "%Y"}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def label(column: str, grain: str) -> pl.Expr:
    """Polars expression naming the bucket that starts on Date `column`."""
    col = pl.col(column)
    if grain == "all":
        return pl.lit(WHOLE_WINDOW)
    if grain == "day":
        return col.dt.strftime("%d %b %Y")
    if grain == "week":
        return pl.lit("week of ") + col.dt.strftime("%d %b %Y")
    if grain == "quarter":
        return pl.format("Q{} {}", col.dt.quarter(), col.dt.year())
    if grain == "year":
        return col.dt.year().cast(pl.String)
    return col.dt.strftime("%b %Y")


def label_marked(column: str, grain: str, complete: str = "complete") -> pl.Expr:
    """`label`, with ' so far' where the Boolean column `complete` is false (an open bucket)."""
    suffix = pl.when(pl.col(complete)).then(pl.lit("")).otherwise(pl.lit(SO_FAR))
    return label(column, grain) + suffix


def label_of(start: date | None, grain: str, complete: bool = True) -> str:
    """The bucket starting on `start` by name, as `label` writes it; an open bucket reads '... so far'."""
    if start is None or grain == "all":
        return WHOLE_WINDOW
    text = pl.DataFrame({"d": [start]}, schema={"d": pl.Date}).select(label("d", grain)).item()
    return text if complete else text + SO_FAR


def last_day(start: date, grain: str) -> date:
    """The last day of the bucket that starts on `start`."""
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6)
    months = start.year * 12 + start.month - 1 + _MONTHS[grain]
    return date(months // 12, months % 12 + 1, 1) - timedelta(days=1)


# The dated tables and the column that dates their rows: the data's last date is the latest of these.
TIME_COLUMNS = {"orders": "order_date", "responses": "responded_at", "reviews": "published_at", "notes": "written_at"}


def data_last(tables: Mapping[str, Any]) -> date | None:
    """The last date in the dated tables given (any engine: each is asked for its maximum where it lives)."""
    days = []
    for table, column in TIME_COLUMNS.items():
        if table not in tables:
            continue
        frame = nw.from_native(tables[table]).lazy()
        if column in frame.collect_schema().names():
            day = frame.select(nw.col(column).max()).collect().item()
            days.append(day.date() if isinstance(day, datetime) else day)
    found = [d for d in days if d is not None]
    return max(found) if found else None


def through(data_last: date | None, window_end: date | None) -> date | None:
    """The last day whose rows are all in: the data's last date, or the window's end when earlier."""
    days = [d for d in (data_last, window_end) if d is not None]
    return min(days) if days else None


def complete(column: str, grain: str, until: date | None) -> pl.Expr:
    """True where the bucket starting on Date `column` ends on or before `until` (all true when unknown).

    The bucket's last day is the next bucket's start minus one: offset_by steps whole months, so
    month, quarter and year ends need no calendar arithmetic here.
    """
    if until is None or grain == "all":
        return pl.lit(True)
    step = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "3mo", "year": "1y"}[grain]
    return pl.col(column).dt.offset_by(step) <= pl.lit(until + timedelta(days=1))


def mark_complete(frame: pl.DataFrame, grain: str, until: date | None, column: str = "period") -> pl.DataFrame:
    """`frame` with a `complete` column for its buckets (see complete)."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(complete=complete(column, grain, until))
