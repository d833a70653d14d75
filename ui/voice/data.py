"""Data shaping for the Voice page: pure functions over voice.* and delivery.* metric results.

Counts come from the metric layer (ui.query); here they are only regrouped (sources into the
three channels, mentioners into NPS groups) and given their 95 % Wilson intervals. Verbatims
reuse the metric's own text extraction (metrics.voice.texts) and theme patterns
(metrics.taxonomy), so a listed comment is exactly one the metric counted.
"""

from __future__ import annotations

from datetime import date

import narwhals as nw
import polars as pl
import streamlit as st

from metrics.api import CUSTOMER_TABLE, filter_rows
from metrics.errors import MissingData
from metrics.intervals import wilson
from metrics.ratings import LATE, ON_TIME, delivery_status
from metrics.segments import customer_segments
from metrics.spec import Query
from metrics.taxonomy import Theme, load_themes
from metrics.voice import TEXT_SOURCES, texts
from ui import data, query
from ui.state import Filters

CHANNELS = tuple(channel for _, _, channel in TEXT_SOURCES.values())  # surveys, reviews, notes
ALL = "all"
DELIVERIES = (LATE, ON_TIME)  # verbatims about an order that arrived late / on time (metrics.ratings' rule)
DELIVERY_THEME = "delivery_speed"
VERBATIM_LIMIT = 200
NPS_GROUPS = ("promoters", "passives", "detractors")
# A region "looks fine inside" when this share of its orders leaves on time.
SHIPPED_FINE = 0.95


def themes() -> tuple[Theme, ...]:
    return load_themes()


def theme_label(theme_id: str) -> str:
    return next((t.label for t in themes() if t.id == theme_id), theme_id)


def _with_wilson(frame: pl.DataFrame, successes: str, n: str) -> pl.DataFrame:
    low, high = wilson(successes, n)
    return frame.with_columns(
        share=pl.when(pl.col(n) > 0).then(pl.col(successes) / pl.col(n)), ci_low=low, ci_high=high
    )


def themes_by_channel(filters: Filters, grain: str | None = None) -> pl.DataFrame:
    """period, channel, theme, label, n (texts), mentions, share, ci_low, ci_high; sources summed per channel."""
    raw = query.metric("voice.themes", filters, grain=grain)
    summed = raw.group_by("period", "channel", "theme", "label").agg(
        n=pl.col("n").sum(), mentions=pl.col("value").sum().cast(pl.Int64)
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


# --- Verbatims ---------------------------------------------------------------------------------------------


def _where(tables: dict[str, pl.DataFrame], table: str, where: dict[str, tuple[str, ...]]) -> nw.LazyFrame:
    """The table's rows under the filters, exactly as metrics.compute selects them."""
    customers = nw.from_native(tables[CUSTOMER_TABLE]).lazy() if CUSTOMER_TABLE in tables else None
    return filter_rows(nw.from_native(tables[table]).lazy(), customers, where)


def _with_delivery(texts: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """`delivery` (late | on_time, null when the text names no delivered order) and `days_late` per text."""
    orders = nw.from_native(tables["orders"]).lazy() if "orders" in tables else None
    needed = ["order_id", "promised_date", "delivered_date"]
    if orders is None or not set(needed) <= set(orders.collect_schema().names()):
        return texts.with_columns(delivery=pl.lit(None, pl.String), days_late=pl.lit(None, pl.Int64))
    # Only the orders the texts name are read (orders may be millions of rows where they live).
    named = texts.get_column("order_id").drop_nulls().unique().to_list()
    status = delivery_status(orders.select(needed).filter(nw.col("order_id").is_in(named))).collect().to_polars()
    status = status.select(
        "order_id",
        delivery=pl.when(pl.col("late")).then(pl.lit(LATE)).otherwise(pl.lit(ON_TIME)),
        days_late=pl.when(pl.col("late")).then(pl.col("days_late")),  # none for on-time orders
    )
    return texts.join(status, on="order_id", how="left")


@st.cache_data(show_spinner=False, max_entries=32)
def _all_texts(version: str, start: date, end: date, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pl.DataFrame:
    """Every text in the window and filters, with its day, channel, source, score, region, customer, segment,
    order and whether that order arrived late."""
    del version  # cache key only
    tables = data.dataset().tables
    frames = {t: _where(tables, t, dict(where)) for t in TEXT_SOURCES if t in tables}
    if not frames:
        return pl.DataFrame()
    q = Query(grain="day", by=("customer_id", "region", "order_id"), start=start, end=end)
    out = _with_delivery(texts(frames, q).collect().to_polars().rename({"period": "date"}), tables)
    segment_frames = {t: nw.from_native(tables[t]).lazy() for t in ("customers", "orders") if t in tables}
    try:
        segments = customer_segments(segment_frames).collect().to_polars()
    except (MissingData, KeyError):  # no segment anywhere: the verbatims simply carry none
        return out.with_columns(segment=pl.lit(None, pl.String))
    return out.join(segments, on="customer_id", how="left")


def all_texts(filters: Filters) -> pl.DataFrame:
    return _all_texts(data.version(), filters.start, filters.end, filters.where_key())


def theme_expr(theme_id: str) -> pl.Expr:
    """True for texts mentioning the theme: the taxonomy's own pattern, as the metric matches it."""
    theme = next(t for t in themes() if t.id == theme_id)
    return pl.col("text").str.contains(theme.pattern)


def match(
    frame: pl.DataFrame, theme: str = ALL, source: str = ALL, search: str = "", delivery: str = ALL
) -> pl.DataFrame:
    """Texts matching a theme id, a channel, a literal, case-insensitive search and the delivery of the order
    they are about (late | on_time); newest first."""
    preds = []
    if theme != ALL:
        preds.append(theme_expr(theme))
    if source != ALL:
        preds.append(pl.col("channel") == source)
    if delivery != ALL:
        preds.append(pl.col("delivery") == delivery)
    if search.strip():
        preds.append(pl.col("text").str.to_lowercase().str.contains(search.strip().lower(), literal=True))
    out = frame.filter(*preds) if preds else frame
    return out.sort(["date", "channel", "source", "text"], descending=[True, False, False, False])


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
