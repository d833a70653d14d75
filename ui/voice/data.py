"""Data shaping for the Voice page: pure functions over voice.* and delivery.* metric results.

Counts come from the metric layer (ui.query); here they are only regrouped (sources into the
three channels, mentioners into NPS groups) and given their 95 % Wilson intervals. Verbatims
reuse the metric's own text extraction (metrics.voice.texts) and theme patterns
(metrics.taxonomy), so a listed comment is exactly one the metric counted.
"""

from __future__ import annotations

import polars as pl

from metrics.intervals import wilson
from metrics.ratings import LATE, ON_TIME
from metrics.voice import TEXT_SOURCES
from ui import query
from ui.state import Filters
from ui.verbatims import ALL, all_texts, match

CHANNELS = tuple(channel for _, _, channel in TEXT_SOURCES.values())  # surveys, reviews, notes
DELIVERIES = (LATE, ON_TIME)  # verbatims about an order that arrived late / on time (metrics.ratings' rule)
DELIVERY_THEME = "delivery_speed"
VERBATIM_LIMIT = 200
NPS_GROUPS = ("promoters", "passives", "detractors")
# A region "looks fine inside" when this share of its orders leaves on time.
SHIPPED_FINE = 0.95


def _with_wilson(frame: pl.DataFrame, successes: str, n: str) -> pl.DataFrame:
    low, high = wilson(successes, n)
    return frame.with_columns(
        share=pl.when(pl.col(n) > 0).then(pl.col(successes) / pl.col(n)), ci_low=low, ci_high=high
    )


def themes_by_channel(filters: Filters, grain: str | None = None) -> pl.DataFrame:
    """period, channel, theme, label, n (texts), mentions, share, ci_low, ci_high, complete (the period has
    ended: metrics.analysis.periods); sources summed per channel."""
    raw = query.metric("voice.themes", filters, grain=grain)
    summed = raw.group_by("period", "channel", "theme", "label").agg(
        n=pl.col("n").sum(), mentions=pl.col("value").sum().cast(pl.Int64), complete=pl.col("complete").all()
    )
    return _with_wilson(summed, "mentions", "n").sort("period", "channel", "theme", nulls_last=True)


def themes_overall(filters: Filters) -> pl.DataFrame:
    """One row per theme over the whole window and all channels: n texts, mentions, share and interval."""
    by_channel = themes_by_channel(filters, grain="all")
    summed = by_channel.group_by("theme", "label").agg(pl.col("n").sum(), pl.col("mentions").sum())
    return _with_wilson(summed, "mentions", "n").sort("share", "theme", descending=[True, False])


def theme_by_nps_group(filters: Filters) -> pl.DataFrame:
    """theme, label, group, mentions, n, share, ci_low, ci_high: of each NPS group's comments, the share
    mentioning the theme (from voice.theme_impact's promoter/detractor counts with and without the theme)."""
    impact = query.metric("voice.theme_impact", filters, grain="all")
    counts = impact.with_columns(
        passives=pl.col("n") - pl.col("promoters") - pl.col("detractors"),
        passives_without=pl.col("n_without") - pl.col("promoters_without") - pl.col("detractors_without"),
    )
    parts = [
        counts.select(
            "theme",
            "label",
            group=pl.lit(group),
            mentions=pl.col(group),
            n=pl.col(group) + pl.col(f"{group}_without"),
        )
        for group in NPS_GROUPS
    ]
    return _with_wilson(pl.concat(parts), "mentions", "n").sort("theme", "group")


def theme_impact(filters: Filters) -> pl.DataFrame:
    """Long form for dot + error bars: theme, label, who (mention it | do not), nps, ci_low, ci_high, n, impact."""
    impact = query.metric("voice.theme_impact", filters, grain="all")
    mention = impact.select(
        "theme", "label", "impact", who=pl.lit("mention it"), nps="value", ci_low="ci_low", ci_high="ci_high", n="n"
    )
    rest = impact.select(
        "theme",
        "label",
        "impact",
        who=pl.lit("do not mention it"),
        nps="nps_without",
        ci_low="without_ci_low",
        ci_high="without_ci_high",
        n="n_without",
    )
    return pl.concat([mention, rest]).sort("impact", "theme", "who", nulls_last=True)


