"""A page rendered from a metric's spec alone: what every metric gets without custom code.

Card (value, n, interval, change), trend with its band (beside its twin if it has one), the same by
region and by segment where the data has them, and the definition; each chart with its link and
exports. Shown at /catalog?metric=<name> for every metric, and by a page `metrics new --page` writes.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import metrics
from ui import cards, charts_trend, data, page, query
from ui.state import Filters

BREAKDOWNS = ("region", "segment")


def render(name: str) -> None:
    """Card and trend with its interval band, beside its twin if it has one; a table for table metrics."""
    spec = metrics.spec(name)
    f = page.header(spec.title, spec.definition.split("\n", 1)[0])
    with page.section(or_stop=True):
        frame = query.metric(name, f)
    if spec.kind != "series":
        if page.full_page():
            cards.definition_popover(spec)
            st.dataframe(frame, hide_index=True)
        return
    subtitle = f"By {f.grain}; bands are 95 % intervals"
    if spec.keys:  # one series per key (e.g. per theme): no single headline number to put on a card
        if page.full_page():
            cards.definition_popover(spec)
        marks = {"goals": query.goals((name,), f), "events": query.events(f)}
        figure = charts_trend.keyed_lines(frame, spec.keys, spec.unit, spec.title, subtitle, **marks)
        page.chart(f"{name}-trend", figure, frame)
        _definition(spec)
        return
    if page.full_page():
        cards.kpi_card(name, f)
    if spec.twin:
        internal, customer = (spec.twin, name) if spec.lens == "customer" else (name, spec.twin)
        trend, names = query.twins(internal, customer, f), (internal, customer)
    else:
        trend, names = frame.with_columns(lens=pl.lit(spec.title), min_n=pl.lit(spec.min_n)), (name,)
    marks = {"goals": query.goals(names, f), "events": query.events(f)}
    page.chart(f"{name}-trend", charts_trend.twin_trend(trend, spec.unit, spec.title, subtitle, **marks), trend)
    for column in BREAKDOWNS:
        _breakdown(spec, f, column)
    _definition(spec)


@page.section()
def _breakdown(spec: metrics.MetricSpec, f: Filters, column: str) -> None:
    """The metric's trend per `column` value, when a table it reads has that column."""
    tables = (*spec.tables, *spec.optional_tables)
    has_column = any(column in data.dataset().columns(t) for t in tables)  # the rule compute() checks
    frame = query.metric(spec.name, f, by=(column,)) if has_column else None
    if frame is None or frame.get_column(column).drop_nulls().is_empty():
        if page.full_page():
            st.caption(f"No breakdown by {column}: the data this metric reads has no {column}.")
        return
    title = f"{spec.title} by {column}"
    subtitle = f"By {f.grain}; bands are 95 % intervals; hollow: n < {spec.min_n} or period still open"
    marks = query.panel_marks((spec.name,), f, frame, column)
    figure = charts_trend.group_trends(frame, column, spec.unit, spec.min_n, title, subtitle, **marks)
    page.chart(f"{spec.name}-by-{column}", figure, frame)


def _definition(spec: metrics.MetricSpec) -> None:
    if page.full_page():
        with st.expander("Definition", icon=":material/info:"):
            st.caption(f"`{spec.name}` · {cards.LENS_LABEL[spec.lens]}")
            st.text(spec.definition)
