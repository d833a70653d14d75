"""A page rendered from a metric's spec alone: what every metric gets without custom code."""

from __future__ import annotations

import polars as pl
import streamlit as st

import metrics
from ui import cards, charts, charts_trend, page, query


def render(name: str) -> None:
    """Card and trend with its interval band, beside its twin if it has one; a table for table metrics."""
    spec = metrics.spec(name)
    f = page.header(spec.title, spec.definition.split("\n", 1)[0])
    frame, error = query.metric_or_error(name, f)
    if error:
        st.warning(error, icon=":material/block:")
        return
    if spec.kind != "series":
        if page.full_page():
            cards.definition_popover(spec)
            st.dataframe(frame, hide_index=True)
        return
    subtitle = f"By {f.grain}; bands are 95 % intervals"
    if spec.keys:  # one series per key (e.g. per theme): no single headline number to put on a card
        if page.full_page():
            cards.definition_popover(spec)
        page.chart(f"{name}-trend", charts.keyed_lines(frame, spec.keys, spec.unit, spec.title, subtitle), frame)
        return
    if page.full_page():
        cards.kpi_card(name, f)
    if spec.twin:
        internal, customer = (spec.twin, name) if spec.lens == "customer" else (name, spec.twin)
        trend = query.twins(internal, customer, f)
    else:
        trend = frame.with_columns(lens=pl.lit(spec.title), min_n=pl.lit(spec.min_n))
    page.chart(f"{name}-trend", charts_trend.twin_trend(trend, spec.unit, spec.title, subtitle), trend)
