"""GRR/NRR, the voice themes chart and the lead-time chart draw an open period as open (hollow point, "so
far"), never like a finished one: the one rule is metrics.analysis.periods' `complete`, read here from the
frames the pages pass."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pyarrow as pa
import pytest

from metrics.analysis import periods
from tests.apptest import run_page
from ui.charts import OPEN_NOTE, OPEN_STATUS
from ui.charts_trend import lead_time_lines
from ui.retention.charts import revenue_lines
from ui.voice.charts import themes_over_time

JUL, OCT = date(2026, 7, 1), date(2026, 10, 1)
DATA_LAST = date(2026, 10, 20)  # October, and its quarter, are still open on this day


def _revenue(grain: str) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "period": [JUL, OCT] * 2,
            "metric": ["Gross revenue retention"] * 2 + ["Net revenue retention"] * 2,
            "value": [0.9, 0.6, 1.1, 0.7],  # the open period's run rate so far looks like a collapse
            "n": [100] * 4,
            "start_revenue": [1000.0] * 4,
        }
    )
    return periods.mark_complete(frame, grain, DATA_LAST)


# Per grain: a finished bucket and the one holding DATA_LAST (weeks start on Monday: 19 Oct 2026 is one).
BUCKETS = {"week": (date(2026, 10, 12), date(2026, 10, 19)), "month": (JUL, OCT), "quarter": (JUL, OCT)}


def _themes(grain: str) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "period": list(BUCKETS[grain]),
            "channel": ["surveys"] * 2,
            "theme": ["delivery_speed"] * 2,
            "label": ["Delivery speed"] * 2,
            "n": [200, 20],
            "mentions": [20, 8],
            "share": [0.1, 0.4],
            "ci_low": [0.06, 0.2],
            "ci_high": [0.15, 0.6],
        }
    )
    return periods.mark_complete(frame, grain, DATA_LAST)


def _points(layers: list[dict]) -> dict:
    return next(layer for layer in layers if layer["mark"]["type"] == "point")


def _rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_revenue_retention_draws_the_open_period_hollow(grain: str) -> None:
    spec = revenue_lines(_revenue(grain), "GRR and NRR", "monthly run rate").to_dict()
    points = _points(spec["layer"])
    assert points["encoding"]["fill"]["condition"]["test"] == "datum.complete"
    assert points["encoding"]["fill"]["value"] == "white"
    status = {(r["period"][:10], r["status"]) for r in _rows(spec)}
    assert status == {(str(JUL), OPEN_STATUS[0]), (str(OCT), OPEN_STATUS[1])}
    assert spec["title"]["subtitle"] == ["monthly run rate", OPEN_NOTE]
    assert not any("point" in str(layer["mark"]) and layer is not points for layer in spec["layer"])


def test_finished_periods_only_need_no_note() -> None:
    spec = revenue_lines(periods.mark_complete(_revenue("month"), "month", date(2026, 10, 31)), "t", "s").to_dict()
    assert {r["status"] for r in _rows(spec)} == {OPEN_STATUS[0]}
    assert spec["title"]["subtitle"] == ["s"]


@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
def test_voice_themes_draw_the_open_period_hollow(grain: str) -> None:
    frame = _themes(grain)
    spec = themes_over_time(frame, "Themes over time", "share of texts").to_dict()
    points = _points(spec["spec"]["layer"])
    assert points["encoding"]["fill"]["condition"]["test"] == "datum.complete"
    still_open = [r["period"][:10] for r in _rows(spec) if r["status"] == OPEN_STATUS[1]]
    assert still_open == [str(BUCKETS[grain][1])]
    assert OPEN_NOTE in spec["title"]["subtitle"]


def _lead_times() -> pl.DataFrame:
    """Two weeks per lens and statistic; the last (19 Oct 2026, holding DATA_LAST) still open: its p90 so far
    halves, as the Southwest's did in the sample."""
    rows = [
        {"period": week, "lens": lens, "stat": stat, "days": days / (2 if stat == "p90" and i else 1)}
        for i, week in enumerate(BUCKETS["week"])
        for lens, days in (("Order to ship", 2.0), ("Order to receipt", 8.0))
        for stat in ("median", "p90")
    ]
    return periods.mark_complete(pl.DataFrame(rows), "week", DATA_LAST)


def test_the_lead_time_chart_draws_the_open_week_hollow_and_says_so() -> None:
    spec = lead_time_lines(_lead_times(), "Lead time", "Median (solid) and 90th percentile (dashed)").to_dict()
    points = _points(spec["layer"])
    assert points["encoding"]["fill"]["condition"]["test"] == "datum.complete"
    assert points["encoding"]["fill"]["value"] == "white"
    rows = _rows(spec)  # lines and points share one dataset
    still_open = {(r["period"][:10], r["status"]) for r in rows if not r["complete"]}
    assert still_open == {(str(BUCKETS["week"][1]), OPEN_STATUS[1])}
    assert spec["title"]["subtitle"] == ["Median (solid) and 90th percentile (dashed)", OPEN_NOTE]
    # No point drawn by the line itself (it drew every period alike): the status points are the only ones.
    assert [layer["mark"] for layer in spec["layer"]][:2] == [
        {"type": "line"},
        {"type": "point", "filled": True, "opacity": 1, "size": 40},
    ]


def test_the_lead_time_legend_shows_solid_and_dashed_line_samples() -> None:
    """Was: dots for "median" and "p90" (the line's own points drew the legend's symbols)."""
    spec = lead_time_lines(_lead_times(), "Lead time").to_dict()
    dash = spec["layer"][0]["encoding"]["strokeDash"]
    assert (dash["field"], dash["legend"]["symbolType"]) == ("stat", "stroke")
    assert "subtitle" in spec["title"]  # the open week's note, even without a caller's subtitle
    finished = periods.mark_complete(_lead_times().drop("complete"), "week", date(2026, 10, 25))
    assert "subtitle" not in lead_time_lines(finished, "Lead time").to_dict()["title"]


def test_the_delivery_lead_time_chart_carries_the_open_week() -> None:
    """/delivery?region=Southwest&grain=week&tab=Lead+time: the sample's last week is still open."""
    at = run_page("pages/delivery.py", {"region": "Southwest", "grain": "week", "chart": "delivery-lead-time"})
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert OPEN_NOTE in spec["title"]["subtitle"]
    rows = pl.concat(
        [pl.from_arrow(pa.ipc.open_stream(d.data.data).read_all()) for d in chart.proto.datasets],
        how="diagonal_relaxed",
    ).filter(pl.col("stat").is_not_null())
    last = rows.get_column("period").max()
    assert rows.filter(~pl.col("complete")).get_column("period").unique().to_list() == [last]
    assert rows.filter(pl.col("complete")).height == rows.height - 4  # both lenses' median and p90
