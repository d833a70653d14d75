"""One metric over time with its 95 % band, alone or per group, with sample-size guardrails.

Every trend chart of the dashboard: one customer-coloured line (retention, satisfaction), or one
line per lens (the twins: grey inside-out, orange customer). Points from fewer than min_n
observations are drawn hollow (never dropped); a metric without an interval says so in the subtitle.
Goals (metrics.decisions.targets) are dashed horizontal rules, events (metrics.decisions.events) labelled
vertical rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import altair as alt
import polars as pl

import metrics
from metrics.decisions.targets import Target
from ui.charts import CUSTOMER_COLOR, OPEN_NOTE, lens_color, lens_scale, open_note, status_points, with_status
from ui.format import UNIT_AXIS_FORMAT
from ui.format import value as format_value
from ui.period_axis import period_x

LOW_N_COLOR = "#b8bfc7"
GOAL_COLOR = "#2e7d32"
EVENT_COLOR = "#6a4c93"
# Event labels: 10 px text about 5.6 px a character, at most 180 px (the tooltip has the rest), in up to three
# lanes 14 px apart; placed for a chart CHART_WIDTH_PX wide (the wide layout's full-width charts are wider, so
# labels placed apart stay apart), HALF_WIDTH_PX in half a page's width (st.columns(2): half of it less the
# columns' gap) or a panel's width.
EVENT_FONT_PX, EVENT_CHAR_PX, EVENT_LABEL_PX, EVENT_GAP_PX = 10, 5.6, 180, 6
EVENT_LANE_PX, EVENT_LANES = 14, 3
CHART_WIDTH_PX, HALF_WIDTH_PX, PANEL_WIDTH_PX, GROUP_WIDTH_PX = 700, 340, 260, 250
# Goal labels: 11 px text, about 6.2 px a character (to tell whether an event label reaches the goal label's room).
GOAL_FONT_PX, GOAL_CHAR_PX = 11, 6.2
MARK = "mark_layer"  # faceted charts: which layer a row of their one dataset feeds (data, goal, event)
# Each "<state>: <why>" (the tooltip's words); the legend names the state only, the subtitle says why.
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


def trust_states(data: pl.DataFrame) -> list[str]:
    """The TRUST_LABELS some row of `data` (with_trust) has, in their order: the states a trust legend lists."""
    present = set(data.get_column("trust").unique().to_list())
    return [label for label in TRUST_LABELS if label in present]


def _trust_legend(states: list[str]) -> alt.Legend:
    """The trust legend: only the `states` the chart's points have (trust_states; the scale keeps every state's
    colour), each named by the part of its label before the colon. Why: in half a page the whole labels were
    cut mid-word ("too few to t…") and states no point had were listed; the subtitle says what hollow means."""
    return alt.Legend(
        orient="top", symbolStrokeColor=LOW_N_COLOR, values=states, labelExpr="split(datum.label, ':')[0]"
    )


def _trust_points(lenses: alt.Scale | None, states: list[str]) -> dict[str, Any]:
    """Fill and stroke of the points: hollow where n < min_n. One line: the trust legend lists the `states`
    drawn. Per lens: the lens colours the stroke and (when trusted) the fill; the subtitle explains hollow
    points."""
    if lenses is None:
        return {
            "fill": alt.Fill(
                "trust:N",
                title=None,
                scale=alt.Scale(domain=list(TRUST_LABELS), range=[CUSTOMER_COLOR, "white", "white"]),
                legend=_trust_legend(states),
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
    base: alt.Chart,
    unit: str,
    reference: float | None,
    tooltip: list[alt.Tooltip],
    lensed: pl.DataFrame | None = None,
    room_px: int = 0,
    states: list[str] | None = None,
) -> list[alt.Chart]:
    """Band, line and sample-size-coded points: in the customer colour with a legend of the trust `states`
    drawn (trust_states), or, given the frame's `lens` column (`lensed`), one of each per lens; below the top
    `room_px` pixels (value_scale)."""
    axis = alt.Axis(format=axis_format(unit))
    # zero=False: the change (or the gap between lenses) is the story, not the distance from 0
    zoom = value_scale(room_px, zero=False)
    paint, mark = ({"color": lens_color(lensed)}, {}) if lensed is not None else ({}, {"color": CUSTOMER_COLOR})
    layers = [
        base.mark_area(opacity=0.18, **mark).encode(
            y=alt.Y("ci_low:Q", title=None, axis=axis, scale=zoom), y2="ci_high:Q", **paint
        ),
        base.mark_line(**mark).encode(y=alt.Y("value:Q", axis=axis, scale=zoom), **paint),
        base.mark_point(size=40, strokeWidth=1.5, opacity=1).encode(
            y="value:Q",
            tooltip=tooltip,
            **_trust_points(lens_scale(lensed) if lensed is not None else None, states or list(TRUST_LABELS)),
        ),
    ]
    if reference is not None:
        layers.append(base.mark_rule(strokeDash=[4, 3], color="#555").encode(y=alt.datum(reference)))
    return layers


def goal_frame(goals: tuple[Target, ...], short: bool = False) -> pl.DataFrame:
    """One row per goal: its value and the label drawn on its line ("Goal, <metric>: 95.0 %"; `short`:
    "Goal 95.0 %", for a panel whose goals are all one metric's)."""
    rows = []
    for t in goals:
        spec = metrics.spec(t.metric)
        value = format_value(t.goal, spec.unit)
        rows.append((t.goal, f"Goal {value}" if short else f"Goal, {spec.title}: {value}"))
    return pl.DataFrame(rows, schema={"goal": pl.Float64, "label": pl.String}, orient="row")


def event_layout(
    events: pl.DataFrame, first: date, last: date, width_px: float, panel: str | None = None, text: str = "label"
) -> pl.DataFrame:
    """Add where each event's label goes: `align` "left" (runs right from its rule) in the left half of the
    axis [first, last], "right" (runs left) in the right half, so no label is cut at the chart's edge; and
    `lane`, the label's y in pixels: the first of EVENT_LANES lanes where it covers no earlier label (its width
    estimated from the length of its `text`, at most EVENT_LABEL_PX; the full label is in the tooltip), per
    `panel` value."""
    if events.is_empty():
        return events.with_columns(align=pl.lit(None, pl.String), lane=pl.lit(None, pl.Int64))
    aligns: list[str] = []
    lanes: list[int] = []
    taken: dict[object, list[list[tuple[float, float]]]] = {}
    spans = event_spans(events, first, last, width_px, text)
    for row, (side, span) in zip(events.iter_rows(named=True), spans, strict=True):  # a handful, one by one
        used = taken.setdefault(row[panel] if panel else None, [[] for _ in range(EVENT_LANES)])
        free = [i for i, lane in enumerate(used) if all(hi <= span[0] or lo >= span[1] for lo, hi in lane)]
        lane = free[0] if free else min(range(EVENT_LANES), key=lambda i: max(hi for _, hi in used[i]))
        used[lane].append(span)
        aligns.append(side)
        lanes.append(2 + EVENT_LANE_PX * lane)
    return events.with_columns(align=pl.Series(aligns, dtype=pl.String), lane=pl.Series(lanes, dtype=pl.Int64))


def event_spans(
    events: pl.DataFrame, first: date, last: date, width_px: float, text: str = "label"
) -> list[tuple[str, tuple[float, float]]]:
    """Per event row: the side its label runs to from its rule (event_layout) and the x pixels it covers."""
    days = max((last - first).days, 1)
    out = []
    for row in events.iter_rows(named=True):
        x = (row["date"] - first).days / days * width_px
        wide = min(len(row[text]) * EVENT_CHAR_PX, label_limit(width_px)) + EVENT_GAP_PX
        side = "left" if x <= width_px / 2 else "right"
        out.append((side, (x, x + wide) if side == "left" else (x - wide, x)))
    return out


def goal_end(labels: list[str], spans: list[tuple[float, float]], width_px: float) -> str:
    """The end of its line a full-width chart's goal label goes at: "right", unless an event label (`spans`,
    event_spans) reaches into that end's room and none into the left end's.

    Why: event labels sit in lanes at the top, and a goal near the top of the scale puts its label there too;
    at the left end it covered the label of an event on the window's first day. Apart in x, the two never
    meet, whatever the goal's value. The right end first: that is where the latest values meet the goal."""
    room = max((len(label) for label in labels), default=0) * GOAL_CHAR_PX + EVENT_GAP_PX

    def taken(lo: float, hi: float) -> bool:
        return any(a < hi and b > lo for a, b in spans)

    return "left" if taken(width_px - room, width_px) and not taken(0, room) else "right"


def label_limit(width_px: float) -> float:
    """The widest an event label is drawn: EVENT_LABEL_PX, or less in a narrow panel, so that a label starting
    at most half-way across never runs past the edge."""
    return min(EVENT_LABEL_PX, width_px / 2 - EVENT_GAP_PX)


def _window(data: pl.DataFrame, events: pl.DataFrame | None) -> tuple[date, date]:
    """The x axis's extent: the periods' and the events' dates (a temporal scale is not padded)."""
    dates = data.get_column("period").cast(pl.Date)
    if events is not None and not events.is_empty():
        dates = pl.concat([dates, events.get_column("date").cast(pl.Date)])
    return dates.min(), dates.max()


def _goal_layers(
    chart: alt.Chart, unit: str, text: str = "label", panel_width: float | None = None, end: str = "right"
) -> list[alt.Chart]:
    """A dashed line per goal row (`goal`), labelled with `text` just below one `end` of it (goal_end), aligned
    inwards so the label is never cut at the chart's edge; below, not above, the line, so a goal at the top
    of the scale keeps its label inside the plot. The right end is the chart's width (`panel_width` in a
    panel, else the drawn width, whatever the container or an export makes it)."""
    tooltip = [alt.Tooltip(f"{text}:N", title="Goal"), alt.Tooltip("goal:Q", title="Value", format=axis_format(unit))]
    if end == "left":
        where, x = {"align": "left", "dx": 4}, alt.value(0)
    else:
        where, x = {"align": "right", "dx": -2}, alt.value(panel_width or {"expr": "width"})
    return [
        chart.mark_rule(color=GOAL_COLOR, strokeDash=[6, 3], strokeWidth=1.5).encode(y="goal:Q", tooltip=tooltip),
        chart.mark_text(color=GOAL_COLOR, fontSize=GOAL_FONT_PX, **_below_unless_at_bottom(), **where).encode(
            y="goal:Q", x=x, text=f"{text}:N"
        ),
    ]


def _below_unless_at_bottom() -> dict[str, Any]:
    """A goal label's baseline and offset: just below its line, or just above it when the line is at the plot's
    bottom edge (where the label below would run into the axis labels)."""
    low = f"scale('y', datum.goal) > height - {GOAL_FONT_PX + 4}"
    return {"baseline": {"expr": f"{low} ? 'bottom' : 'top'"}, "dy": {"expr": f"{low} ? -2 : 2"}}


def _event_layers(
    chart: alt.Chart, rows: pl.DataFrame, width_px: float, text: str = "label", prefix: str = ""
) -> list[alt.Chart]:
    """A dotted rule per event row (`date`) and its label at its `lane` on its `align` side (event_layout);
    the tooltip has the whole label and the event's `<prefix>region`, segment and kind."""
    tooltip = [alt.Tooltip("date:T", title="Date"), alt.Tooltip(f"{text}:N", title="Event")]
    tooltip += [alt.Tooltip(f"{prefix}{c}:N", title=c.capitalize()) for c in ("region", "segment", "kind")]
    layers = [chart.mark_rule(color=EVENT_COLOR, strokeDash=[2, 2]).encode(x="date:T", tooltip=tooltip)]
    for side in ("left", "right"):
        if side in rows.get_column("align"):
            mark = {"align": side, "dx": 3 if side == "left" else -3, "limit": label_limit(width_px)}
            layers.append(
                chart.transform_filter(alt.datum.align == side)
                .mark_text(baseline="top", color=EVENT_COLOR, fontSize=EVENT_FONT_PX, **mark)
                .encode(x="date:T", y=alt.Y("lane:Q", scale=None, axis=None), text=f"{text}:N", tooltip=tooltip)
            )
    return layers


class Marks(NamedTuple):
    """A trend's goal and event layers, and the pixels its value scale keeps clear of data at the top for the
    event labels (label_room; give it to value_scale)."""

    layers: list[alt.Chart]
    room_px: int = 0


def label_room(placed: pl.DataFrame) -> int:
    """The pixels at the top of the plot that the event labels (event_layout's lanes) take: down to the lowest
    lane in use, plus a lane (the label's height and a gap); 0 without labels."""
    return 0 if placed.is_empty() else placed.select(pl.max("lane")).item() + EVENT_LANE_PX


def value_scale(room_px: int, **props: Any) -> alt.Scale:
    """The scale of a trend's values (`props`: e.g. zero=False), drawn below the top `room_px` pixels.

    Why: the event labels sit in lanes at the top, and data near the top of the scale (on time as shipped at
    ~96 %) ran through them. Ending the range below the lanes keeps that room free of data, with no layer added
    (each layer costs every viewer's browser time) and the axis's ticks still on nice values of the data's own
    domain (it stops below the labels; extending the domain instead put ticks such as 105 % above the data). A
    white halo would not do it alone: a text mark's stroke is painted over its fill, eating into the letters,
    so a halo needs a second text layer under each label layer."""
    if not room_px:
        return alt.Scale(**props)
    return alt.Scale(range=[{"expr": "height"}, room_px], **props)


def _marks(
    goals: tuple[Target, ...],
    events: pl.DataFrame | None,
    unit: str,
    window: tuple[date, date],
    width_px: float = CHART_WIDTH_PX,
) -> Marks:
    """Dashed goal lines labelled at an end clear of the event labels (goal_end), and event rules labelled at
    the top (details in the tooltip), placed for a chart `width_px` wide."""
    layers: list[alt.Chart] = []
    if goals:
        rows = goal_frame(goals)
        spans = [span for _, span in event_spans(events, *window, width_px)] if events is not None else []
        end = goal_end(rows.get_column("label").to_list(), spans, width_px)
        layers += _goal_layers(alt.Chart(rows), unit, end=end)
    if events is None or events.is_empty():
        return Marks(layers)
    placed = event_layout(events, *window, width_px)
    return Marks([*layers, *_event_layers(alt.Chart(placed), placed, width_px)], label_room(placed))


def rules(goals: tuple[Target, ...], events: pl.DataFrame | None, unit: str, frame: pl.DataFrame) -> Marks:
    """The goal lines and labelled event rules for any other chart over `frame`'s periods (layer `layers` on it,
    its values on value_scale(`room_px`))."""
    return _marks(goals, events, unit, _window(frame, events))


def panel_layers(
    data: pl.DataFrame,
    group: str,
    facet: str,
    unit: str,
    goals: tuple[tuple[Any, Target], ...],
    events: pl.DataFrame | None,
    width_px: float,
) -> tuple[pl.DataFrame, list[alt.Chart]]:
    """A faceted chart's one dataset (Vega-Lite facets only the top-level data) and its goal and event layers:
    the trend rows (MARK "data"), a row per panel goal (targets.per_panel: (group value, goal)) and one per
    panel event (events.per_panel: `panel` = the group value as text), each with its panel's `facet` value.
    Any faceted trend (e.g. ui.voice.charts.themes_over_time) layers these with its trend_rows."""
    trend = data.with_columns(pl.lit("data").alias(MARK))
    # group value -> its panel's facet value (the group value itself, or its label)
    keys = data.select(list(dict.fromkeys((group, facet)))).unique()
    parts, layers = [trend], []
    if goals:
        values = pl.Series(group, [v for v, _ in goals], dtype=data.schema[group])
        one_metric = len({t.metric for _, t in goals}) == 1  # then "Goal 95.0%" says enough in a small panel
        rows = goal_frame(tuple(t for _, t in goals), one_metric).rename({"label": "goal_label"}).with_columns(values)
        rows = rows.join(keys, on=group, nulls_equal=True) if facet != group else rows
        parts.append(rows.with_columns(pl.lit("goal").alias(MARK)))
        goal_rows = alt.Chart().transform_filter(alt.datum[MARK] == "goal")
        layers += _goal_layers(goal_rows, unit, "goal_label", width_px)
    text_keys = keys.with_columns(panel=pl.col(group).cast(pl.String))
    own = {c: f"event_{c}" for c in ("region", "segment", "kind", "label")}
    shown = None if events is None else events.rename(own).join(text_keys, on="panel", nulls_equal=True)
    if shown is not None and not shown.is_empty():  # events, in panels the chart has
        shown = shown.drop("panel").sort(facet, "date", nulls_last=True)
        shown = event_layout(shown, *_window(data, shown), width_px, facet, "event_label")
        parts.append(shown.with_columns(pl.lit("event").alias(MARK)))
        marked = alt.Chart().transform_filter(alt.datum[MARK] == "event")
        layers += _event_layers(marked, shown, width_px, "event_label", "event_")
    return pl.concat(parts, how="diagonal_relaxed"), layers


def _hollow_notes(subtitle: str | list[str], data: pl.DataFrame, low_n: bool = True) -> list[str]:
    """The subtitle, plus a line explaining each kind of hollow point the chart has: below min n (`low_n`, for
    twins, which have no trust legend; a single line's subtitle says its min n) and a period still open
    (OPEN_NOTE, the one wording of every chart)."""
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    low = data.filter(pl.col("trust") == TRUST_LABELS[1])
    if low_n and not low.is_empty():
        floors = " or ".join(f"{m:,}" for m in data.get_column("min_n").unique().sort())
        lines.append(f"Hollow points: fewer than {floors} observations (min n), too few to trust")
    if not data.filter(pl.col("trust") == TRUST_LABELS[2]).is_empty():
        lines.append(OPEN_NOTE)
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
    width_px: float = CHART_WIDTH_PX,
) -> alt.LayerChart:
    """Line with its 95 % band; `frame`: period, n, value, ci_low, ci_high (null bounds draw no band).
    `goals` and `events` as in twin_trend, their labels placed for the width the chart is laid out in
    (`width_px`: HALF_WIDTH_PX in half a page's width, where labels placed for CHART_WIDTH_PX overprinted)."""
    data = with_trust(frame, min_n)
    base = alt.Chart(data).encode(x=period_x(data))
    marks = _marks(goals, events, unit, _window(data, events), width_px)
    title_ = alt.Title(title, subtitle=_hollow_notes(subtitle, data, low_n=False) or alt.Undefined, anchor="start")
    layers = _layers(base, unit, reference, _tooltip(unit), room_px=marks.room_px, states=trust_states(data))
    return alt.layer(*layers, *marks.layers, title=title_, height=300)


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
    marks = _marks(goals, events, unit, _window(data, events))
    title_ = alt.Title(title, subtitle=_hollow_notes(subtitle, data) or alt.Undefined, anchor="start")
    return alt.layer(*_layers(base, unit, None, tooltip, data, marks.room_px), *marks.layers, title=title_, height=300)


