"""Data shaping for the Segments page: pure functions over segments.* and voice.* metric results."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from metrics.intervals import t_mean, wilson
from metrics.ratings import LATE
from metrics.segments import RFM_RULES
from ui import format as fmt
from ui import query, verbatims
from ui.state import Filters

RFM_ORDER = tuple(name for name, _ in RFM_RULES)
UNKNOWN = "unknown"
SAMPLE_VERBATIMS = 3
TOP_THEMES = 3


def summary(filters: Filters) -> pl.DataFrame:
    """segments.summary plus customer share, the 95 % t interval of revenue per customer
    (revenue_ci_low/high) and spend spread as the coefficient of variation (revenue_cv = sd / mean)."""
    frame = query.metric("segments.summary", filters)
    low, high = t_mean("revenue_mean", "revenue_sd", "customers")
    return frame.with_columns(
        customer_share=pl.col("customers") / pl.col("customers").sum(),
        revenue_ci_low=low,
        revenue_ci_high=high,
        revenue_cv=pl.when(pl.col("revenue_mean") > 0).then(pl.col("revenue_sd") / pl.col("revenue_mean")),
    ).sort("segment")


def segment_order(frame: pl.DataFrame) -> list[str]:
    """The segments top to bottom on every segment chart: by share of revenue, largest first (ties by name).

    One order for the mix and for each panel of "Segments compared", so a row reads across the panels and lines
    up with the mix chart above; revenue first because that is what the page weighs segments by.
    """
    ranked = frame.sort("revenue_share", "segment", descending=[True, False], nulls_last=True)
    return ranked.get_column("segment").to_list()


def compare_long(frame: pl.DataFrame) -> pl.DataFrame:
    """segment, measure, value, ci_low, ci_high, n: NPS, 3-month retention and revenue per customer side by side."""
    parts = [
        frame.select("segment", measure=pl.lit(name), value=v, ci_low=lo, ci_high=hi, n=n)
        for name, v, lo, hi, n in (
            ("NPS", "nps", "nps_ci_low", "nps_ci_high", "nps_n"),
            ("3-month retention", "retention_3m", "retention_ci_low", "retention_ci_high", "retention_n"),
            ("Revenue per customer", "revenue_mean", "revenue_ci_low", "revenue_ci_high", "customers"),
        )
    ]
    return pl.concat(parts).sort("measure", "segment")


@dataclass(frozen=True)
class Focus:
    segment: str | None
    reason: str


def focus_segment(frame: pl.DataFrame, min_n: int = 30) -> Focus:
    """Rule: among segments whose NPS and 3-month retention are both above the segments' medians (each measured
    on at least `min_n`), the one with the highest revenue per customer. Falls back to the highest revenue per
    customer when no segment clears both medians."""
    known = frame.filter(pl.col("segment") != UNKNOWN, pl.col("revenue_mean").is_not_null())
    if known.is_empty():
        return Focus(None, "No segment has revenue in this view.")
    nps_median, retention_median = known.get_column("nps").median(), known.get_column("retention_3m").median()
    strong = known.filter(
        pl.col("nps") > nps_median,
        pl.col("retention_3m") > retention_median,
        pl.col("nps_n") >= min_n,
        pl.col("retention_n") >= min_n,
    )
    pool, rule = (strong, "above-median NPS and retention") if strong.height else (known, "all segments")
    best = pool.sort("revenue_mean", "segment", descending=[True, False]).row(0, named=True)
    if strong.height:
        reason = (
            f"{best['segment']} earns the most per customer (${best['revenue_mean']:,.0f}) of the segments with "
            f"{rule} (NPS {best['nps']:+.0f} vs median {nps_median:+.0f}; retention {best['retention_3m']:.0%} "
            f"vs median {retention_median:.0%})."
        )
    else:
        reason = (
            f"No segment is above the median on both NPS and retention, so {best['segment']} is chosen for the "
            f"highest revenue per customer (${best['revenue_mean']:,.0f})."
        )
    return Focus(best["segment"], reason)


def headline(frame: pl.DataFrame, focus: Focus) -> str | None:
    """The one-line takeaway: the focus segment's share of customers vs revenue, loyalty and homogeneity."""
    if focus.segment is None:
        return None
    row = frame.filter(pl.col("segment") == focus.segment).row(0, named=True)
    cvs = frame.filter(pl.col("revenue_cv").is_not_null()).sort("revenue_cv")
    alike = ""
    if cvs.height > 1 and cvs.item(0, "segment") == focus.segment:
        others = cvs.get_column("revenue_cv").slice(1)
        alike = (
            f"; its customers spend the most alike (spread sd/mean {row['revenue_cv']:.2f} vs "
            f"{others.min():.2f}-{others.max():.2f} elsewhere)"
        )
    return (
        f"{focus.segment}: {row['customer_share']:.0%} of customers bring {row['revenue_share']:.0%} of revenue, "
        f"with NPS {row['nps']:+.0f} and {row['retention_3m']:.0%} buying again within 3 months{alike}."
    )


