"""95 % confidence intervals, added to a small collected result in Polars.

Wilson for rates, adjusted Wald for NPS (Rocks 2016), t for means, and a normal
approximation for medians. They run after collect, on one row per period, so the
metric functions stay plain aggregations every backend can run.
"""

from __future__ import annotations

import math

import polars as pl

Z = 1.959963984540054


def t_quantile(df: pl.Expr) -> pl.Expr:
    """Two-sided 97.5 % quantile of Student's t for `df` degrees of freedom.

    Cornish-Fisher expansion around the normal quantile; within 1e-3 of the exact
    value for df >= 3, which is far below the precision the UI shows.
    """
    z = Z
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    d = df.cast(pl.Float64)
    return z + g1 / d + g2 / d**2 + g3 / d**3 + g4 / d**4


def wilson(successes: str = "successes", n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    k, total = pl.col(successes).cast(pl.Float64), pl.col(n).cast(pl.Float64)
    p = k / total
    denom = 1 + Z**2 / total
    centre = (p + Z**2 / (2 * total)) / denom
    half = Z * ((p * (1 - p) / total + Z**2 / (4 * total**2)).sqrt()) / denom
    return _guard(centre - half, n), _guard(centre + half, n)


def nps_adjusted_wald(n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    """Adjusted Wald: n' = n + 3, P' = (P + 3/4) / n', D' = (D + 3/4) / n'."""
    n_adj = pl.col(n).cast(pl.Float64) + 3
    p = (pl.col("promoters") + 0.75) / n_adj
    d = (pl.col("detractors") + 0.75) / n_adj
    nps = p - d
    var = (p + d - nps**2) / n_adj
    half = Z * var.sqrt()
    return _guard(100 * (nps - half), n), _guard(100 * (nps + half), n)


def t_mean(value: str = "value", sd: str = "sd", n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    half = t_quantile(pl.col(n) - 1) * pl.col(sd) / pl.col(n).cast(pl.Float64).sqrt()
    ok = pl.col(n) >= 2
    return _guard(pl.col(value) - half, n, ok), _guard(pl.col(value) + half, n, ok)


def median_normal(value: str = "value", sd: str = "sd", n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    """se(median) ~ sqrt(pi/2) * sd / sqrt(n) (exact for normal data, a guide otherwise)."""
    half = Z * math.sqrt(math.pi / 2) * pl.col(sd) / pl.col(n).cast(pl.Float64).sqrt()
    ok = pl.col(n) >= 2
    return _guard(pl.col(value) - half, n, ok), _guard(pl.col(value) + half, n, ok)


def _guard(expr: pl.Expr, n: str, ok: pl.Expr | None = None) -> pl.Expr:
    cond = pl.col(n) > 0 if ok is None else (pl.col(n) > 0) & ok
    return pl.when(cond).then(expr).otherwise(None)


INTERVALS = {"wilson": wilson, "nps": nps_adjusted_wald, "t": t_mean, "median": median_normal}


def add_interval(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    if kind == "none":
        return frame
    low, high = INTERVALS[kind]()
    return frame.with_columns(ci_low=low, ci_high=high)
