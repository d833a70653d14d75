"""The time axis of every trend: ticks on bucket starts, labelled at the bucket's own grain.

Left alone, Vega-Lite picks "nice" ticks, so a window of two monthly points gets a tick per
week labelled with days, and weekly buckets (Monday starts) get Sunday ticks. Here the ticks are
the periods themselves (every k-th when there are many) and the label format follows the grain,
read from the spacing of the periods, so a chart needs no extra argument.
"""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from metrics.analysis.periods import AXIS_FORMAT

MAX_TICKS = 8
# (shortest gap in days between bucket starts, its grain), first match wins; the grain's format is the
# analysis layer's, so an axis names a bucket as the cards and sentences do.
_GRAINS = ((365, "year"), (89, "quarter"), (28, "month"), (0, "day"))


def label_format(periods: pl.Series) -> str:
    """d3 time format for bucket starts spaced like `periods` (one period: a month, the default grain)."""
    gaps = periods.unique().sort().diff().drop_nulls().dt.total_days()
    if gaps.len() == 0:
        return AXIS_FORMAT["month"]
    return AXIS_FORMAT[next(grain for days, grain in _GRAINS if gaps.min() >= days)]


def period_x(frame: pl.DataFrame, column: str = "period", title: str | None = None) -> alt.X:
    """x encoding for `column` (bucket start dates): at most MAX_TICKS ticks, each on a bucket start."""
    periods = frame.get_column(column).drop_nulls().unique().sort() if column in frame.columns else pl.Series([])
    if periods.len() == 0:
        return alt.X(f"{column}:T", title=title)
    every = max(1, math.ceil(periods.len() / MAX_TICKS))
    # Ticks as DateTime objects, which Vega reads in the browser's local time, like the data's
    # "2026-03-01T00:00:00" values. A bare "2026-03-01" is read as UTC midnight: a browser west of UTC
    # put that tick on the evening before and labelled March's point "Feb 2026" (east of UTC, past it).
    ticks = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in periods.gather_every(every).to_list()]
    return alt.X(f"{column}:T", title=title, axis=alt.Axis(values=ticks, format=label_format(periods)))