def lead_time_lines(
    frame: pl.DataFrame,
    title: str,
    subtitle: str = "",
    goals: tuple[Target, ...] = (),
    events: pl.DataFrame | None = None,
) -> alt.LayerChart:
    """Median (solid) and p90 (dashed) lead time per lens. `frame`: period, lens, stat (median|p90), days and,
    as ui.query.lead_times gives it, `complete`: a period still open is drawn hollow and said so (ui.charts'
    open-period rule). `goals` and `events` as in twin_trend (a lead-time goal is in days: met at or below it)."""
    data = with_status(frame)
    marks = _marks(goals, events, "days", _window(data, events))
    color = lens_color(data)
    base = alt.Chart(data).encode(x=period_x(data), color=color)
    # Line samples, not dots: the points are a layer of their own, so this legend is the lines' alone.
    dashes = alt.Legend(orient="top", symbolType="stroke", symbolSize=400, symbolStrokeColor="#555")
    lines = base.mark_line().encode(
        y=alt.Y("days:Q", title="Days", scale=value_scale(marks.room_px)),
        strokeDash=alt.StrokeDash("stat:N", title=None, legend=dashes),
    )
    tooltip = [
        alt.Tooltip("period:T", title="Period"),
        alt.Tooltip("lens:N", title="Lens"),
        alt.Tooltip("stat:N", title="Statistic"),
        alt.Tooltip("days:Q", title="Days", format=".1f"),
    ]
    points = status_points(base, color, "days:Q", tooltip)
    title_ = alt.Title(title, subtitle=open_note(data, subtitle) or alt.Undefined, anchor="start")
    return alt.layer(lines, points, *marks.layers, title=title_, height=280)


