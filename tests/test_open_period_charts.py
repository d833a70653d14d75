"""GRR/NRR and the voice themes chart draw an open period as open (hollow point, "so far"), never like a
finished one: the one rule is metrics.analysis.periods' `complete`, read here from the frames the pages pass."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.analysis import periods
from ui.charts import OPEN_NOTE, OPEN_STATUS
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
