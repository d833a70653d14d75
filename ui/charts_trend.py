"""One metric over time with its 95 % band, alone or per group, with sample-size guardrails.

Every trend chart of the dashboard: one customer-coloured line (retention, satisfaction), or one
line per lens (the twins: grey inside-out, orange customer). Points from fewer than min_n
observations are drawn hollow (never dropped); a metric without an interval says so in the subtitle.
Goals (metrics.decisions.targets) are dashed horizontal rules, events (metrics.decisions.events) labelled
vertical rules.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

import metrics
from metrics.decisions.targets import Target
from ui.charts import CUSTOMER_COLOR, lens_color, lens_scale
from ui.format import UNIT_AXIS_FORMAT
from ui.format import value as format_value
from ui.period_axis import period_x

LOW_N_COLOR = "#b8bfc7"
GOAL_COLOR = "#2e7d32"
EVENT_COLOR = "#6a4c93"
EVENT_LANE_PX = 12
TRUST_LABELS = ("enough data", "below min n: too few to trust", "period still open: so far")


def axis_format(unit: str) -> str:
    return UNIT_AXIS_FORMAT.get(unit, ".2f")


def with_trust(frame: pl.DataFrame, min_n: int | pl.Expr) -> pl.DataFrame:
    """Add `trust`: TRUST_LABELS[1] where n < min_n (a number, or an expression such as a column), else
    TRUST_LABELS[2] for a bucket still open (`complete` false, see metrics.analysis.periods), else
    TRUST_LABELS[0]. Both are drawn hollow: neither reads like a finished, trusted point."""
    ok, low, still_open = TRUST_LABELS
    trust = pl.when(pl.col("n") < min_n).then(pl.lit(low))
    if "complete" in frame.columns:
        trust = trust.when(~pl.col("complete")).then(pl.lit(still_open))
    return frame.with_columns(trust=trust.otherwise(pl.lit(ok)))


def _tooltip(unit: str, extra: list[alt.Tooltip] | None = None) -> list[alt.Tooltip]:
    fmt = axis_format(unit)
    return [
        alt.Tooltip("period:T", title="Period"),
        *(extra or []),
        alt.Tooltip("value:Q", title="Value", format=fmt),
        alt.Tooltip("ci_low:Q", title="95 % CI low", format=fmt),
        alt.Tooltip("ci_high:Q", title="95 % CI high", format=fmt),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("trust:N", title="Sample size"),
    ]


def _trust_points(lenses: alt.Scale | None) -> dict[str, Any]:
    """Fill and stroke of the points: hollow where n < min_n. One line: the trust legend says so. Per lens:
    the lens colours the stroke and (when trusted) the fill; the subtitle explains hollow points."""
    if lenses is None:
        return {
            "fill": alt.Fill(
                "trust:N",
                title=None,
                scale=alt.Scale(domain=list(TRUST_LABELS), range=[CUSTOMER_COLOR, "white", "white"]),
                legend=alt.Legend(orient="top", symbolStrokeColor=LOW_N_COLOR),
            ),
            "stroke": alt.Stroke(
                "trust:N",
                scale=alt.Scale(domain=list(TRUST_LABELS), range=[CUSTOMER_COLOR, LOW_N_COLOR, CUSTOMER_COLOR]),
                legend=None,
            ),
        }
    stroke = alt.Stroke("lens:N", scale=lenses, legend=None)  # the line layer shows the lens legend
    fill = alt.Fill("lens:N", scale=lenses, legend=None)
    return {"fill": alt.condition(alt.datum.trust != TRUST_LABELS[0], alt.value("white"), fill), "stroke": stroke}


def _layers(
    base: alt.Chart, unit: str, reference: float | None, tooltip: list[alt.Tooltip], lensed: pl.DataFrame | None = None
) -> list[alt.Chart]:
    """Band, line and sample-size-coded points: in the customer colour, or, given the frame's `lens` column
    (`lensed`), one of each per lens."""
    axis = alt.Axis(format=axis_format(unit))
    zoom = alt.Scale(zero=False)  # the change (or the gap between lenses) is the story, not the distance from 0
    paint, mark = ({"color": lens_color(lensed)}, {}) if lensed is not None else ({}, {"color": CUSTOMER_COLOR})
    layers = [
        base.mark_area(opacity=0.18, **mark).encode(
            y=alt.Y("ci_low:Q", title=None, axis=axis, scale=zoom), y2="ci_high:Q", **paint
        ),
        base.mark_line(**mark).encode(y=alt.Y("value:Q", axis=axis, scale=zoom), **paint),
        base.mark_point(size=40, strokeWidth=1.5, opacity=1).encode(
            y="value:Q", tooltip=tooltip, **_trust_points(lens_scale(lensed) if lensed is not None else None)
        ),
    ]
    if reference is not None:
        layers.append(base.mark_rule(strokeDash=[4, 3], color="#555").encode(y=alt.datum(reference)))
    return layers


def goal_frame(goals: tuple[Target, ...]) -> pl.DataFrame:
    """One row per goal: its value and the label drawn on its line ("Goal, <metric>: 95.0 %")."""
    rows = [
        (t.goal, f"Goal, {metrics.spec(t.metric).title}: {format_value(t.goal, metrics.spec(t.metric).unit)}")
        for t in goals
    ]
    return pl.DataFrame(rows, schema={"goal": pl.Float64, "label": pl.String}, orient="row")


def _marks(goals: tuple[Target, ...], events: pl.DataFrame | None, unit: str) -> list[alt.Chart]:
    """Dashed goal lines labelled at the left, and event rules labelled at the top (details in the tooltip)."""
    layers: list[alt.Chart] = []
    if goals:
        line = alt.Chart(goal_frame(goals))
        tooltip = [alt.Tooltip("label:N", title="Goal"), alt.Tooltip("goal:Q", title="Value", format=axis_format(unit))]
        layers += [
            line.mark_rule(color=GOAL_COLOR, strokeDash=[6, 3], strokeWidth=1.5).encode(y="goal:Q", tooltip=tooltip),
            line.mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=GOAL_COLOR, fontSize=11).encode(
                y="goal:Q", x=alt.value(0), text="label:N"
            ),
        ]
    if events is not None and not events.is_empty():
        # Labels in three staggered lanes at the top, so events a few weeks apart do not print over each other.
        when = alt.Chart(events.with_columns(lane=2 + EVENT_LANE_PX * (pl.int_range(pl.len()) % 3)))
        tooltip = [alt.Tooltip("date:T", title="Date"), alt.Tooltip("label:N", title="Event")]
        tooltip += [alt.Tooltip(f"{c}:N", title=c.capitalize()) for c in ("region", "segment", "kind")]
        layers += [
            when.mark_rule(color=EVENT_COLOR, strokeDash=[2, 2]).encode(x="date:T", tooltip=tooltip),
            when.mark_text(align="left", baseline="top", dx=3, color=EVENT_COLOR, fontSize=10, limit=180).encode(
                x="date:T", y=alt.Y("lane:Q", scale=None, axis=None), text="label:N"
            ),
        ]
    return layers


def _with_low_n_note(subtitle: str | list[str], data: pl.DataFrame) -> list[str]:
    """The subtitle, plus a line explaining hollow points when the chart has any (twins have no trust legend)."""
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    low = data.filter(pl.col("trust") == TRUST_LABELS[1])
    if not low.is_empty():
        floors = " or ".join(f"{m:,}" for m in data.get_column("min_n").unique().sort())
        lines.append(f"Hollow points: fewer than {floors} observations (min n), too few to trust")
    if not data.filter(pl.col("trust") == TRUST_LABELS[2]).is_empty():
        lines.append("Hollow last point: the period is still open (so far), not comparable with finished ones")
    return [line for line in lines if line]


def band_trend(
    frame: pl.DataFrame,
    unit: str,
    min_n: int,
    title: str,
    subtitle: str | list[str],
    reference: float | None = None,
    goals: tuple[Target, ...] = (),
    events: pl.DataFrame | None = None,
) -> alt.LayerChart:
    """Line with its 95 % band; `frame`: period, n, value, ci_low, ci_high (null bounds draw no band).
    `goals` and `events` as in twin_trend."""
    data = with_trust(frame, min_n)
    base = alt.Chart(data).encode(x=period_x(data))
    chart = alt.layer(*_layers(base, unit, reference, _tooltip(unit)), *_marks(goals, events, unit))
    return chart.properties(title=alt.Title(title, subtitle=subtitle, anchor="start"), height=300)


def twin_trend(
    frame: pl.DataFrame,
    unit: str,
    title: str,
    subtitle: str = "",
    goals: tuple[Target, ...] = (),
    events: pl.DataFrame | None = None,
) -> alt.LayerChart:
    """Lines per lens with 95 % interval bands. `frame`: period, lens, value, ci_low, ci_high, n, min_n
    (each lens's own, as ui.query.twins gives it). `goals` and `events` (ui.query.goals / events, i.e. the
    view's) are drawn as rules."""
    data = with_trust(frame, pl.col("min_n"))
    base = alt.Chart(data).encode(x=period_x(data))
    tooltip = _tooltip(unit, [alt.Tooltip("lens:N", title="Lens")])
    chart = alt.layer(*_layers(base, unit, None, tooltip, data), *_marks(goals, events, unit))
    title_ = alt.Title(title, subtitle=_with_low_n_note(subtitle, data) or alt.Undefined, anchor="start")
    return chart.properties(title=title_, height=300)


def small_multiples(frame: pl.DataFrame, facet: str, unit: str, title: str, columns: int = 3) -> alt.FacetChart:
    """The twin trend per `facet` value (e.g. region), sharing axes so gaps compare."""
    data = with_trust(frame, pl.col("min_n"))
    base = alt.Chart().encode(x=period_x(data))
    tooltip = _tooltip(unit, [alt.Tooltip(f"{facet}:N", title=facet.capitalize()), alt.Tooltip("lens:N")])
    layers = alt.layer(*_layers(base, unit, None, tooltip, data), data=data)
    return (
        layers.properties(width=260, height=150)
        .facet(facet=alt.Facet(f"{facet}:N", title=None), columns=columns)
        .properties(title=alt.Title(title, subtitle=_with_low_n_note([], data) or alt.Undefined, anchor="start"))
    )


def group_label(frame: pl.DataFrame, group: str, min_n: int, total: pl.Expr | None = None) -> pl.DataFrame:
    """Add `label` = 'group (n = total)' and flag groups whose whole-window n is below min_n.

    `total` defaults to the sum of `n` over the group's periods. A missing group value reads
    '(not recorded)': it is shown, not dropped.
    """
    name = pl.col(group).fill_null("(not recorded)")
    total = pl.col("n").sum().over(group) if total is None else total
    flag = pl.when(total < min_n).then(pl.lit(f" · below min n {min_n}")).otherwise(pl.lit(""))
    label = pl.format("{} (n = {})", name, total) + flag
    return frame.with_columns(label=label)


def group_trends(
    frame: pl.DataFrame,
    group: str,
    unit: str,
    min_n: int,
    title: str,
    subtitle: str,
    reference: float | None = None,
    columns: int = 3,
) -> alt.FacetChart:
    """Small multiples of band_trend, one per `group` value, on shared axes."""
    data = group_label(with_trust(frame, min_n), group, min_n)
    base = alt.Chart().encode(x=period_x(data))
    tooltip = _tooltip(unit, [alt.Tooltip(f"{group}:N", title=group.capitalize())])
    layers = alt.layer(*_layers(base, unit, reference, tooltip), data=data)
    return (
        layers.properties(width=250, height=170)
        .facet(facet=alt.Facet("label:N", title=None, sort=alt.SortField("label")), columns=columns)
        .properties(title=alt.Title(title, subtitle=subtitle, anchor="start"))
    )
