"""Data shaping for the satisfaction page: pure Polars over metric results, plus cached fetches.

Every KPI comes from the metric layer (metrics/satisfaction.py); the 0-10 score distribution from
metrics/analysis/distribution.py, which selects exactly the answers the NPS metric counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import polars as pl
import streamlit as st

import metrics
from metrics.analysis import change, periods
from metrics.analysis.distribution import score_counts
from metrics.analysis.shifts import largest_shift
from metrics.errors import MissingData
from metrics.nps import GROUPS
from ui import data, query
from ui import format as fmt
from ui.state import Filters

NPS, CSAT, CES = "satisfaction.nps", "satisfaction.csat", "satisfaction.ces"
STARS = "satisfaction.review_rating"
METRICS = (NPS, CSAT, CES)
SPLITS = ("segment", "region")
CATEGORIES = GROUPS  # bottom to top when stacked
CATEGORIES_ORDER = {c: i for i, c in enumerate(CATEGORIES)}
NOT_RECORDED = "(not recorded)"


# ---------------------------------------------------------------- score distribution


@st.cache_data(show_spinner=False, max_entries=64)
def _distribution(
    version: str,
    start: date,
    end: date,
    where: tuple[tuple[str, tuple[str, ...]], ...],
    by: tuple[str, ...],
) -> pl.DataFrame:
    del version  # part of the cache key only
    tables = data.dataset().tables
    if "responses" not in tables or "score" not in data.dataset().columns("responses"):
        return pl.DataFrame()
    return score_counts(tables, start, end, dict(where), by)


def score_distribution(filters: Filters, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """The 0-10 distribution under the shared filters (cached by data version and filters)."""
    if not data.dataset().has("responses"):
        raise MissingData("No survey responses are loaded, so there is no score distribution.")
    missing = [c for c in by if c not in data.dataset().columns("responses")]
    if missing:
        raise MissingData(f"The responses table has no {missing[0]} column, so scores cannot be split by it.")
    return _distribution(data.version(), filters.start, filters.end, filters.where_key(), by)


# ---------------------------------------------------------------- promoters / passives / detractors


def nps_mix(nps: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Long form of the metric's three counts: *by, period, category, count, n, share (= count / n)."""
    return (
        nps.filter(pl.col("n") > 0)
        .unpivot(
            index=["period", *by, "n", *(["complete"] if "complete" in nps.columns else [])],
            on=list(CATEGORIES),
            variable_name="category",
            value_name="count",
        )
        .with_columns(share=pl.col("count") / pl.col("n"), order=pl.col("category").replace_strict(CATEGORIES_ORDER))
        .sort("period", *by, "order", nulls_last=True)
    )


def with_period_label(frame: pl.DataFrame, grain: str) -> pl.DataFrame:
    if "complete" not in frame.columns:
        return frame.with_columns(period_label=periods.label("period", grain))
    return frame.with_columns(period_label=periods.label_marked("period", grain))


# ---------------------------------------------------------------- per group summary


def group_summary(frames: Mapping[str, pl.DataFrame], split: str, min_ns: Mapping[str, int]) -> pl.DataFrame:
    """One row per group over the whole window: value, CI and n of each metric, plus why to distrust it.

    `frames`: metric name -> its result with grain 'all' and by=(split,). A group below a metric's
    min_n keeps its row and value; `trust` names the metric and the reason.
    """
    wide = None
    flags = []
    for name, frame in frames.items():
        short = name.split(".", 1)[1].upper()
        part = frame.select(
            pl.col(split).fill_null(NOT_RECORDED),
            pl.col("value").alias(short),
            pl.col("ci_low").alias(f"{short} low"),
            pl.col("ci_high").alias(f"{short} high"),
            pl.col("n").alias(f"{short} n"),
        )
        wide = part if wide is None else wide.join(part, on=split, how="full", coalesce=True)
        min_n = min_ns[name]
        flags.append(
            pl.when(pl.col(f"{short} n").fill_null(0) < min_n).then(
                pl.format(f"{short}: n = {{}} < {min_n}", pl.col(f"{short} n").fill_null(0))
            )
        )
    if wide is None:
        return pl.DataFrame()
    reasons = pl.concat_str(flags, separator="; ", ignore_nulls=True)
    trust = pl.when(reasons != "").then(pl.lit("too few answers to trust: ") + reasons).otherwise(pl.lit("ok"))
    return wide.with_columns(trust=trust).sort(split)


GREY = "color: #9aa3ad; font-style: italic"


def summary_style(table: pl.DataFrame, min_ns: Mapping[str, int]) -> pd.io.formats.style.Styler:
    """Grey the cells of a metric whose n is below its min_n (the row stays; `trust` says why)."""
    styles = table.select(
        pl.when(pl.col(f"{c.split(' ', 1)[0]} n").fill_null(0) < min_ns[c.split(" ", 1)[0]])
        .then(pl.lit(GREY))
        .otherwise(pl.lit(""))
        .alias(c)
        if c.split(" ", 1)[0] in min_ns
        else pl.lit("").alias(c)
        for c in table.columns
    ).to_pandas()
    formats = {"NPS": "{:+.0f}", "NPS low": "{:+.0f}", "NPS high": "{:+.0f}", "CSAT": "{:.1%}"}
    formats |= {"CSAT low": "{:.1%}", "CSAT high": "{:.1%}", "CES": "{:.2f}", "CES low": "{:.2f}", "CES high": "{:.2f}"}
    formats |= {f"{short} n": "{:,.0f}" for short in min_ns}
    frame = table.to_pandas()
    present = {c: f for c, f in formats.items() if c in frame.columns}
    return frame.style.apply(lambda _: styles, axis=None).format(present, na_rep="–").hide(axis="index")


