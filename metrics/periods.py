"""Period buckets as narwhals expressions that run the same on every backend."""

from __future__ import annotations

from datetime import datetime

import narwhals as nw

from metrics.spec import Grain

_EVERY = {"day": "1d", "month": "1mo", "quarter": "1q", "year": "1y"}


def bucket(column: str, grain: Grain) -> nw.Expr:
    """First day of the `grain` bucket containing `column` (a Date); null for grain 'all'.

    Weeks start on Monday (ISO). narwhals has no weekly truncate, so step back by
    the weekday with one branch per day: plain expressions every backend runs.
    """
    col = nw.col(column)
    if grain == "all":
        return nw.lit(None, dtype=nw.Date())
    if grain == "week":
        weekday = col.dt.weekday()  # Monday = 1
        expr = nw.when(weekday == 1).then(col)
        for back in range(1, 7):
            expr = expr.when(weekday == back + 1).then(col.dt.offset_by(f"-{back}d"))
        return expr.cast(nw.Date())
    return col.dt.truncate(_EVERY[grain]).cast(nw.Date())


_EPOCH = datetime(1970, 1, 1)
_MONDAY_BEFORE_EPOCH = 3  # 1970-01-01 was a Thursday: day 3 of its ISO week (Monday = 0)
_STEP = {"day": "1d", "week": "7d", "month": "1mo", "quarter": "3mo", "year": "1y"}


def _days_since_epoch(column: str) -> nw.Expr:
    # Cast to Datetime first: on DuckDB date - date is an integer, not a duration.
    return (nw.col(column).cast(nw.Datetime("us")) - nw.lit(_EPOCH)).dt.total_seconds() // 86400


def days_between(start: str, end: str) -> nw.Expr:
    """Whole days from Date `start` to Date `end` (negative if end is earlier; null if either is)."""
    return (nw.col(end).cast(nw.Datetime("us")) - nw.col(start).cast(nw.Datetime("us"))).dt.total_seconds() // 86400


def bucket_index(column: str, grain: Grain) -> nw.Expr:
    """Integer number of the `grain` bucket holding Date `column`; consecutive buckets differ by 1.

    month = year*12 + month-1, quarter = year*4 + (month-1)//3, year = year,
    day = days since 1970-01-01, week = ISO weeks (Monday start) since 1969-12-29.
    """
    col = nw.col(column)
    if grain == "month":
        return col.dt.year().cast(nw.Int64) * 12 + col.dt.month().cast(nw.Int64) - 1
    if grain == "quarter":
        return col.dt.year().cast(nw.Int64) * 4 + (col.dt.month().cast(nw.Int64) - 1) // 3
    if grain == "year":
        return col.dt.year().cast(nw.Int64)
    if grain == "day":
        return _days_since_epoch(column)
    if grain == "week":
        return (_days_since_epoch(column) + _MONDAY_BEFORE_EPOCH) // 7
    raise ValueError(f"grain {grain!r} has no bucket index")


def next_bucket(column: str, grain: Grain) -> nw.Expr:
    """First day of the bucket after the one holding `column`."""
    return bucket(column, grain).dt.offset_by(_STEP[grain]).cast(nw.Date())
