"""The last trend charts that drew no goals or events now do: the generic view's one-line-per-key chart
(/catalog?metric= for metrics with keys, e.g. voice.themes) draws the view's goal and events, and the Voice
themes chart draws the view's events in every theme's panel, filtered like its data."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pyarrow as pa

from connectors.sample import STORY
from metrics.decisions import events
from metrics.decisions.targets import Target
from tests.apptest import run_page
from tests.test_panel_marks import EVENTS, WINDOW
from ui.charts_trend import MARK, keyed_lines
from ui.voice.charts import themes_over_time

THEMES = ["Delivery speed", "Price"]
MONTHS = [date(2026, m, 1) for m in (1, 2, 3)]


def _keyed() -> pl.DataFrame:
    rows = [
        {"period": p, "source": s, "theme": t, "value": 10 + i, "n": 100}
        for i, p in enumerate(MONTHS)
        for s in ("surveys", "reviews")
        for t in ("delivery_speed", "price")
    ]
    return pl.DataFrame(rows)


def _layer_data(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_keyed_lines_draw_the_views_goal_and_events() -> None:
    west = events.in_view(EVENTS, *WINDOW, {"region": ("West",)})  # Price list (no region) and West hub
    goal = (Target("voice.themes", 12.0),)
    spec = keyed_lines(_keyed(), ("source", "theme"), "count", "Themes", "By month", goal, west).to_dict()
    kinds = [layer["mark"]["type"] for layer in spec["layer"]]
    # line and points, the goal's rule and label, the events' rules and their labels: Jan 5 in the left half
    # of the axis Jan 1 - May 1 (runs right), May 1 in the right half (runs left)
    assert kinds == ["line", "point", "rule", "text", "rule", "text", "text"]
    goal_rule, event_rule = spec["layer"][2], spec["layer"][4]
    goal_rows = [(r["goal"], r["label"]) for r in _layer_data(spec, goal_rule)]
    assert goal_rows == [(12.0, "Goal, Themes customers mention: 12")]
    placed = [(r["label"], r["align"]) for r in _layer_data(spec, event_rule)]
    assert placed == [("Price list", "left"), ("West hub", "right")]
    assert len(_layer_data(spec, spec["layer"][0])) == 12  # 3 months x 2 sources x 2 themes, one line each


def test_keyed_lines_without_goals_or_events_draw_lines_and_points_only() -> None:
    spec = keyed_lines(_keyed(), ("source", "theme"), "count", "Themes", "By month").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    nothing = events.in_view(EVENTS, date(2025, 1, 1), date(2025, 3, 1), {})  # no event in that window
    spec = keyed_lines(_keyed(), ("source", "theme"), "count", "Themes", "By month", events=nothing).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]


def _themes() -> pl.DataFrame:
    rows = [
        {"period": p, "channel": c, "theme": label.lower(), "label": label, "n": 200, "mentions": 20}
        | {"share": 0.1, "ci_low": 0.06, "ci_high": 0.15, "complete": True}
        for p in MONTHS
        for c in ("surveys", "reviews")
        for label in THEMES
    ]
    return pl.DataFrame(rows)


def test_every_theme_panel_draws_the_views_events() -> None:
    southwest = events.in_view(EVENTS, *WINDOW, {"region": ("Southwest",)})  # not West hub
    frame = _themes()
    spec = themes_over_time(frame, "Themes", "", panel_events=events.per_panel(southwest, "label", THEMES)).to_dict()
    (rows,) = spec["datasets"].values()  # facets take one dataset: the trend rows and the event rows
    drawn = sorted((r["label"], r["event_label"]) for r in rows if r[MARK] == "event")
    assert drawn == [
        (theme, event)
        for theme in THEMES
        for event in ("Price list", "Southwest carrier", "Support flags late deliveries")
    ]
    assert sum(r[MARK] == "data" for r in rows) == frame.height
    layers = spec["spec"]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["area", "line", "point", "rule", "text", "text"]
    filters = [layer["transform"][0]["filter"] for layer in layers]
    assert all(f"=== '{m}'" in f for f, m in zip(filters, ["data"] * 3 + ["event"] * 3, strict=True))


def test_theme_panels_without_events_keep_one_plain_dataset() -> None:
    spec = themes_over_time(_themes(), "Themes", "").to_dict()
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["area", "line", "point"]
    assert all("transform" not in layer for layer in spec["spec"]["layer"])


def _chart(at, title: str) -> tuple[dict, pl.DataFrame]:
    """The spec and the (one) dataset of the page's chart titled `title`."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("title", {}).get("text") == title:
            (data,) = chart.proto.datasets
            return spec, pl.from_arrow(pa.ipc.open_stream(data.data.data).read_all())
    raise AssertionError(f"no chart titled {title}")


def test_the_voice_page_draws_the_sample_events_of_the_view_in_every_theme_panel() -> None:
    # A Consumer view: the Clinics account team's event concerns another segment, so it is not drawn.
    at = run_page("pages/voice.py", {"segment": "Consumer", "chart": "voice-themes-over-time"})
    assert not at.exception, [e.value for e in at.exception]
    _, rows = _chart(at, "Themes over time, by source")
    shown = rows.filter(pl.col(MARK) == "event")
    panels = rows.filter(pl.col(MARK) == "data").get_column("label").unique().sort().to_list()
    by_panel = shown.group_by("label").agg(pl.col("event_label").sort()).sort("label")
    story = [
        f"{STORY.carrier} changed its {STORY.region} delivery network",
        f"Support flags late deliveries in {STORY.region}",
    ]
    assert by_panel.rows() == [(p, story) for p in panels] and len(panels) > 1


def test_the_generic_view_of_a_keyed_metric_draws_the_sample_events() -> None:
    at = run_page("pages/catalog.py", {"metric": "voice.themes", "region": "Northeast"})
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert [layer["mark"]["type"] for layer in spec["layer"]][:3] == ["line", "point", "rule"]
    # In a Northeast view only the event that names no region: the Clinics account team.
    labels = {
        row["label"]
        for data in chart.proto.datasets
        for row in pl.from_arrow(pa.ipc.open_stream(data.data.data).read_all()).to_dicts()
        if "align" in row
    }
    assert labels == {f"Dedicated account team for {STORY.focus_segment}"}
