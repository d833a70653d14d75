"""95 % confidence intervals, added to a small collected result in Polars.

Wilson for rates, adjusted Wald for NPS (Rocks 2016), t for means, and a normal
approximation for medians. They run after collect, on one row per period, so the
metric functions stay plain aggregations every backend can run.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import polars as pl

from metrics import interval_formulas as formulas
from metrics.interval_formulas import Z

# Exact two-sided 97.5 % quantiles of Student's t for df 1..30 (the expansion below is poor there).
_T_975 = {
    1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 5: 2.570581836,
    6: 2.446911851, 7: 2.364624252, 8: 2.306004135, 9: 2.262157163, 10: 2.228138852,
    11: 2.200985160, 12: 2.178812830, 13: 2.160368656, 14: 2.144786688, 15: 2.131449546,
    16: 2.119905299, 17: 2.109815578, 18: 2.100922040, 19: 2.093024054, 20: 2.085963447,
    21: 2.079613845, 22: 2.073873068, 23: 2.068657610, 24: 2.063898562, 25: 2.059538553,
    26: 2.055529439, 27: 2.051830516, 28: 2.048407142, 29: 2.045229642, 30: 2.042272456,
}  # fmt: skip


def t_quantile(df: pl.Expr) -> pl.Expr:
    """Two-sided 97.5 % quantile of Student's t for `df` degrees of freedom (null for df < 1).

    Exact table up to df = 30; beyond, the Cornish-Fisher expansion around the normal
    quantile, within 1e-4 of the exact value there (it is off by 1.4 at df = 1, hence the table).
    """
    z = Z
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    d = df.cast(pl.Float64)
    expansion = z + g1 / d + g2 / d**2 + g3 / d**3 + g4 / d**4
    exact = df.cast(pl.Int64).replace_strict(_T_975, default=None, return_dtype=pl.Float64)
    return pl.when(d > 30).then(expansion).when(d >= 1).then(exact).otherwise(None)


def wilson(successes: str = "successes", n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    low, high = formulas.wilson(pl.col(successes).cast(pl.Float64), pl.col(n).cast(pl.Float64), pl.when)
    return _guard(low, n), _guard(high, n)


def nps_adjusted_wald(n: str = "n") -> tuple[pl.Expr, pl.Expr]:
    """Adjusted Wald (see metrics/interval_formulas.py) on columns n, promoters and detractors."""
    low, high = formulas.nps_adjusted_wald(pl.col(n).cast(pl.Float64), pl.col("promoters"), pl.col("detractors"))
    return _guard(low, n), _guard(high, n)


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


Bounds = Callable[[], tuple[pl.Expr, pl.Expr]]
INTERVALS: dict[str, Bounds] = {"wilson": wilson, "nps": nps_adjusted_wald, "t": t_mean, "median": median_normal}


def interval_columns(kind: str, columns: list[str]) -> list[pl.Expr]:
    """ci_low and ci_high for a frame with `columns`; for "none", keep bounds the function gave and give
    null bounds to metrics without one."""
    if kind == "none":
        return [pl.lit(None, pl.Float64).alias(c) for c in ("ci_low", "ci_high") if c not in columns]
    return list(_bounds(kind))


@functools.cache
def _bounds(kind: str) -> tuple[pl.Expr, pl.Expr]:
    # Built once per kind: the t quantile's lookup table alone takes ~0.5 ms to build per call.
    low, high = INTERVALS[kind]()
    return low.alias("ci_low"), high.alias("ci_high")


def add_interval(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.with_columns(interval_columns(kind, frame.columns))
