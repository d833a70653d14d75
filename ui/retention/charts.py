"""Altair charts for the retention page: cohort heatmap, retention curves, revenue retention."""

from __future__ import annotations

import altair as alt
import polars as pl

from metrics.decisions.targets import Target
from ui.charts import CUSTOMER_COLOR, INTERNAL_COLOR, open_note, status_points, with_status
from ui.charts_trend import rules, value_scale
from ui.period_axis import period_x
from ui.retention.data import COMPLETE, OPEN

MAX_LABELLED_COHORTS = 30  # beyond this (weekly cohorts) cell labels overlap: values stay in the tooltip
ROW, COLUMN = 22, 36


def _title(title: str, subtitle: str | list[str]) -> alt.Title:
    return alt.Title(title, subtitle=subtitle, anchor="start")


def heatmap(cells: pl.DataFrame, sizes: pl.DataFrame, title: str, subtitle: str) -> alt.HConcatChart:
    """Cohort x period grid of retention with a cohort size column on the left.

    Open periods are pale with a dashed outline and read '≥x%' (a lower bound), never 0.
    `cells`: heatmap_cells(); `sizes`: cohort_sizes().
    """
    order = sizes.get_column("cohort_label").to_list()
    y = alt.Y("cohort_label:O", sort=order, title="First order in", axis=alt.Axis(labelLimit=140))
    status_scale = alt.Scale(domain=[COMPLETE, OPEN], range=[1.0, 0.35])
    base = alt.Chart(cells).encode(
        x=alt.X("period:O", title="Periods after the first order", axis=alt.Axis(labelAngle=0, orient="top")),
        y=y,
    )
    complete_max = cells.filter(pl.col("complete")).get_column("value").max() or 1.0
    rect = base.mark_rect(strokeWidth=1.5).encode(
        color=alt.Color(
            "value:Q",
            title="Retained",
            scale=alt.Scale(scheme="blues", domain=[0, complete_max], clamp=True),
            legend=alt.Legend(format=".0%", orient="bottom"),
        ),
        opacity=alt.Opacity(
            "status:N",
            title="Cell",
            scale=status_scale,
            legend=alt.Legend(orient="bottom", labelLimit=300, symbolFillColor="#4a8fc4"),
        ),
        stroke=alt.condition(alt.datum.complete, alt.value("white"), alt.value("#333")),
        strokeDash=alt.condition(alt.datum.complete, alt.value([1, 0]), alt.value([3, 2])),
        tooltip=[
            alt.Tooltip("cohort_label:N", title="Cohort"),
            alt.Tooltip("period:O", title="Periods after"),
            alt.Tooltip("value:Q", title="Retained", format=".1%"),
            alt.Tooltip("active:Q", title="Customers ordering", format=","),
            alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
            alt.Tooltip("status:N", title="Cell"),
        ],
    )
    layers = [rect]
    if len(order) <= MAX_LABELLED_COHORTS:
        dark = alt.datum.value > complete_max * 0.6
        layers.append(
            base.mark_text(fontSize=10).encode(
                text="text:N", color=alt.condition(alt.datum.complete & dark, alt.value("white"), alt.value("#222"))
            )
        )
    periods = cells.get_column("period").n_unique()
    column = COLUMN if periods <= 24 else max(7, 860 // max(periods, 1))  # weekly grids fit the page
    row = ROW if len(order) <= MAX_LABELLED_COHORTS else 12
    grid = alt.layer(*layers, height=alt.Step(row), width=alt.Step(column))
    size_col = (
        alt.Chart(sizes)
        .mark_text(align="right", dx=20)
        .encode(
            y=alt.Y("cohort_label:O", sort=order, axis=None),
            text=alt.Text("cohort_size:Q", format=","),
            color=alt.condition(alt.datum.complete, alt.value("#222"), alt.value("#888")),
            tooltip=[
                alt.Tooltip("cohort_label:N", title="Cohort"),
                alt.Tooltip("cohort_size:Q", title="Customers", format=","),
                alt.Tooltip("status:N", title="First period"),
            ],
        )
        .properties(width=60, height=alt.Step(row), title=alt.Title("Customers", fontSize=11, anchor="end"))
    )
    return (
        alt.hconcat(grid, size_col, spacing=4)
        .resolve_scale(y="shared")
        .properties(title=_title(title, subtitle))
        .configure_view(stroke=None)
    )


def curves(cohorts: pl.DataFrame, mean: pl.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """Thin grey line per cohort, the size-weighted mean in orange with its 95 % band."""
    x = alt.X("period:Q", title="Periods after the first order", axis=alt.Axis(tickMinStep=1, format="d"))
    y_axis = alt.Axis(format=".0%")
    lines = (
        alt.Chart(cohorts)
        .mark_line(strokeWidth=1, opacity=0.35, color=INTERNAL_COLOR)
        .encode(
            x=x,
            y=alt.Y("value:Q", title="Share of the cohort ordering", axis=y_axis),
            detail="cohort_label:N",
            tooltip=[
                alt.Tooltip("cohort_label:N", title="Cohort"),
                alt.Tooltip("period:Q", title="Periods after"),
                alt.Tooltip("value:Q", title="Retained", format=".1%"),
                alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
            ],
        )
    )
    base = alt.Chart(mean).encode(x=x)
    band = base.mark_area(opacity=0.25, color=CUSTOMER_COLOR).encode(y="ci_low:Q", y2="ci_high:Q")
    line = base.mark_line(strokeWidth=3, color=CUSTOMER_COLOR, point=alt.OverlayMarkDef(color=CUSTOMER_COLOR)).encode(
        y="value:Q",
        tooltip=[
            alt.Tooltip("period:Q", title="Periods after"),
            alt.Tooltip("value:Q", title="Weighted mean", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95 % CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95 % CI high", format=".1%"),
            alt.Tooltip("n:Q", title="Customers (n)", format=","),
            alt.Tooltip("cohorts:Q", title="Cohorts"),
        ],
    )
    return alt.layer(lines, band, line, title=_title(title, subtitle), height=300)


def revenue_lines(
    frame: pl.DataFrame, title: str, subtitle: str, goals: tuple[Target, ...] = (), events: pl.DataFrame | None = None
) -> alt.LayerChart:
    """GRR and NRR as lines against the 100 % mark; they have no interval, so no band is drawn. An open
    period's point is hollow (its run rate so far). `goals` and `events` as on every trend (charts_trend.rules)."""
    data = with_status(frame)
    color = alt.Color(
        "metric:N", title=None, scale=alt.Scale(range=[INTERNAL_COLOR, CUSTOMER_COLOR]), legend=alt.Legend(orient="top")
    )
    base = alt.Chart().encode(x=period_x(data), color=color)
    marks = rules(goals, events, "ratio", data)
    y = alt.Y(
        "value:Q", title="Share of starting revenue", axis=alt.Axis(format=".0%"), scale=value_scale(marks.room_px)
    )
    lines = base.mark_line().encode(y=y, strokeDash=alt.StrokeDash("metric:N", legend=None))
    tooltip = [
        alt.Tooltip("period:T", title="Period"),
        alt.Tooltip("metric:N", title="Metric"),
        alt.Tooltip("value:Q", title="Value", format=".1%"),
        alt.Tooltip("n:Q", title="Starting customers", format=","),
        alt.Tooltip("start_revenue:Q", title="Starting revenue", format="$,.0f"),
    ]
    points = status_points(base, color, "value:Q", tooltip)
    rule = alt.Chart().mark_rule(strokeDash=[4, 3], color="#555").encode(y=alt.datum(1))
    return alt.layer(
        lines, points, rule, *marks.layers, data=data, title=_title(title, open_note(data, subtitle)), height=260
    )


def next_period_by_group(
    frame: pl.DataFrame, group: str, highlight: str | None, title: str, subtitle: str
) -> alt.Chart:
    """Next-period retention per cohort, one line per group; the takeaway's group in orange."""
    data = frame.with_columns(highlight=(pl.col(group) == pl.lit(highlight)).fill_null(False))
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=period_x(data, "cohort", title="First order in"),
            y=alt.Y("value:Q", title="Came back", axis=alt.Axis(format=".0%")),
            detail=f"{group}:N",
            color=alt.condition(alt.datum.highlight, alt.value(CUSTOMER_COLOR), alt.value(INTERNAL_COLOR)),
            opacity=alt.condition(alt.datum.highlight, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip(f"{group}:N", title=group.capitalize()),
                alt.Tooltip("cohort:T", title="Cohort"),
                alt.Tooltip("value:Q", title="Retained", format=".1%"),
                alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
            ],
        )
        .properties(title=_title(title, subtitle), height=280)
    )