def complaints_vs_delivery(filters: Filters) -> pl.DataFrame:
    """Per region: on time as received (with interval) and as shipped, and the share of texts mentioning
    delivery speed (with interval). `flag` marks regions whose orders leave on time (>= SHIPPED_FINE)
    while customers mention delivery speed more than across all regions (interval above the overall share)."""
    received = query.metric("delivery.on_time_received", filters, by=("region",), grain="all").select(
        "region", orders="n", received="value", received_low="ci_low", received_high="ci_high"
    )
    shipped = query.metric("delivery.on_time_shipped", filters, by=("region",), grain="all").select(
        "region", shipped="value"
    )
    voice = query.metric("voice.themes", filters, by=("region",), grain="all")
    mentions = (
        voice.filter(pl.col("theme") == DELIVERY_THEME, pl.col("region").is_not_null())
        .group_by("region")
        .agg(n=pl.col("n").sum(), mentions=pl.col("value").sum().cast(pl.Int64))
    )
    mentions = _with_wilson(mentions, "mentions", "n")
    overall = mentions.select(pl.col("mentions").sum() / pl.col("n").sum()).item() if mentions.height else None
    joined = received.join(shipped, on="region", how="inner").join(mentions, on="region", how="inner")
    flag = (pl.col("shipped") >= SHIPPED_FINE) & (pl.col("ci_low") > pl.lit(overall))
    return joined.with_columns(
        overall_share=pl.lit(overall, pl.Float64),
        flag=flag.fill_null(False),
        status=pl.when(flag).then(pl.lit("complain while shipped on time")).otherwise(pl.lit("other regions")),
    ).sort("region")


# --- Verbatims (the texts themselves: ui.verbatims, shared with Segments) ----------------------------------


def names_delivered_orders(filters: Filters) -> bool:
    """Whether any text in the view is about a delivered order (an order_id that orders know, with dates)."""
    base = all_texts(filters)
    return not base.is_empty() and base.get_column("delivery").is_not_null().any()


def verbatims(
    filters: Filters,
    theme: str = ALL,
    source: str = ALL,
    search: str = "",
    limit: int = VERBATIM_LIMIT,
    delivery: str = ALL,
) -> tuple[pl.DataFrame, int]:
    """The newest `limit` matching texts (date, channel, source, score, region, days late, text) and how many
    match."""
    base = all_texts(filters)
    if base.is_empty():
        return base, 0
    found = match(base, theme, source, search, delivery)
    shown = found.head(limit).select("date", "channel", "source", "score", "region", "days_late", "text")
    return shown, found.height


# --- Takeaway ----------------------------------------------------------------------------------------------


def takeaway(impact: pl.DataFrame | None, regions: pl.DataFrame | None) -> str | None:
    """Where slow-delivery complaints meet on-time shipping, and the theme that costs most NPS (>= 30 mentioners)."""
    parts = []
    flagged = regions.filter(pl.col("flag")).sort("share", descending=True) if regions is not None else None
    if flagged is not None and flagged.height:
        r = flagged.row(0, named=True)
        parts.append(
            f"In {r['region']}, {r['share']:.0%} of texts complain about delivery speed (all regions: "
            f"{r['overall_share']:.0%}) although {r['shipped']:.0%} of its orders left on time: only "
            f"{r['received']:.0%} arrived on time."
        )
    if impact is None:
        return " ".join(parts) or None
    mentioned = impact.filter(pl.col("who") == "mention it", pl.col("n") >= 30, pl.col("impact").is_not_null())
    if mentioned.height:
        worst = mentioned.sort("impact").row(0, named=True)
        rest = impact.filter(pl.col("theme") == worst["theme"], pl.col("who") != "mention it").row(0, named=True)
        parts.append(
            f"{worst['label']} costs the most: customers who mention it give an NPS of {worst['nps']:+.0f} "
            f"against {rest['nps']:+.0f} for other commenters (n = {worst['n']:,})."
        )
    return " ".join(parts) or None
