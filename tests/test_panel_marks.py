"""Goals and events on the small multiples: each panel draws its own goal (else the view's) and the events
filtered like its data; event labels never run off the chart and labels that would cover each other get
separate lanes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import altair as alt
import polars as pl
import pyarrow as pa
import pytest

from connectors.sample import STORY
from metrics.decisions import events, targets
from metrics.decisions.targets import Target
from tests.apptest import run_page
from ui.charts_trend import (
    CHART_WIDTH_PX,
    EVENT_GAP_PX,
    EVENT_LABEL_PX,
    EVENT_LANE_PX,
    GOAL_CHAR_PX,
    HALF_WIDTH_PX,
    MARK,
    PANEL_WIDTH_PX,
    band_trend,
    event_layout,
    event_spans,
    goal_end,
    group_trends,
    label_limit,
    lead_time_lines,
    small_multiples,
    twin_trend,
)
from ui.retention.charts import revenue_lines as revenue_retention_lines

RECEIVED, SHIPPED = "delivery.on_time_received", "delivery.on_time_shipped"
GOALS = (
    Target(RECEIVED, 0.95),
    Target(RECEIVED, 0.90, {"region": ("Southwest",)}),
    Target(RECEIVED, 0.80, {"segment": ("Clinics",)}),
    Target(SHIPPED, 0.97, {"region": ("West",)}),
)
EVENTS = pl.DataFrame(
    {
        "event_id": ["a", "b", "c", "d"],
        "date": [date(2026, 1, 5), date(2026, 3, 1), date(2026, 4, 15), date(2026, 5, 1)],
        "label": ["Price list", "Southwest carrier", "Support flags late deliveries", "West hub"],
        "region": [None, "Southwest", "Southwest", "West"],
        "segment": [None, None, None, None],
        "kind": ["pricing", "carrier", "support", "carrier"],
    }
)
WINDOW = (date(2026, 1, 1), date(2026, 6, 30))
REGIONS = ["Southwest", "West", "Northeast"]


def _twins(by: str = "region", values: list[str] = REGIONS) -> pl.DataFrame:
    rows = [
        {"period": date(2026, m, 1), "lens": lens, "min_n": 30, "n": 200, by: value}
        | {"value": 0.9, "ci_low": 0.85, "ci_high": 0.95}
        for value in values
        for lens in ("On time as shipped", "On time as received")
        for m in range(1, 7)
    ]
    return pl.DataFrame(rows)


def _rows(spec: dict, mark: str) -> list[dict]:
    return [r for rows in spec["datasets"].values() for r in rows if r.get(MARK) == mark]


def test_each_region_panel_gets_its_own_goal_else_the_views() -> None:
    names = (SHIPPED, RECEIVED)
    found = targets.per_panel(GOALS, names, {}, "region", REGIONS)
    assert [(v, t.metric, t.goal) for v, t in found] == [
        ("Southwest", RECEIVED, 0.90),  # the region's own beats the overall 95 %
        ("West", SHIPPED, 0.97),
        ("West", RECEIVED, 0.95),  # West has a shipped goal only: received falls back to the overall one
        ("Northeast", RECEIVED, 0.95),
    ]
    # In a Clinics view the panels without a goal of their own show the view's (Clinics) goal, not the overall.
    clinics = targets.per_panel(GOALS, (RECEIVED,), {"segment": ("Clinics",)}, "region", ["Southwest", "West"])
    assert [(v, t.goal) for v, t in clinics] == [("Southwest", 0.80), ("West", 0.80)]
    # A carrier is not a goal's filter: every carrier panel shows the view's goal; a missing group value too.
    assert [(v, t.goal) for v, t in targets.per_panel(GOALS, (RECEIVED,), {}, "carrier", ["A", None])] == [
        ("A", 0.95),
        (None, 0.95),
    ]


def test_events_go_to_the_panels_whose_data_they_concern() -> None:
    shown = events.in_view(EVENTS, *WINDOW, {})
    by_region = events.per_panel(shown, "region", REGIONS)
    assert by_region.select("panel", "label").rows() == [
        ("Northeast", "Price list"),  # no region: every panel
        ("Southwest", "Price list"),
        ("Southwest", "Southwest carrier"),
        ("Southwest", "Support flags late deliveries"),
        ("West", "Price list"),
        ("West", "West hub"),
    ]
    by_carrier = events.per_panel(shown, "carrier", ["Meridian", "Other"])  # a carrier's orders span regions
    assert by_carrier.group_by("panel").len().sort("panel").rows() == [("Meridian", 4), ("Other", 4)]


def test_small_multiples_draw_each_panels_goal_and_events() -> None:
    frame = _twins()
    marks = {
        "panel_goals": targets.per_panel(GOALS, (SHIPPED, RECEIVED), {}, "region", REGIONS),
        "panel_events": events.per_panel(events.in_view(EVENTS, *WINDOW, {}), "region", REGIONS),
    }
    spec = small_multiples(frame, "region", "share", "By region", **marks).to_dict()
    assert spec["facet"]["field"] == "region"
    goals = {(r["region"], r["goal"]) for r in _rows(spec, "goal")}
    assert goals == {("Southwest", 0.90), ("West", 0.97), ("West", 0.95), ("Northeast", 0.95)}
    drawn = sorted((r["region"], r["event_label"], r["event_region"]) for r in _rows(spec, "event"))
    assert drawn == [
        ("Northeast", "Price list", None),
        ("Southwest", "Price list", None),
        ("Southwest", "Southwest carrier", "Southwest"),
        ("Southwest", "Support flags late deliveries", "Southwest"),
        ("West", "Price list", None),
        ("West", "West hub", "West"),
    ]
    assert len(_rows(spec, "data")) == frame.height  # the trend rows are all there, and only once
    filters = [layer.get("transform", [{}])[0].get("filter", "") for layer in spec["spec"]["layer"]]
    kinds = [layer["mark"]["type"] for layer in spec["spec"]["layer"]]
    assert all(f"=== '{m}'" in f for f, m in zip(filters, ["data"] * 3 + ["goal"] * 2 + ["event"] * 3, strict=True))
    assert kinds == ["area", "line", "point", "rule", "text", "rule", "text", "text"]


def test_small_multiples_without_goals_or_events_keep_one_plain_dataset() -> None:
    spec = small_multiples(_twins(), "region", "share", "By region").to_dict()
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["area", "line", "point"]
    assert all("transform" not in layer for layer in spec["spec"]["layer"])


def test_group_trends_put_goals_and_events_in_the_panel_of_their_label() -> None:
    frame = _twins().filter(pl.col("lens") == "On time as received").drop("lens", "min_n")
    marks = {
        "panel_goals": targets.per_panel(GOALS, (RECEIVED,), {}, "region", REGIONS),
        "panel_events": events.per_panel(events.in_view(EVENTS, *WINDOW, {}), "region", REGIONS),
    }
    spec = group_trends(frame, "region", "share", 30, "On time", "", **marks).to_dict()
    assert spec["facet"]["field"] == "label"
    assert sorted((r["label"], r["goal"]) for r in _rows(spec, "goal")) == [
        ("Northeast (n = 1200)", 0.95),
        ("Southwest (n = 1200)", 0.90),
        ("West (n = 1200)", 0.95),
    ]
    assert {r["goal_label"] for r in _rows(spec, "goal")} == {"Goal 90.0%", "Goal 95.0%"}  # one metric: short
    southwest = [r["event_label"] for r in _rows(spec, "event") if r["label"] == "Southwest (n = 1200)"]
    assert southwest == ["Price list", "Southwest carrier", "Support flags late deliveries"]


def test_labels_in_the_right_half_run_leftwards_and_close_labels_take_separate_lanes() -> None:
    # Axis Jan 1 - Jul 1 2026 (181 days) over 700 px: Mar 1 sits at 228 px, Apr 15 at 402 px, Jun 20 at 657 px.
    shown = pl.DataFrame(
        {
            "date": [date(2026, 3, 1), date(2026, 4, 15), date(2026, 6, 20)],
            "label": ["Meridian Freight changed its Southwest delivery network", "Support flags late", "Late"],
        }
    )
    placed = event_layout(shown, date(2026, 1, 1), date(2026, 7, 1), CHART_WIDTH_PX)
    assert placed.get_column("align").to_list() == ["left", "right", "right"]
    # Mar 1's label runs right to 228 + 180 px, Apr 15's left from 402 px by 18 * 5.6 px: they would overlap.
    assert placed.get_column("lane").to_list() == [2, 2 + EVENT_LANE_PX, 2]
    assert label_limit(CHART_WIDTH_PX) == EVENT_LABEL_PX
    assert label_limit(PANEL_WIDTH_PX) == PANEL_WIDTH_PX / 2 - 6  # a left label from mid-panel stops at its edge


def test_the_twin_trend_draws_right_half_labels_right_aligned() -> None:
    frame = _twins().filter(pl.col("region") == "West").drop("region")
    spec = twin_trend(frame, "share", "On time", events=events.in_view(EVENTS, *WINDOW, {})).to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert [(t["mark"]["align"], t["mark"]["dx"]) for t in texts] == [("left", 3), ("right", -3)]
    assert texts[1]["transform"] == [{"filter": "(datum.align === 'right')"}]
    right = [r["label"] for r in spec["datasets"][texts[1]["data"]["name"]] if r["align"] == "right"]
    assert right == ["Support flags late deliveries", "West hub"]  # Apr 15 and May 1: past the axis's middle


# The sample's layout: an event on the window's first day (its label at the top left), the story's two events
# past the middle (their labels run leftwards), and a goal near the top of the scale.
FULL_WINDOW = (date(2024, 11, 1), date(2026, 10, 1))
SAMPLE_EVENTS = pl.DataFrame(
    {
        "event_id": ["E1", "E2", "E3"],
        "date": [date(2026, 3, 1), date(2026, 4, 15), date(2024, 11, 1)],
        "label": [
            "Meridian Freight changed its Southwest delivery network",
            "Support flags late deliveries in Southwest",
            "Dedicated account team for Clinics",
        ],
        "region": [None, None, None],
        "segment": [None, None, None],
        "kind": ["carrier", "support", "sales"],
    }
)


def _full_width_twins() -> pl.DataFrame:
    months = pl.date_range(*FULL_WINDOW, "1mo", eager=True)
    rows = [
        {"period": p, "lens": lens, "min_n": 30, "n": 200, "value": v, "ci_low": v - 0.02, "ci_high": v + 0.02}
        for p in months
        for lens, v in (("On time as shipped", 0.96), ("On time as received", 0.90))
    ]
    return pl.DataFrame(rows)


def _goal_text(spec: dict) -> dict:
    (text,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text" and "goal" in str(layer["encoding"])]
    return text


def test_the_goal_label_sits_below_the_right_end_of_its_line_clear_of_the_first_event_label() -> None:
    """Was: the goal's label sat above the left end of its line, over the label of an event on the window's
    first day (both at the top left when the goal is near the top of the scale)."""
    goal = (Target(RECEIVED, 0.985),)
    spec = twin_trend(_full_width_twins(), "share", "On time", goals=goal, events=SAMPLE_EVENTS).to_dict()
    text = _goal_text(spec)
    mark = text["mark"]
    assert (mark["align"], mark["dx"]) == ("right", -2)  # runs leftwards from the right edge: never cut there
    assert text["encoding"]["x"] == {"value": {"expr": "width"}}  # the drawn width, container or export
    assert "'top'" in mark["baseline"]["expr"] and "'bottom'" in mark["baseline"]["expr"]  # below, above at bottom
    # The first event's label is at the top left; the goal label's room at the right end is clear of it.
    label = spec["datasets"][text["data"]["name"]][0]["label"]
    room = (CHART_WIDTH_PX - len(label) * GOAL_CHAR_PX - EVENT_GAP_PX, CHART_WIDTH_PX)
    side, (start, stop) = event_spans(SAMPLE_EVENTS, *FULL_WINDOW, CHART_WIDTH_PX)[2]  # E3, on the first day
    assert (side, start) == ("left", 0.0) and stop < room[0]


def test_the_goal_label_goes_to_the_left_end_only_when_an_event_label_fills_the_right_end() -> None:
    late = SAMPLE_EVENTS.filter(pl.col("event_id") == "E1").with_columns(date=pl.lit(date(2026, 9, 20)))
    goal = (Target(RECEIVED, 0.95),)
    spec = twin_trend(_full_width_twins(), "share", "On time", goals=goal, events=late).to_dict()
    text = _goal_text(spec)
    assert (text["mark"]["align"], text["encoding"]["x"]) == ("left", {"value": 0})
    # Both ends taken (an event at each end): the right end, where the latest values are read against the goal.
    spans = [span for _, span in event_spans(pl.concat([late, SAMPLE_EVENTS]), *FULL_WINDOW, CHART_WIDTH_PX)]
    assert goal_end(["Goal, On time as received: 95.0%"], spans, CHART_WIDTH_PX) == "right"
    assert goal_end(["Goal"], [], CHART_WIDTH_PX) == "right"


def test_the_drawn_goal_label_is_at_the_right_end_and_inside_the_plot() -> None:
    """Rendered (vl-convert, as the exports are): the label's anchor is the plot's right edge, and a goal at the
    bottom of the scale puts its label above the line, off the axis labels."""
    import re

    import vl_convert as vlc

    for value in (0.985, 0.86):  # near the top of the scale; at its bottom
        chart = twin_trend(_full_width_twins(), "share", "t", goals=(Target(RECEIVED, value),), events=SAMPLE_EVENTS)
        svg = vlc.vegalite_to_svg(chart.properties(width=CHART_WIDTH_PX, height=300).to_json())
        found = re.search(r'<text[^>]*transform="translate\(([\d.]+),([\d.]+)\)"[^>]*>Goal, ', svg)
        assert found is not None, "the goal label is drawn"
        x, y = float(found.group(1)), float(found.group(2))
        assert CHART_WIDTH_PX - 4 <= x <= CHART_WIDTH_PX and 0 <= y < 300, (value, x, y)  # below 300: the axis


def _event_texts(spec: dict) -> list[dict]:
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == "text" and "lane" in str(layer["encoding"])]


def test_close_events_on_a_half_width_chart_take_separate_lanes() -> None:
    """Was: a chart in half the page (Satisfaction's NPS, CSAT, CES) placed its labels for CHART_WIDTH_PX, where
    the first day's label and the story's are apart; drawn half as wide they overprinted ("for CMeridian")."""
    both = SAMPLE_EVENTS.filter(pl.col("event_id").is_in(["E1", "E3"]))
    clinics, meridian = "Dedicated account team for Clinics", both.get_column("label")[0]
    assert event_layout(both, *FULL_WINDOW, CHART_WIDTH_PX).get_column("lane").to_list() == [2, 2]  # apart there
    # Half as wide: Mar 1 2026 sits at 236 px and its label runs left to 66 px, over Nov 1's, which runs to 170 px.
    spans = [span for _, span in event_spans(both, *FULL_WINDOW, HALF_WIDTH_PX)]
    assert spans[0][0] < spans[1][1], "they would overlap in one lane"
    frame = _full_width_twins().filter(pl.col("lens") == "On time as received").drop("lens", "min_n")
    spec = band_trend(frame, "share", 30, "Received", "By month", events=both, width_px=HALF_WIDTH_PX).to_dict()
    texts = _event_texts(spec)
    assert {t["mark"]["limit"] for t in texts} == {label_limit(HALF_WIDTH_PX)}  # a left label stops at the edge
    lanes = {r["label"]: r["lane"] for t in texts for r in spec["datasets"][t["data"]["name"]]}
    assert lanes == {clinics: 2 + EVENT_LANE_PX, meridian: 2}  # the first placed (by row) keeps the top lane


def test_the_satisfaction_pages_half_width_trends_place_their_labels_for_half_the_page() -> None:
    at = run_page("pages/satisfaction.py", {"chart": "satisfaction-nps-trend"})
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("vega_lite_chart")
    texts = _event_texts(json.loads(chart.proto.spec))
    assert texts and {t["mark"]["limit"] for t in texts} == {label_limit(HALF_WIDTH_PX)}
    rows = pl.concat(
        [pl.from_arrow(pa.ipc.open_stream(d.data.data).read_all()) for d in chart.proto.datasets],
        how="diagonal_relaxed",
    )
    lanes = dict(rows.filter(pl.col("lane").is_not_null()).select("label", "lane").unique().iter_rows())
    story = f"{STORY.carrier} changed its {STORY.region} delivery network"
    assert lanes[story] != lanes[f"Dedicated account team for {STORY.focus_segment}"]


def test_the_data_is_drawn_below_the_event_labels_lanes() -> None:
    """Was: the labels in the top lanes sat on the ~96 % shipped line, which ran through the text. The value
    scale's range ends below the lanes in use; no layer is added for it."""
    spec = twin_trend(_full_width_twins(), "share", "On time", events=SAMPLE_EVENTS).to_dict()
    lanes = [r["lane"] for t in _event_texts(spec) for r in spec["datasets"][t["data"]["name"]]]
    room = max(lanes) + EVENT_LANE_PX
    assert sorted(set(lanes)) == [2, 2 + EVENT_LANE_PX] and room == 2 + 2 * EVENT_LANE_PX  # two lanes in use
    scaled = [layer["encoding"]["y"]["scale"] for layer in spec["layer"] if layer["mark"]["type"] in ("area", "line")]
    assert scaled == [{"range": [{"expr": "height"}, room], "zero": False}] * 2
    # band, line and points; the events' rule and their labels (left and right): nothing more
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "point", "rule", "text", "text"]
    plain = twin_trend(_full_width_twins(), "share", "On time").to_dict()  # no labels: the whole height
    assert plain["layer"][0]["encoding"]["y"]["scale"] == {"zero": False}