def keyed_lines(
    frame: pl.DataFrame,
    keys: tuple[str, ...],
    unit: str,
    title: str,
    subtitle: str,
    goals: tuple[Target, ...] = (),
    events: pl.DataFrame | None = None,
) -> alt.LayerChart:
    """One line per combination of `keys` (e.g. source x theme), for metrics with no single series. A period
    still open (`complete` false, see metrics.analysis.periods) is drawn as a hollow point. `goals` and
    `events` as in twin_trend."""
    labelled = with_status(
        frame.with_columns(series=pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator=" · "))
    )
    fmt = axis_format(unit)
    marks = _marks(goals, events, unit, _window(frame, events))
    color = alt.Color("series:N", title=" · ".join(keys), legend=alt.Legend(orient="right"))
    base = alt.Chart(labelled.sort("period", "series")).encode(
        x=period_x(frame),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt), scale=value_scale(marks.room_px)),
        color=color,
        tooltip=["period:T", "series:N", alt.Tooltip("value:Q", format=fmt), alt.Tooltip("n:Q", format=",")],
    )
    points = base.mark_point(size=30, opacity=1, filled=False).encode(
        fill=alt.condition(alt.datum.complete, alt.Color("series:N", legend=None), alt.value("white"))
    )
    title_ = alt.Title(title, subtitle=open_note(labelled, subtitle), anchor="start")
    return alt.layer(base.mark_line(), points, *marks.layers, title=title_, height=320)


