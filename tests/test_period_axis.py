"""Trend x axes: ticks on the periods themselves, labelled at the periods' grain."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import polars as pl
import pytest

from tests.browser_harness import ROOT
from ui.period_axis import MAX_TICKS, label_format, period_x


def _periods(start: date, count: int, step_days: int | None = None, months: int | None = None) -> pl.DataFrame:
    if months:
        days = [
            date(start.year + (start.month - 1 + i * months) // 12, (start.month - 1 + i * months) % 12 + 1, 1)
            for i in range(count)
        ]
    else:
        days = [start + timedelta(days=i * (step_days or 1)) for i in range(count)]
    return pl.DataFrame({"period": days})


@pytest.mark.parametrize(
    ("frame", "fmt"),
    [
        (_periods(date(2026, 8, 1), 2, months=1), "%b %Y"),
        (_periods(date(2024, 10, 1), 9, months=3), "Q%q %Y"),
        (_periods(date(2022, 1, 1), 4, months=12), "%Y"),
        (_periods(date(2026, 6, 1), 17, step_days=7), "%d %b %Y"),
        (_periods(date(2026, 6, 1), 40), "%d %b %Y"),
        (_periods(date(2026, 6, 1), 1), "%b %Y"),
    ],
)
def test_label_format_follows_the_spacing_of_the_periods(frame, fmt):
    assert label_format(frame["period"]) == fmt
    assert period_x(frame).to_dict()["axis"]["format"] == fmt


def _tick_days(frame: pl.DataFrame) -> list[date]:
    return [date(t["year"], t["month"], t["date"]) for t in period_x(frame).to_dict()["axis"]["values"]]


def test_ticks_are_bucket_starts_and_few():
    ticks = _tick_days(_periods(date(2026, 6, 1), 17, step_days=7))  # Mondays
    assert len(ticks) <= MAX_TICKS
    assert all(t.isoweekday() == 1 for t in ticks), "week ticks fall on the buckets' Mondays"
    two_months = _tick_days(_periods(date(2026, 8, 1), 2, months=1))
    assert two_months == [date(2026, 8, 1), date(2026, 9, 1)], "two monthly points: two ticks, no day ticks between"


_RENDER = """
import re, sys
from datetime import date
import polars as pl, vl_convert as vlc
from ui.charts_trend import band_trend
frame = pl.DataFrame({"period": [date(2026, m, 1) for m in (1, 2, 3)], "n": [50] * 3, "value": [0.9, 0.8, 0.7]})
frame = frame.with_columns(ci_low=pl.col("value") - 0.05, ci_high=pl.col("value") + 0.05)
svg = vlc.vegalite_to_svg(band_trend(frame, "share", 30, "t", "s").to_dict())
print(" ".join(re.findall(r">([A-Z][a-z]{2} 2026)<", svg)))
"""


@pytest.mark.parametrize("tz", ["America/Los_Angeles", "UTC", "Asia/Tokyo"])
def test_labels_name_each_bucket_in_any_browser_time_zone(tz):
    """Vega reads dates in the viewer's time zone (vl-convert takes it from TZ): each tick must name its month."""
    out = subprocess.run(
        [sys.executable, "-c", _RENDER], env={**os.environ, "TZ": tz}, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Jan", "2026", "Feb", "2026", "Mar", "2026"]


def test_no_periods_gives_a_plain_axis():
    assert "axis" not in period_x(pl.DataFrame({"period": []}, schema={"period": pl.Date})).to_dict()
