"""A page rendered from a metric's spec alone: what every metric gets without custom code."""

from __future__ import annotations

import polars as pl
import streamlit as st

import metrics
from ui import cards, charts, page, query


def render(name: str) -> None:
    """Card, trend with interval band (beside its twin, if any) and a breakdown by region."""
    spec = metrics.spec(name)
    f = page.header(spec.title, spec.definition.split("\n", 1)[0])
    if spec.kind != "series":
        frame, error = query.metric_or_error(name, f)
        if page.full_page():
            cards.definition_popover(spec)
            if error:
                st.warning(error, icon=":material/block:")
            else:
                st.dataframe(frame, hide_index=True)
        return
    if page.full_page():
        cards.kpi_card(name, f)
    names = (spec.twin, name) if spec.twin and spec.lens == "customer" else (name, spec.twin) if spec.twin else (name,)
    try:
        trend = pl.concat(
            [query.metric(n, f).with_columns(lens=pl.lit(metrics.spec(n).title)) for n in names if n],
            how="diagonal_relaxed",
        )
    except metrics.MetricError as err:
        st.warning(str(err), icon=":material/block:")
        return
    page.chart(
        f"{name}-trend",
        charts.twin_trend(trend, spec.unit, spec.title, f"By {f.grain}; bands are 95 % intervals"),
        trend,
    )