def short_min_ns() -> dict[str, int]:
    """min_n per table column prefix (NPS, CSAT, CES)."""
    return {name.split(".", 1)[1].upper(): metrics.spec(name).min_n for name in METRICS}


def summary(filters: Filters, split: str) -> pl.DataFrame:
    """Whole-window NPS, CSAT and CES per group of `split` (see group_summary)."""
    frames, min_ns = {}, {}
    for name in METRICS:
        frames[name], min_ns[name] = query.metric(name, filters, by=(split,), grain="all"), metrics.spec(name).min_n
    return group_summary(frames, split, min_ns)


# ---------------------------------------------------------------- takeaway


def _window(filters: Filters, start: date, end: date) -> Filters:
    return replace(filters, start=max(start, filters.start), end=min(end, filters.end))


def nps_shifts(filters: Filters, dimension: str) -> pl.DataFrame:
    """Per group of `dimension`: where its NPS changed level most, and the NPS before and after
    that point recomputed by the metric (with its 95 % intervals) over the two date windows."""
    spec = metrics.spec(NPS)
    if not any(dimension in data.dataset().columns(t) for t in (*spec.tables, *spec.optional_tables)):
        return pl.DataFrame()  # the data has no such column: no group can have shifted
    trend = query.metric(NPS, filters, by=(dimension,))
    min_n = metrics.spec(NPS).min_n
    if trend.is_empty():
        return pl.DataFrame()
    finished = trend.drop_nulls(dimension).filter(pl.col("complete"))  # an open period is not compared
    cuts = largest_shift(finished, "period", "n", "value", by=(dimension,), min_weight=min_n)
    rows = []
    for split_at in cuts.get_column("split_at").unique().sort().to_list():
        before = query.metric(NPS, _window(filters, filters.start, split_at - timedelta(days=1)), (dimension,), "all")
        after = query.metric(NPS, _window(filters, split_at, filters.end), (dimension,), "all")
        side = after.join(before, on=dimension, suffix="_before").with_columns(split_at=pl.lit(split_at))
        rows.append(side)
    if not rows:
        return pl.DataFrame()
    both = pl.concat(rows, how="diagonal_relaxed")
    return (
        cuts.select(dimension, "split_at", "stat").join(both, on=[dimension, "split_at"]).rename({dimension: "group"})
    )


def shift_table(by_dimension: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """All groups of all dimensions in one frame with `dimension` and `significant` (intervals apart)."""
    frames = [f.with_columns(dimension=pl.lit(d)) for d, f in by_dimension.items() if f.height]
    if not frames:
        return pl.DataFrame()
    table = pl.concat(frames, how="diagonal_relaxed")
    return table.with_columns(significant=change.apart("ci_low", "ci_high", "ci_low_before", "ci_high_before"))


def takeaway_text(shifts: pl.DataFrame, latest: dict | None, grain: str) -> str:
    """The page's first line. Pure: the shift table and the latest overall NPS row in, markdown out.

    Names the group whose NPS moved most beyond both 95 % intervals (drops first); else says nothing moved.
    """
    parts = []
    moved = shifts.filter(pl.col("significant")) if shifts.height else shifts
    if moved.height:
        moved = moved.with_columns(drop=pl.col("value") < pl.col("value_before")).sort("drop", "stat", descending=True)
        top = moved.row(0, named=True)
        verb = "fell" if top["drop"] else "rose"
        parts.append(
            f"**{top['group']}** NPS {verb} from **{top['value_before']:+.0f}** to **{top['value']:+.0f}** "
            f"from {periods.label_of(top['split_at'], grain)} on (n = {top['n_before']:,} vs {top['n']:,} answers; "
            "the 95 % intervals do not overlap)."
        )
    else:
        parts.append("No segment's or region's NPS moved beyond its 95 % interval in this window.")
    if latest is not None:
        parts.append(f"Latest overall NPS {latest['value']:+.0f} (n = {latest['n']:,}).")
    return " ".join(parts)


def takeaway(filters: Filters) -> str:
    shifts = shift_table({d: nps_shifts(filters, d) for d in SPLITS})
    overall = query.metric(NPS, filters)
    rows = overall.filter(pl.col("n") > 0).sort("period")
    return takeaway_text(shifts, rows.row(-1, named=True) if rows.height else None, filters.grain)


def split_in_url() -> str:
    """The breakdown a single-chart link asks for (the page control is not drawn then)."""
    split = st.query_params.get("split", SPLITS[0])
    return split if split in SPLITS else SPLITS[0]


# ---------------------------------------------------------------- review stars


def review_shares(filters: Filters) -> str | None:
    """Over the whole window: the share of 4-5 star reviews (with its interval) and of 1-star ones, with n."""
    frame = query.metric(STARS, filters, grain="all")
    if frame.is_empty():
        return None
    row = frame.row(0, named=True)
    return (
        f"Over the window, **{row['share_positive']:.0%}** of {row['n']:,} reviews give 4 or 5 stars "
        f"({fmt.interval(row['positive_ci_low'], row['positive_ci_high'], 'share')}) and "
        f"**{row['share_one_star']:.0%}**"
        " give 1 star. Star-only reviews count here; the Voice page reads only the ones with text."
    )
