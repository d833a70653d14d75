"""Wilson and NPS adjusted-Wald intervals as narwhals expressions.

Table metrics (and series with more than one interval per row) build their own intervals inside
the lazy query; the formulas are metrics/interval_formulas.py's, the same text metrics/intervals.py
runs in Polars, in plain arithmetic every backend runs. Null when the group is empty.
"""

from __future__ import annotations

import narwhals as nw

from metrics import interval_formulas as formulas


def wilson(successes: nw.Expr, n: nw.Expr) -> tuple[nw.Expr, nw.Expr]:
    low, high = formulas.wilson(successes.cast(nw.Float64()), n.cast(nw.Float64()), nw.when)
    return _guard(low, n), _guard(high, n)


def nps(n: nw.Expr, promoters: nw.Expr, detractors: nw.Expr) -> tuple[nw.Expr, nw.Expr]:
    """Adjusted Wald in NPS points (see metrics/interval_formulas.py)."""
    low, high = formulas.nps_adjusted_wald(n.cast(nw.Float64()), promoters, detractors)
    return _guard(low, n), _guard(high, n)


def nps_value(n: nw.Expr, promoters: nw.Expr, detractors: nw.Expr) -> nw.Expr:
    """100 * (promoters - detractors) / n, null for n = 0."""
    return _guard(100 * (promoters - detractors).cast(nw.Float64()) / n.cast(nw.Float64()), n)


def ratio(numerator: nw.Expr, n: nw.Expr) -> nw.Expr:
    return _guard(numerator.cast(nw.Float64()) / n.cast(nw.Float64()), n)


def _guard(expr: nw.Expr, n: nw.Expr) -> nw.Expr:
    return nw.when(n > 0).then(expr)
