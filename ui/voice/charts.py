"""Altair charts for the Voice page. Each title says what is measured; intervals are always drawn."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

import metrics
from metrics.decisions.targets import Target
from ui.charts import CUSTOMER_COLOR, INTERNAL_COLOR, open_note, status_points, with_status
from ui.charts_trend import panel_layers, trend_rows
from ui.period_axis import period_x

CHANNEL_COLORS = {"surveys": "#4c78a8", "reviews": "#f58518", "notes": "#54a24b"}
GROUP_COLORS = {"promoters": "#2e8b57", "passives": "#a0a0a0", "detractors": "#e4572e"}
MIN_N = metrics.spec("voice.theme_impact").min_n
WHO_COLORS = {"mention it": CUSTOMER_COLOR, "do not mention it": INTERNAL_COLOR}
THEME_PANEL_WIDTH_PX = 185


def _title(title: str, subtitle: str | list[str]) -> alt.Title:
    return alt.Title(title, subtitle=subtitle or alt.Undefined, anchor="start")  # None fails the schema


def _scale(colors: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def themes_over_time(
    frame: pl.DataFrame,
    title: str,
    subtitle: str = "",
    panel_goals: tuple[tuple[Any, Target], ...] = (),
    panel_events: pl.DataFrame | None = None,
) -> alt.FacetChart:
    """One panel per theme: share of texts mentioning it per period, a line and 95 % band per channel; an
    open period's point is hollow (its share so far). `panel_goals` and `panel_events` (ui.query.panel_marks
    by `label`: every theme panel gets the view's) are drawn in the panels they belong to.

    `frame`: period, channel, label, n, mentions, share, ci_low, ci_high, complete.
    """
    data = with_status(frame)
    rows, marks = panel_layers(data, "label", "label", "share", panel_goals, panel_events, THEME_PANEL_WIDTH_PX)
    # symbolOpacity: otherwise the legend takes the faint band's opacity.
    legend = alt.Legend(orient="top", symbolOpacity=1)
    color = alt.Color("channel:N", title="Source", scale=_scale(CHANNEL_COLORS), legend=legend)
    base = trend_rows(alt.Chart().encode(x=period_x(data), color=color), marks)
    tooltip = [
        alt.Tooltip("label:N", title="Theme"),
        alt.Tooltip("channel:N", title="Source"),
        alt.Tooltip("period:T", title="Period"),
        alt.Tooltip("share:Q", title="Share of texts", format=".1%"),
        alt.Tooltip("ci_low:Q", title="95 % CI low", format=".1%"),
        alt.Tooltip("ci_high:Q", title="95 % CI high", format=".1%"),
        alt.Tooltip("mentions:Q", title="Mentions", format=","),
        alt.Tooltip("n:Q", title="Texts (n)", format=","),
    ]
    layers = alt.layer(
        base.mark_area(opacity=0.15).encode(
            y=alt.Y("ci_low:Q", title=None, axis=alt.Axis(format=".0%")), y2="ci_high:Q"
        ),
        base.mark_line().encode(y="share:Q"),
        status_points(base, color, "share:Q", tooltip, size=14),
        *marks,
        data=rows,
        width=THEME_PANEL_WIDTH_PX,  # sizes and title in the constructors: .properties() deep-copies every layer
        height=120,
    )
    return layers.facet(
        facet=alt.Facet("label:N", title=None), columns=4, title=_title(title, open_note(data, subtitle))
    )


def _dot_and_bar(
    frame: pl.DataFrame, y: str, sort: list[str], x: str, x_title: str, x_format: str, color: alt.Color, offset: str
) -> alt.LayerChart:
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{y}:N", title=None, sort=sort), yOffset=alt.YOffset(f"{offset}:N"), color=color
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=x_title, axis=alt.Axis(format=x_format)), x2="ci_high:Q"
    )
    dots = base.mark_circle(size=70).encode(x=f"{x}:Q")
    # Faded below the metrics' min_n (30): too few to trust.
    return alt.layer(bars, dots).encode(opacity=alt.condition(alt.datum.n < MIN_N, alt.value(0.3), alt.value(1.0)))


def themes_by_nps_group(frame: pl.DataFrame, title: str, subtitle: str = "") -> alt.LayerChart:
    """Per theme, the share of promoters', passives' and detractors' comments mentioning it, with 95 % bars.

    `frame`: label, group, share, ci_low, ci_high, mentions, n.
    """
    order = frame.filter(pl.col("group") == "detractors").sort("share", descending=True).get_column("label").to_list()
    color = alt.Color("group:N", title="NPS group", scale=_scale(GROUP_COLORS), legend=alt.Legend(orient="top"))
    chart = _dot_and_bar(frame, "label", order, "share", "Share of the group's comments", ".0%", color, "group")
    return chart.encode(
        tooltip=[
            alt.Tooltip("label:N", title="Theme"),
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("share:Q", title="Share mentioning", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95 % CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95 % CI high", format=".1%"),
            alt.Tooltip("mentions:Q", title="Mentions", format=","),
            alt.Tooltip("n:Q", title="Comments in group (n)", format=","),
        ]
    ).properties(title=_title(title, subtitle), height=alt.Step(14))


def theme_impact(frame: pl.DataFrame, title: str, subtitle: str = "") -> alt.LayerChart:
    """Per theme, NPS of commenters who mention it vs those who do not: dots with 95 % error bars.

    `frame`: label, who, nps, ci_low, ci_high, n, impact.
    """
    order = frame.sort("impact", "label").get_column("label").unique(maintain_order=True).to_list()
    color = alt.Color("who:N", title="Commenters who", scale=_scale(WHO_COLORS), legend=alt.Legend(orient="top"))
    chart = _dot_and_bar(frame, "label", order, "nps", "NPS (-100 to +100)", "+.0f", color, "who")
    zero = alt.Chart(pl.DataFrame({"x": [0]})).mark_rule(color="#999", strokeDash=[3, 3]).encode(x="x:Q")
    return alt.layer(
        chart.encode(
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("who:N", title="Commenters who"),
                alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
                alt.Tooltip("ci_low:Q", title="95 % CI low", format="+.1f"),
                alt.Tooltip("ci_high:Q", title="95 % CI high", format="+.1f"),
                alt.Tooltip("n:Q", title="Respondents (n)", format=","),
                alt.Tooltip("impact:Q", title="Impact (pts)", format="+.1f"),
            ]
        ),
        zero,
        title=_title(title, subtitle),
        height=alt.Step(14),
    )


def complaints_vs_delivery(frame: pl.DataFrame, title: str, subtitle: str | list[str] = "") -> alt.LayerChart:
    """Per region: x = on time as received, y = share of texts mentioning delivery speed, size = texts.

    Error bars are both 95 % intervals; regions flagged (customers complain while the shipped metric
    says fine) are orange and named. `frame`: from ui.voice.data.complaints_vs_delivery.
    """
    statuses = {"complain while shipped on time": CUSTOMER_COLOR, "other regions": INTERNAL_COLOR}
    color = alt.Color("status:N", title=None, scale=_scale(statuses), legend=alt.Legend(orient="top", labelLimit=0))
    zoom = alt.Scale(zero=False, padding=20)
    base = alt.Chart(frame).encode(color=color)
    x = alt.X(
        "received:Q",
        title="On time as received (share of orders)",
        axis=alt.Axis(format=".0%", tickMinStep=0.01),
        scale=zoom,
    )
    y = alt.Y(
        "share:Q", title="Texts mentioning delivery speed", axis=alt.Axis(format=".0%", tickMinStep=0.01), scale=zoom
    )
    tooltip = [
        alt.Tooltip("region:N", title="Region"),
        alt.Tooltip("received:Q", title="On time as received", format=".1%"),
        alt.Tooltip("shipped:Q", title="On time as shipped", format=".1%"),
        alt.Tooltip("orders:Q", title="Orders due (n)", format=","),
        alt.Tooltip("share:Q", title="Texts on delivery speed", format=".1%"),
        alt.Tooltip("ci_low:Q", title="95 % CI low", format=".1%"),
        alt.Tooltip("ci_high:Q", title="95 % CI high", format=".1%"),
        alt.Tooltip("n:Q", title="Texts (n)", format=","),
    ]
    y_bars = base.mark_rule().encode(x=x, y="ci_low:Q", y2="ci_high:Q")
    x_bars = base.mark_rule().encode(y=y, x="received_low:Q", x2="received_high:Q")
    dots = base.mark_circle(opacity=0.8).encode(
        x=x,
        y=y,
        size=alt.Size("n:Q", title="Texts (n)", legend=None, scale=alt.Scale(range=[80, 900])),
        tooltip=tooltip,
    )
    # Only flagged regions are named: the others sit close together and their names would overlap.
    labels = (
        alt.Chart(frame.filter(pl.col("flag")))
        .mark_text(align="left", dx=14, dy=-10, fontSize=13, fontWeight="bold", color=CUSTOMER_COLOR)
        .encode(x=x, y=y, text="region:N")
    )
    overall = (
        alt.Chart(frame.head(1))
        .mark_rule(color="#999", strokeDash=[4, 4])
        .encode(y="overall_share:Q", tooltip=[alt.Tooltip("overall_share:Q", title="All regions", format=".1%")])
    )
    return alt.layer(overall, y_bars, x_bars, dots, labels, title=_title(title, subtitle), height=380)
