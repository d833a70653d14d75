"""Wilson and NPS adjusted-Wald intervals as narwhals expressions.

Table metrics (and series with more than one interval per row) build their own
intervals inside the lazy query; these mirror metrics/intervals.py exactly, with
plain arithmetic every backend runs. Null when the group is empty.
"""

from __future__ import annotations

import narwhals as nw

from metrics.intervals import Z


def wilson(successes: nw.Expr, n: nw.Expr) -> tuple[nw.Expr, nw.Expr]:
    k, total = successes.cast(nw.Float64()), n.cast(nw.Float64())
    p = k / total
    denom = 1 + Z**2 / total
    centre = (p + Z**2 / (2 * total)) / denom
    half = Z * (p * (1 - p) / total + Z**2 / (4 * total**2)).sqrt() / denom
    # Clip like metrics/intervals.py: float noise puts a bound a hair outside [0, 1] when k = 0 or k = n.
    return _guard((centre - half).clip(0, 1), n), _guard((centre + half).clip(0, 1), n)


def nps(n: nw.Expr, promoters: nw.Expr, detractors: nw.Expr) -> tuple[nw.Expr, nw.Expr]:
    """Adjusted Wald (Rocks 2016): n' = n + 3, P' = (P + 3/4) / n', D' = (D + 3/4) / n'; NPS points, clipped."""
    n_adj = n.cast(nw.Float64()) + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    score = p - d
    half = Z * ((p + d - score**2) / n_adj).sqrt()
    return _guard((100 * (score - half)).clip(-100, 100), n), _guard((100 * (score + half)).clip(-100, 100), n)


def nps_value(n: nw.Expr, promoters: nw.Expr, detractors: nw.Expr) -> nw.Expr:
    """100 * (promoters - detractors) / n, null for n = 0."""
    return _guard(100 * (promoters - detractors).cast(nw.Float64()) / n.cast(nw.Float64()), n)


def ratio(numerator: nw.Expr, n: nw.Expr) -> nw.Expr:
    return _guard(numerator.cast(nw.Float64()) / n.cast(nw.Float64()), n)


def _guard(expr: nw.Expr, n: nw.Expr) -> nw.Expr:
    return nw.when(n > 0).then(expr)
