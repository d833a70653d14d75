"""Period buckets as narwhals expressions that run the same on every backend."""

from __future__ import annotations

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