def _drawn(chart: alt.LayerChart) -> tuple[list[float], list[float]]:
    """Rendered (vl-convert, as the exports are): the y of every vertex of the lines, and of every event label's
    baseline, in the plot's pixels (0 at its top)."""
    import re

    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.properties(width=CHART_WIDTH_PX, height=300).to_json())
    lines = re.findall(r'<g class="mark-line role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    labels = re.findall(r'<g class="mark-text role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    ys = [float(y) for line in lines for y in re.findall(r"[ML]-?[\d.]+,(-?[\d.]+)", line)]
    baselines = [float(y) for text in labels for y in re.findall(r'translate\(-?[\d.]+,(-?[\d.]+)\)"', text)]
    return ys, baselines


def test_the_drawn_lines_stay_below_the_drawn_event_labels() -> None:
    """Shipped at 100 % in the last months: its line reaches the plot's top, where the labels are."""
    shipped = pl.col("lens") == "On time as shipped"
    at_top = _full_width_twins().with_columns(
        value=pl.when(shipped).then(1.0).otherwise("value"), ci_high=pl.when(shipped).then(1.0).otherwise("ci_high")
    )
    ys, _ = _drawn(twin_trend(at_top, "share", "t"))
    assert min(ys) == 0, "without labels the line runs along the top"
    ys, baselines = _drawn(twin_trend(at_top, "share", "t", events=SAMPLE_EVENTS))
    assert baselines and min(ys) >= max(baselines) + 4, (min(ys), baselines)  # clear of the lowest label's descenders


def _chart(at, facet: str) -> tuple[dict, pl.DataFrame]:
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("facet", {}).get("field") == facet:
            (data,) = chart.proto.datasets
            return spec, pl.from_arrow(pa.ipc.open_stream(data.data.data).read_all())
    raise AssertionError(f"no chart faceted by {facet}")


def test_delivery_by_region_shows_the_southwest_goal_and_events_in_its_panel_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(
        '[[target]]\nmetric = "delivery.on_time_received"\ngoal = 0.95\n\n'
        '[[target]]\nmetric = "delivery.on_time_received"\ngoal = 0.9\nwhere = { region = ["Southwest"] }\n'
    )
    monkeypatch.setenv(targets.TARGETS_ENV, str(goals))
    at = run_page("pages/delivery.py", {"chart": "delivery-on-time-by-region"})
    _, rows = _chart(at, "region")
    goal = rows.filter(pl.col(MARK) == "goal").select("region", "goal").sort("region")
    panels = rows.filter(pl.col(MARK) == "data").get_column("region").unique().sort().to_list()
    assert goal.rows() == [(r, 0.9 if r == STORY.region else 0.95) for r in panels]
    shown = rows.filter(pl.col(MARK) == "event")
    story = shown.filter(pl.col("event_region") == STORY.region).get_column("region").unique().to_list()
    assert story == [STORY.region]  # the Southwest's events in the Southwest's panel only


def test_the_lead_time_chart_draws_its_goal_and_the_views_events() -> None:
    frame = pl.DataFrame(
        {
            "period": [date(2026, m, 1) for m in (1, 2, 3)] * 2,
            "lens": ["Order to ship"] * 3 + ["Order to receipt"] * 3,
            "stat": ["median"] * 6,
            "days": [1.0, 1.2, 1.1, 3.5, 4.2, 5.0],
        }
    )
    goal = (Target("delivery.lead_time_customer", 4.0),)
    spec = lead_time_lines(frame, "Lead time", "", goals=goal, events=events.in_view(EVENTS, *WINDOW, {})).to_dict()
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    goal_rows = spec["datasets"][rules[0]["data"]["name"]]
    assert [(r["goal"], r["label"]) for r in goal_rows] == [(4.0, "Goal, Lead time to receipt: 4.0 d")]
    event_rows = spec["datasets"][rules[1]["data"]["name"]]
    assert [r["label"] for r in event_rows] == [
        "Price list",
        "Southwest carrier",
        "Support flags late deliveries",
        "West hub",
    ]


def test_the_revenue_retention_lines_draw_the_views_events() -> None:
    frame = pl.DataFrame(
        {
            "period": [date(2026, m, 1) for m in (1, 2, 3)] * 2,
            "metric": ["Gross revenue retention"] * 3 + ["Net revenue retention"] * 3,
            "value": [1.0, 0.9, 0.85, 1.0, 1.05, 1.1],
            "n": [100] * 6,
            "start_revenue": [1000.0] * 6,
        }
    )
    shown = events.in_view(EVENTS, *WINDOW, {"region": ("West",)})
    spec = revenue_retention_lines(frame, "GRR and NRR", "", events=shown).to_dict()
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule" and "data" in layer]
    assert [r["label"] for r in spec["datasets"][rules[0]["data"]["name"]]] == ["Price list", "West hub"]


def test_events_of_no_panel_and_no_trend_rows_draw_nothing_and_do_not_fail() -> None:
    elsewhere = events.per_panel(events.in_view(EVENTS, *WINDOW, {}), "region", ["Pacific"])  # no such panel
    spec = small_multiples(_twins(), "region", "share", "By region", panel_events=elsewhere).to_dict()
    assert not _rows(spec, "event") and [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == [
        "area",
        "line",
        "point",
    ]
    assert event_layout(EVENTS.clear(), date(2026, 1, 1), date(2026, 7, 1), CHART_WIDTH_PX).columns[-2:] == [
        "align",
        "lane",
    ]
