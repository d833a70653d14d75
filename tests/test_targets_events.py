"""Goals and events on the dashboard: which apply to a view, where the app finds targets.toml, and how the
cards and trend charts show them."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from connectors.contract import TABLES
from connectors.sample import STORY, generate
from metrics.analysis.shifts import share_shifts
from metrics.decisions import events, targets
from metrics.decisions.targets import Target
from tests.apptest import run_page
from ui.charts_trend import band_trend, twin_trend

EVENTS = pl.DataFrame(
    {
        "event_id": ["a", "b", "c", "d", "e"],
        "date": [date(2026, 1, 5), date(2026, 2, 1), date(2026, 2, 20), date(2026, 3, 1), date(2026, 9, 1)],
        "label": ["Price list", "Southwest carrier", "West hub", "Clinics team", "Outside the window"],
        "region": [None, "Southwest", "West", None, None],
        "segment": [None, None, None, "Clinics", None],
        "kind": ["pricing", "carrier", "carrier", "sales", None],
    }
)
WINDOW = (date(2026, 1, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    ("where", "labels"),
    [
        ({}, ["Price list", "Southwest carrier", "West hub", "Clinics team"]),  # every region is in the view
        ({"region": ("Southwest",)}, ["Price list", "Southwest carrier", "Clinics team"]),
        ({"region": ("Southwest", "West")}, ["Price list", "Southwest carrier", "West hub", "Clinics team"]),
        ({"region": ("Northeast",)}, ["Price list", "Clinics team"]),
        ({"region": ("Northeast",), "segment": ("Consumer",)}, ["Price list"]),
    ],
)
def test_events_in_view_are_filtered_like_the_data(where: dict, labels: list[str]) -> None:
    assert events.in_view(EVENTS, *WINDOW, where).get_column("label").to_list() == labels


def test_events_without_optional_columns_or_table_give_an_empty_or_unfiltered_frame() -> None:
    bare = EVENTS.select("event_id", "date", "label")
    shown = events.in_view(bare, *WINDOW, {"region": ("Northeast",)})
    assert shown.columns == list(events.COLUMNS) and shown.height == 4  # no region: concerns every region
    assert events.in_view(None, *WINDOW, {}).is_empty()


def test_events_is_an_optional_contract_table_and_the_sample_logs_its_story() -> None:
    table = TABLES["events"]
    assert table.required == ("event_id", "date", "label") and table.key == "event_id"
    sample = generate(n_orders=500)["events"]
    story = sample.filter(pl.col("date") == STORY.since).row(0, named=True)
    assert story["region"] == STORY.region and STORY.carrier in story["label"]


def test_targets_file_env_then_beside_the_sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(targets.TARGETS_ENV, raising=False)
    sources = tmp_path / "sources.toml"
    assert targets.app_path(sources) is None  # no targets.toml there: no goals
    (tmp_path / "targets.toml").write_text("")
    assert targets.app_path(sources) == tmp_path / "targets.toml"
    monkeypatch.setenv(targets.TARGETS_ENV, "/elsewhere/goals.toml")
    assert targets.app_path(sources) == Path("/elsewhere/goals.toml")


def test_goals_for_a_view_prefer_its_own() -> None:
    rows = (
        Target("delivery.on_time_received", 0.95),
        Target("delivery.on_time_received", 0.90, {"region": ("Southwest",)}),
        Target("satisfaction.nps", 30),
    )
    names = ("delivery.on_time_shipped", "delivery.on_time_received")
    assert [t.goal for t in targets.goals(rows, names, {"region": ("Southwest",)})] == [0.90]
    assert [t.goal for t in targets.goals(rows, names, {"region": ("West",)})] == [0.95]


def _layers(spec: dict, mark: str) -> list[dict]:
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == mark]


def _twins() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period": [date(2026, m, 1) for m in (1, 2, 3)] * 2,
            "lens": ["On time as shipped"] * 3 + ["On time as received"] * 3,
            "min_n": [30] * 6,
            "n": [200] * 6,
            "value": [0.97, 0.96, 0.97, 0.93, 0.8, 0.7],
            "ci_low": [0.9] * 6,
            "ci_high": [0.99] * 6,
        }
    )


def test_twin_trend_draws_the_goal_line_and_labelled_event_rules() -> None:
    goal = (Target("delivery.on_time_received", 0.9),)
    shown = events.in_view(EVENTS, *WINDOW, {"region": ("Southwest",)})
    spec = twin_trend(_twins(), "share", "On time", goals=goal, events=shown).to_dict()
    rows = spec["datasets"]
    goal_rule = next(r for r in _layers(spec, "rule") if r["encoding"].get("y", {}).get("field") == "goal")
    assert rows[goal_rule["data"]["name"]] == [{"goal": 0.9, "label": "Goal, On time as received: 90.0%"}]
    event_rule = next(r for r in _layers(spec, "rule") if r["encoding"].get("x", {}).get("field") == "date")
    event_text = next(r for r in _layers(spec, "text") if r["encoding"]["x"].get("field") == "date")
    assert event_text["encoding"]["text"]["field"] == "label"
    drawn = rows[event_rule["data"]["name"]]
    assert [(r["date"][:10], r["label"]) for r in drawn] == [
        ("2026-01-05", "Price list"),
        ("2026-02-01", "Southwest carrier"),
        ("2026-03-01", "Clinics team"),
    ]


def test_trends_without_goals_or_events_draw_no_rules() -> None:
    spec = twin_trend(_twins(), "share", "On time", events=events.in_view(None, *WINDOW, {})).to_dict()
    assert not _layers(spec, "rule") and not _layers(spec, "text")
    nps = _twins().filter(pl.col("lens") == "On time as shipped")
    single = band_trend(nps, "score", 30, "NPS", "", goals=(Target("satisfaction.nps", 30),)).to_dict()
    assert [r["encoding"]["y"]["field"] for r in _layers(single, "rule")] == ["goal"]


def _chart_rows(chart, layer: dict) -> pl.DataFrame:
    data = {d.name: d.data.data for d in chart.proto.datasets}[layer["data"]["name"]]
    return pl.from_arrow(pa.ipc.open_stream(data).read_all())


def test_delivery_page_shows_the_regions_goal_on_its_card_and_chart(tmp_path, monkeypatch) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(
        '[[target]]\nmetric = "delivery.on_time_received"\ngoal = 0.95\n\n'
        '[[target]]\nmetric = "delivery.on_time_received"\ngoal = 0.9\nwhere = { region = ["Southwest"] }\n'
    )
    monkeypatch.setenv(targets.TARGETS_ENV, str(goals))
    at = run_page("pages/delivery.py", {"region": STORY.region})
    received = float(at.metric[1].value.rstrip("%"))
    note = next(m for c in at.caption if (m := re.search(r"goal 90\.0%: (\d+\.\d) pts short", c.value)))
    assert float(note.group(1)) == pytest.approx(90.0 - received, abs=0.051)  # the region's goal, not 95 %
    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    goal_rule = next(r for r in _layers(spec, "rule") if r["encoding"].get("y", {}).get("field") == "goal")
    assert _chart_rows(chart, goal_rule).get_column("goal").to_list() == [0.9]
    event_rule = next(r for r in _layers(spec, "rule") if r["encoding"].get("x", {}).get("field") == "date")
    assert STORY.since in _chart_rows(chart, event_rule).get_column("date").cast(pl.Date).to_list()


def test_a_broken_targets_file_is_named_and_the_page_works_on(tmp_path, monkeypatch) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text('[[target]]\nmetric = "delivery.on_time_received"\ngoal = "high"\n')
    monkeypatch.setenv(targets.TARGETS_ENV, str(goals))
    at = run_page("pages/delivery.py")
    assert any(str(goals) in w.value and "goal must be a number" in w.value for w in at.warning)
    assert len(at.metric) == 2 and at.get("vega_lite_chart")


def test_suggested_events_keep_significant_shifts_largest_first() -> None:
    # Hand-made series: North drops from 90 % to 60 % from March (300 orders a month), South wobbles 80-82 %.
    months = [date(2026, m, 1) for m in range(1, 7)]
    frame = pl.DataFrame(
        {
            "region": ["North"] * 6 + ["South"] * 6,
            "period": months * 2,
            "n": [300] * 12,
            "value": [0.9, 0.9, 0.6, 0.6, 0.6, 0.6, 0.8, 0.82, 0.8, 0.82, 0.8, 0.82],
        }
    )
    shifts = share_shifts(frame, "period", "n", "value", by=("region",), min_weight=30)
    rows = events.suggested(shifts, "region", "On time").to_dicts()
    assert rows == [
        {
            "event_id": "suggested-1",
            "date": date(2026, 3, 1),
            "label": "On time fell in North",
            "region": "North",
            "segment": None,
            "kind": "suggested",
            "before": pytest.approx(0.9),
            "after": pytest.approx(0.6),
        }
    ]


def test_delivery_and_retention_pages_suggest_the_planted_southwest_turn() -> None:
    for page in ("pages/delivery.py", "pages/retention.py"):
        at = run_page(page)
        offer = next(e for e in at.expander if e.label.startswith("Suggested events"))
        rows = [r for m in offer.markdown for r in m.value.splitlines() if r.startswith("| ")]
        southwest = [r for r in rows if f"in {STORY.region} |" in r]
        assert len(southwest) == 1, (page, rows)
        assert southwest[0].startswith(f"| {STORY.since} | ") and f"fell in {STORY.region}" in southwest[0], page
        assert not offer.dataframe, page  # a grid here loads 1.4 MB of JavaScript on every visit
