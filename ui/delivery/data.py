"""Delivery page data: the destination map and the carrier breakdown, built on the delivery metrics."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

import metrics
from metrics.analysis.shifts import share_shifts
from metrics.decisions import events
from metrics.errors import MissingData
from metrics.ratings import LATE, ON_TIME
from ui import data, query
from ui.late_cost import RATING_BY_DELIVERY
from ui.state import Filters

RECEIVED = "delivery.on_time_received"
CELL_DEGREES = 0.5  # map cells: half a degree (~50 km) keeps a country to a few hundred points
# Colour ramp for on time as received: red below 75 %, amber to 90 %, green above; [r, g, b, alpha].
RAMP = ((0.0, [214, 39, 40, 210]), (0.75, [245, 160, 40, 210]), (0.9, [44, 160, 44, 210]))
LEGEND_NAMES = (("below 75 %", "red"), ("75-90 %", "orange"), ("90 % or more", "green"))  # Streamlit colour names


@st.cache_data(show_spinner=False, max_entries=64)
def _cells(version: str, start: date, end: date, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pl.DataFrame:
    del version
    orders = data.dataset().tables["orders"]
    snapped = orders.drop_nulls(["lat", "lon"]).with_columns(
        cell_lat=(pl.col("lat") / CELL_DEGREES).round(0) * CELL_DEGREES,
        cell_lon=(pl.col("lon") / CELL_DEGREES).round(0) * CELL_DEGREES,
    )
    return metrics.compute(
        RECEIVED, {"orders": snapped}, grain="all", by=["region", "cell_lat", "cell_lon"], start=start, end=end,
        where=dict(where),
    )  # fmt: skip


def map_cells(filters: Filters) -> pl.DataFrame:
    """On time as received per destination cell (lat/lon snapped to a grid), with colour and radius."""
    if not {"lat", "lon"} <= set(data.dataset().columns("orders")):
        raise MissingData("The map needs destination coordinates: orders.lat and orders.lon are not in the data.")
    cells = _cells(data.version(), filters.start, filters.end, filters.where_key())
    color = pl.lit(RAMP[0][1])
    for threshold, rgba in RAMP[1:]:
        color = pl.when(pl.col("value") >= threshold).then(pl.lit(rgba)).otherwise(color)
    return (
        cells.filter(pl.col("n") > 0)
        .with_columns(
            color=color,
            radius=pl.col("n").sqrt() * 2500,
            on_time=(pl.col("value") * 100).round(1),
        )
        .sort("region", "cell_lat", "cell_lon")
    )


def carrier_gaps(filters: Filters) -> pl.DataFrame:
    return query.gap_by("delivery.on_time_shipped", RECEIVED, filters, "carrier")


def region_gaps(filters: Filters) -> pl.DataFrame:
    """Both lenses per region over the window; raises when the data cannot say (e.g. orders without a region,
    as marketplace exports come): the page says so and goes on."""
    return query.gap_by("delivery.on_time_shipped", RECEIVED, filters, "region")


def suggested_events(filters: Filters) -> pl.DataFrame | None:
    """Where on time as received changed level per region (finished periods, 95 % intervals apart), as rows
    for the events table (metrics.decisions.events.suggested); raises when the metric cannot run by region."""
    trend = query.metric(RECEIVED, filters, by=("region",))
    spec = metrics.spec(RECEIVED)
    finished = trend.drop_nulls("region").filter(pl.col("complete"))
    shifts = share_shifts(finished, "period", "n", "value", by=("region",), min_weight=spec.min_n)
    return events.suggested(shifts, "region", spec.title)


def carrier_trends(filters: Filters, carriers: list[str]) -> pl.DataFrame:
    """Both on-time lenses per carrier and period, for the chosen carriers (all when none chosen)."""
    trend = query.twins("delivery.on_time_shipped", RECEIVED, filters, by=("carrier",))
    return trend.filter(pl.col("carrier").is_in(carriers)) if carriers else trend


# --- What a late delivery costs -----------------------------------------------------------------------------

DELIVERY_LABELS = {
    ON_TIME: "On time",
    LATE: "Late (all)",
    "late_1_2": "1-2 days late",
    "late_3_7": "3-7 days late",
    "late_8_plus": "8+ days late",
}


def late_ratings(filters: Filters) -> pl.DataFrame:
    """Over the whole window: mean stars of on-time orders, of late ones, and of each days-late band, with
    intervals and the difference to on time; `label` reads as the chart's rows, in DELIVERY_LABELS order."""
    late = query.metric(RATING_BY_DELIVERY, filters, grain="all")
    bands = query.metric(RATING_BY_DELIVERY, filters, grain="all", lateness="bands")
    both = pl.concat([late, bands.filter(pl.col("delivery") != ON_TIME)])
    order = pl.Enum(list(DELIVERY_LABELS))
    return (
        both.with_columns(label=pl.col("delivery").replace_strict(DELIVERY_LABELS), rank=pl.col("delivery").cast(order))
        .sort("rank")
        .drop("rank")
    )
