"""Find where a weighted series changed level: the data behind a page's one-line takeaway.

Pure Polars over small metric results (one row per period or cohort), no Streamlit.
"""

from __future__ import annotations

import polars as pl

from metrics.analysis.change import apart
from metrics.intervals import add_interval

SHIFT_COLUMNS = ("split_at", "before", "after", "weight_before", "weight_after", "stat")


def largest_shift(
    frame: pl.DataFrame,
    order: str,
    weight: str,
    value: str,
    by: tuple[str, ...] = (),
    min_points: int = 2,
    min_weight: float = 30,
) -> pl.DataFrame:
    """Per group, the cut of the ordered series into before / after whose weighted means differ most.

    For a cut after row i: before = sum(w·v) / sum(w) over rows <= i, after = the same over rows > i,
    stat = W_before · W_after / W · (before - after)² (binary segmentation for one mean shift).
    Weighted means of per-period rates weighted by their denominators are the pooled rates, so
    `before` and `after` are the metric over each side. Each side needs `min_points` rows and
    `min_weight` total weight. Returns one row per group that has a valid cut: *by, split_at (the
    `order` value where `after` starts), before, after, weight_before, weight_after, stat.
    """
    keys = list(by) or ["_all"]
    rows = frame.filter(pl.col(weight) > 0, pl.col(value).is_not_null())
    if not by:
        rows = rows.with_columns(_all=pl.lit(0))
    w, wv = pl.col(weight).cast(pl.Float64), pl.col(weight).cast(pl.Float64) * pl.col(value)
    cut = (
        rows.sort(*keys, order)
        .with_columns(
            cw=w.cum_sum().over(keys),
            cwv=wv.cum_sum().over(keys),
            total_w=w.sum().over(keys),
            total_wv=wv.sum().over(keys),
            i=pl.int_range(1, pl.len() + 1).over(keys),
            points=pl.len().over(keys),
            split_at=pl.col(order).shift(-1).over(keys),
        )
        .with_columns(weight_before=pl.col("cw"), weight_after=pl.col("total_w") - pl.col("cw"))
        .filter(
            pl.col("i") >= min_points,
            pl.col("points") - pl.col("i") >= min_points,
            pl.col("weight_before") >= min_weight,
            pl.col("weight_after") >= min_weight,
        )
        .with_columns(
            before=pl.col("cwv") / pl.col("weight_before"),
            after=(pl.col("total_wv") - pl.col("cwv")) / pl.col("weight_after"),
        )
        .with_columns(
            stat=pl.col("weight_before")
            * pl.col("weight_after")
            / pl.col("total_w")
            * (pl.col("before") - pl.col("after")) ** 2
        )
    )
    # Ties (equal stat) resolve to the earliest cut, so the answer does not depend on row order.
    best = cut.filter(pl.col("stat") == pl.col("stat").max().over(keys)).filter(
        pl.col(order) == pl.col(order).min().over(keys)
    )
    out = best.select(*by, *SHIFT_COLUMNS)
    return out.sort(*by) if by else out


def share_shifts(
    frame: pl.DataFrame, order: str, weight: str, value: str, by: tuple[str, ...] = (), min_weight: float = 30
) -> pl.DataFrame:
    """largest_shift of a share (value = successes / weight), with n_before, n_after and `significant`: the
    95 % Wilson intervals of the pooled shares before and after the cut do not overlap."""
    shifts = largest_shift(frame, order, weight, value, by=by, min_weight=min_weight)
    sides = []
    for side in ("before", "after"):
        counted = shifts.with_columns(
            n=pl.col(f"weight_{side}").round(0).cast(pl.Int64),
            successes=(pl.col(side) * pl.col(f"weight_{side}")).round(0).cast(pl.Int64),
        )
        sides.append(add_interval(counted, "wilson").select(pl.col("ci_low", "ci_high").name.suffix(f"_{side}")))
    return (
        pl.concat([shifts, *sides], how="horizontal")
        .with_columns(
            n_before=pl.col("weight_before").round(0).cast(pl.Int64),
            n_after=pl.col("weight_after").round(0).cast(pl.Int64),
            significant=apart("ci_low_before", "ci_high_before", "ci_low_after", "ci_high_after"),
        )
        .drop("ci_low_before", "ci_high_before", "ci_low_after", "ci_high_after")
    )
