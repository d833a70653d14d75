"""Altair charts for the Delivery page's own sections (trends and maps use the frame's ui.charts*)."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import CUSTOMER_COLOR, INTERNAL_COLOR


def rating_dots(frame: pl.DataFrame, min_n: int, title: str, subtitle: str | list[str]) -> alt.LayerChart:
    """Mean stars per row (`label`, in frame order) with 95 % interval bars; late rows orange, faded below
    `min_n`. `frame`: label, delivery, n, value, ci_low, ci_high, difference, difference_ci_low/high."""
    late = alt.datum.delivery != "on_time"
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", title=None, sort=frame.get_column("label").to_list()),
        color=alt.condition(late, alt.value(CUSTOMER_COLOR), alt.value(INTERNAL_COLOR)),
        opacity=alt.condition(alt.datum.n < min_n, alt.value(0.3), alt.value(1.0)),
        tooltip=[
            alt.Tooltip("label:N", title="Orders"),
            alt.Tooltip("value:Q", title="Mean stars", format=".2f"),
            alt.Tooltip("ci_low:Q", title="95 % CI low", format=".2f"),
            alt.Tooltip("ci_high:Q", title="95 % CI high", format=".2f"),
            alt.Tooltip("n:Q", title="Ratings (n)", format=","),
            alt.Tooltip("difference:Q", title="vs on time (stars)", format="+.2f"),
            alt.Tooltip("difference_ci_low:Q", title="difference, 95 % CI low", format="+.2f"),
            alt.Tooltip("difference_ci_high:Q", title="difference, 95 % CI high", format="+.2f"),
        ],
    )
    scale = alt.Scale(domain=[1, 5])
    bars = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("ci_low:Q", title="Mean stars (1-5)", scale=scale, axis=alt.Axis(format=".1f")), x2="ci_high:Q"
    )
    dots = base.mark_circle(size=90).encode(x=alt.X("value:Q", scale=scale))
    return alt.layer(bars, dots, title=alt.Title(title, subtitle=subtitle, anchor="start"), height=alt.Step(28))
