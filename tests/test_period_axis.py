"""Trend x axes: ticks on the periods themselves, labelled at the periods' grain."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

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


def test_ticks_are_bucket_starts_and_few():
    weeks = _periods(date(2026, 6, 1), 17, step_days=7)  # Mondays
    ticks = period_x(weeks).to_dict()["axis"]["values"]
    assert len(ticks) <= MAX_TICKS
    assert all(date.fromisoformat(t).isoweekday() == 1 for t in ticks), "week ticks fall on the buckets' Mondays"
    two_months = period_x(_periods(date(2026, 8, 1), 2, months=1)).to_dict()["axis"]["values"]
    assert two_months == ["2026-08-01", "2026-09-01"], "two monthly points: two ticks, no day ticks between"


def test_no_periods_gives_a_plain_axis():
    assert "axis" not in period_x(pl.DataFrame({"period": []}, schema={"period": pl.Date})).to_dict()
