"""Delivery page data: the destination map and the carrier breakdown, built on the delivery metrics."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

import metrics
from ui import data, query
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


def map_cells(filters: Filters) -> tuple[pl.DataFrame | None, str | None]:
    """On time as received per destination cell (lat/lon snapped to a grid), with colour and radius."""
    if not {"lat", "lon"} <= set(data.dataset().columns("orders")):
        return None, "The map needs destination coordinates: orders.lat and orders.lon are not in the data."
    try:
        cells = _cells(data.version(), filters.start, filters.end, filters.where_key())
    except metrics.MetricError as err:
        return None, str(err)
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
    ), None


def carrier_gaps(filters: Filters) -> tuple[pl.DataFrame | None, str | None]:
    try:
        return query.gap_by("delivery.on_time_shipped", RECEIVED, filters, "carrier"), None
    except metrics.MetricError as err:
        return None, str(err)


def carrier_trends(filters: Filters, carriers: list[str]) -> pl.DataFrame:
    """Both on-time lenses per carrier and period, for the chosen carriers (all when none chosen)."""
    trend = query.twins("delivery.on_time_shipped", RECEIVED, filters, by=("carrier",))
    return trend.filter(pl.col("carrier").is_in(carriers)) if carriers else trend
