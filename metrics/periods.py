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
        weekday = iso_weekday(column)
        expr = nw.when(weekday == 1).then(col)
        for back in range(1, 7):
            expr = expr.when(weekday == back + 1).then(col.dt.offset_by(f"-{back}d"))
        return expr.cast(nw.Date())
    return col.dt.truncate(_EVERY[grain]).cast(nw.Date())


def iso_weekday(column: str) -> nw.Expr:
    """Monday = 1 ... Sunday = 7 on every backend.

    narwhals 2.28 gives Sunday as 0 on Spark; (w + 6) % 7 + 1 maps 0 and 7 to 7 and leaves 1-6 alone.
    """
    return (nw.col(column).dt.weekday().cast(nw.Int64) + 6) % 7 + 1


_EPOCH = datetime(1970, 1, 1)
_LEAP_DAYS_BEFORE_1970 = 1969 // 4 - 1969 // 100 + 1969 // 400  # 477
_MONDAY_BEFORE_EPOCH = 3  # 1970-01-01 was a Thursday: day 3 of its ISO week (Monday = 0)
_STEP = {"day": "1d", "week": "7d", "month": "1mo", "quarter": "3mo", "year": "1y"}


Backend = nw.Implementation | None


def _spark_like(backend: Backend) -> bool:
    return backend is not None and backend.is_spark_like()


def epoch_day(column: str) -> nw.Expr:
    """Days since 1970-01-01 with integer arithmetic only: runs on Spark and SQLFrame, which have no duration
    total_seconds in narwhals; about 50x slower than a duration on Polars, so only used there.

    Whole years since 1970 plus the leap days before this year (Gregorian: every 4th, not every 100th, every
    400th) plus the day of the year. Each year() is repeated in the SQL, so the formula is kept short: SQLFrame
    builds its SQL in Python, and the longer days-from-civil form made a metric take ~6x longer there.
    """
    c = nw.col(column)
    before = c.dt.year().cast(nw.Int64()) - 1  # leap days are counted over the years before this one
    leap_days = before // 4 - before // 100 + before // 400 - _LEAP_DAYS_BEFORE_1970
    return 365 * (before - 1969) + leap_days + c.dt.ordinal_day().cast(nw.Int64()) - 1


def days_since_epoch(column: str, backend: Backend = None) -> nw.Expr:
    """Whole days from 1970-01-01 to Date `column`; pass the frame's `backend` (see days_between)."""
    if _spark_like(backend):
        return epoch_day(column)
    if backend is not None and backend.is_polars():
        return nw.col(column).cast(nw.Int32())  # a Polars Date is stored as these day numbers: free
    # Cast to Datetime first: on DuckDB date - date is an integer, not a duration.
    return (nw.col(column).cast(nw.Datetime("us")) - nw.lit(_EPOCH)).dt.total_seconds() // 86400


def days_between(start: str, end: str, backend: Backend = None) -> nw.Expr:
    """Whole days from Date `start` to Date `end` (negative if end is earlier; null if either is).

    Pass the frame's `backend` (frame.implementation): Spark needs the integer-only form.
    """
    if _spark_like(backend):
        return epoch_day(end) - epoch_day(start)
    return (nw.col(end).cast(nw.Datetime("us")) - nw.col(start).cast(nw.Datetime("us"))).dt.total_seconds() // 86400


def bucket_index(column: str, grain: Grain, backend: Backend = None) -> nw.Expr:
    """Integer number of the `grain` bucket holding Date `column`; consecutive buckets differ by 1.

    month = year*12 + month-1, quarter = year*4 + (month-1)//3, year = year,
    day = days since 1970-01-01, week = ISO weeks (Monday start) since 1969-12-29.
    Pass the frame's `backend` for day and week (see days_between).
    """
    col = nw.col(column)
    if grain == "month":
        return col.dt.year().cast(nw.Int64) * 12 + col.dt.month().cast(nw.Int64) - 1
    if grain == "quarter":
        return col.dt.year().cast(nw.Int64) * 4 + (col.dt.month().cast(nw.Int64) - 1) // 3
    if grain == "year":
        return col.dt.year().cast(nw.Int64)
    if grain == "day":
        return days_since_epoch(column, backend)
    if grain == "week":
        return (days_since_epoch(column, backend) + _MONDAY_BEFORE_EPOCH) // 7
    raise ValueError(f"grain {grain!r} has no bucket index")


def next_bucket(column: str, grain: Grain) -> nw.Expr:
    """First day of the bucket after the one holding `column`."""
    return bucket(column, grain).dt.offset_by(_STEP[grain]).cast(nw.Date())
