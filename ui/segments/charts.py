"""Altair charts for the Segments page. Each title says what is measured; intervals are always drawn."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import CUSTOMER_COLOR, INTERNAL_COLOR

MIX_COLORS = {"customers": "#9db4cc", "revenue": "#1f4e79"}
MEASURE_FORMAT = {"NPS": "+.0f", "3-month retention": ".0%", "Revenue per customer": "$,.0f"}


def _title(title: str, subtitle: str) -> alt.Title:
    return alt.Title(title, subtitle=subtitle or None, anchor="start")


def share_bars(frame: pl.DataFrame, order: list[str], title: str, subtitle: str = "") -> alt.Chart:
    """Per segment, its share of customers next to its share of revenue.

    `frame`: segment, measure (customers | revenue), share, count; `order` lists the segments top to bottom.
    """
    color = alt.Color(
        "measure:N",
        title="Share of",
        scale=alt.Scale(domain=list(MIX_COLORS), range=list(MIX_COLORS.values())),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(frame).encode(
        y=alt.Y("segment:N", title=None, sort=order), yOffset=alt.YOffset("measure:N", sort=list(MIX_COLORS))
    )
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title="Share of all customers / of all revenue", axis=alt.Axis(format=".0%")),
        color=color,
        tooltip=[
            alt.Tooltip("segment:N", title="Segment"),
            alt.Tooltip("measure:N", title="Share of"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("count:Q", title="Customers / revenue ($)", format=",.0f"),
        ],
    )
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(x="share:Q", text=alt.Text("share:Q", format=".0%"))
    return (bars + labels).properties(title=_title(title, subtitle), height=alt.Step(16))


def compare(
    frame: pl.DataFrame, order: list[str], focus: str | None, title: str, subtitle: str = ""
) -> alt.HConcatChart:
    """Three panels (NPS, 3-month retention, revenue per customer): per segment a dot and its 95 % interval.

    `frame`: segment, measure, value, ci_low, ci_high, n; `order` lists the segments top to bottom, the same in
    every panel (a row reads across them). The focus segment is orange.
    """
    highlight = alt.condition(alt.datum.segment == (focus or ""), alt.value(CUSTOMER_COLOR), alt.value(INTERNAL_COLOR))
    panels = []
    for measure, fmt in MEASURE_FORMAT.items():
        part = frame.filter(pl.col("measure") == measure)
        # The domain too, not only the sort: a segment without a value in one panel keeps its row there.
        rows = alt.Y("segment:N", title=None, sort=order, scale=alt.Scale(domain=order))
        base = alt.Chart(part).encode(y=rows, color=highlight)
        axis = alt.Axis(format=fmt)
        bars = base.mark_rule(strokeWidth=3).encode(
            x=alt.X("ci_low:Q", title=measure, axis=axis, scale=alt.Scale(zero=False)), x2="ci_high:Q"
        )
        dots = base.mark_circle(size=110, opacity=1).encode(
            x="value:Q",
            tooltip=[
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("value:Q", title=measure, format=fmt),
                alt.Tooltip("ci_low:Q", title="95 % CI low", format=fmt),
                alt.Tooltip("ci_high:Q", title="95 % CI high", format=fmt),
                alt.Tooltip("n:Q", title="n", format=","),
            ],
        )
        panels.append((bars + dots).properties(width=200, height=alt.Step(34)))
    return alt.hconcat(*panels).properties(title=_title(title, subtitle))