def mix(frame: pl.DataFrame) -> pl.DataFrame:
    """segment, measure (customers | revenue), share, count: each segment's share of customers and of revenue."""
    return pl.concat(
        [
            frame.select("segment", measure=pl.lit("customers"), share="customer_share", count="customers"),
            frame.select("segment", measure=pl.lit("revenue"), share="revenue_share", count="revenue"),
        ],
        how="vertical_relaxed",
    )


def rfm(filters: Filters) -> pl.DataFrame:
    """Per RFM segment (rule order): customers, revenue (sum of monetary), and both as shares of the total."""
    out = query.metric("segments.rfm", filters, rows="segment")  # a few rows, not one per customer
    order = pl.Enum(RFM_ORDER)
    return (
        out.with_columns(
            customer_share=pl.col("customers") / pl.col("customers").sum(),
            revenue_share=pl.col("revenue") / pl.col("revenue").sum(),
            rank=pl.col("segment").cast(order).to_physical(),
        )
        .sort("rank")
        .drop("rank")
    )


def top_themes(filters: Filters, segment: str, k: int = TOP_THEMES) -> pl.DataFrame:
    """The k themes most mentioned in this segment's survey comments (voice.themes by segment)."""
    frame = query.metric("voice.themes", filters, by=("segment",), grain="all")
    rows = frame.filter(pl.col("segment") == segment)
    summed = rows.group_by("theme", "label").agg(n=pl.col("n").sum(), mentions=pl.col("value").sum().cast(pl.Int64))
    low, high = wilson("mentions", "n")
    ranked = summed.with_columns(share=pl.col("mentions") / pl.col("n"), ci_low=low, ci_high=high)
    return ranked.sort(["mentions", "theme"], descending=[True, False]).head(k)


def theme_shares(themes: pl.DataFrame) -> str:
    """top_themes in one line: each theme's share of the comments, its n and its 95 % interval."""
    return " · ".join(
        f"{t['label']} {t['share']:.0%} (n = {fmt.count(t['n'])}, {fmt.interval(t['ci_low'], t['ci_high'], 'share')})"
        for t in themes.iter_rows(named=True)
    )


def sample_verbatims(filters: Filters, segment: str, themes: list[str], k: int = SAMPLE_VERBATIMS) -> pl.DataFrame:
    """The newest text from this segment's customers for each top theme (then the newest others), up to k."""
    base = verbatims.all_texts(filters)
    if base.is_empty() or "segment" not in base.columns:
        return pl.DataFrame()
    own = base.filter(pl.col("segment") == segment)
    picks = [
        verbatims.match(own, theme).head(1).with_columns(theme=pl.lit(verbatims.theme_label(theme))) for theme in themes
    ]
    picked = pl.concat([p for p in picks if p.height], how="vertical") if any(p.height for p in picks) else None
    if picked is None or picked.height < k:
        rest = verbatims.match(own).head(k).with_columns(theme=pl.lit(""))
        picked = rest if picked is None else pl.concat([picked, rest], how="vertical")
    return picked.unique(subset=["text"], keep="first", maintain_order=True).head(k)


def late_order_quote(filters: Filters, segment: str) -> str | None:
    """The newest review (with text) from this segment about an order that arrived late, as a plain-text
    quote with its date, site, days late and stars; None when there is none."""
    base = verbatims.all_texts(filters)
    if base.is_empty() or "segment" not in base.columns:
        return None
    late = verbatims.match(base.filter(pl.col("segment") == segment), source="reviews", delivery=LATE)
    if late.is_empty():
        return None
    row = late.row(0, named=True)
    days = f"{row['days_late']} day{'' if row['days_late'] == 1 else 's'} late"
    stars = "" if row["score"] is None else f", {row['score']:.0f} of 5 stars"
    return f"“{row['text']}” ({row['date']:%Y-%m-%d}, {row['source']}, {days}{stars})"