def small_multiples(
    frame: pl.DataFrame,
    facet: str,
    unit: str,
    title: str,
    columns: int = 3,
    panel_goals: tuple[tuple[Any, Target], ...] = (),
    panel_events: pl.DataFrame | None = None,
) -> alt.FacetChart:
    """The twin trend per `facet` value (e.g. region), sharing axes so gaps compare. `panel_goals` and
    `panel_events` (ui.query.panel_marks) are drawn in the panels they belong to."""
    data = with_trust(frame, pl.col("min_n"))
    rows, marks = panel_layers(data, facet, facet, unit, panel_goals, panel_events, PANEL_WIDTH_PX)
    base = trend_rows(alt.Chart().encode(x=period_x(data)), marks)
    tooltip = _tooltip(unit, [alt.Tooltip(f"{facet}:N", title=facet.capitalize()), alt.Tooltip("lens:N")])
    layers = alt.layer(*_layers(base, unit, None, tooltip, data), *marks, data=rows, width=PANEL_WIDTH_PX, height=150)
    title_ = alt.Title(title, subtitle=_hollow_notes([], data) or alt.Undefined, anchor="start")
    return layers.facet(facet=alt.Facet(f"{facet}:N", title=None), columns=columns, title=title_)


def trend_rows(base: alt.Chart, marks: list[alt.Chart]) -> alt.Chart:
    """The trend layers read only the trend rows of a dataset that also holds goal and event rows."""
    return base.transform_filter(alt.datum[MARK] == "data") if marks else base


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
    panel_goals: tuple[tuple[Any, Target], ...] = (),
    panel_events: pl.DataFrame | None = None,
) -> alt.FacetChart:
    """Small multiples of band_trend, one per `group` value, on shared axes; goals and events as in
    small_multiples."""
    data = group_label(with_trust(frame, min_n), group, min_n)
    rows, marks = panel_layers(data, group, "label", unit, panel_goals, panel_events, GROUP_WIDTH_PX)
    base = trend_rows(alt.Chart().encode(x=period_x(data)), marks)
    tooltip = _tooltip(unit, [alt.Tooltip(f"{group}:N", title=group.capitalize())])
    trend = _layers(base, unit, reference, tooltip, states=trust_states(data))
    layers = alt.layer(*trend, *marks, data=rows, width=GROUP_WIDTH_PX, height=170)
    panels = alt.Facet("label:N", title=None, sort=alt.SortField("label"))
    title_ = alt.Title(title, subtitle=_hollow_notes(subtitle, data, low_n=False) or alt.Undefined, anchor="start")
    return layers.facet(facet=panels, columns=columns, title=title_)
