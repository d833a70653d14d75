"""How numbers read (metrics.analysis.units, re-exported by ui.format), on known values."""

from __future__ import annotations

import pytest

from ui import format as fmt


@pytest.mark.parametrize(
    ("change", "unit", "shown"),
    [
        (-0.0004, "share", "0.0 pts"),  # -0.04 points: the executive's red "-0.0 pts"
        (0.0004, "share", "0.0 pts"),
        (-0.0, "ratio", "0.0 pts"),
        (-0.04, "days", "0.0 d"),
        (-0.04, "score", "0.0"),
        (-0.004, "mean", "0.00"),
        (-0.0006, "share", "-0.1 pts"),  # rounds away from zero: a change, with its sign
        (0.0006, "share", "+0.1 pts"),
        (-0.06, "days", "-0.1 d"),
        (2.0, "score", "+2.0"),
    ],
)
def test_a_change_that_rounds_to_zero_reads_as_no_change(change: float, unit: str, shown: str) -> None:
    assert fmt.delta(change, unit) == shown
    assert fmt.no_change(change, unit) is not shown.startswith(("+", "-"))


def test_no_change_needs_a_change() -> None:
    assert fmt.delta(None, "share") is None and not fmt.no_change(None, "share")
    assert not fmt.no_change(float("nan"), "share")


def test_signed_drops_the_sign_of_a_zero() -> None:
    assert [fmt.signed(x, 1) for x in (-0.04, 0.04, -0.05001, 12.34, -50.0)] == ["0.0", "0.0", "-0.1", "+12.3", "-50.0"]


@pytest.mark.parametrize(
    ("low", "high", "unit", "shown"),
    [
        (0.91, 1.12, "days", "95 % CI 0.9 d – 1.1 d"),  # bounds apart as usual: as before
        (57.0, 63.0, "score", "95 % CI +57 – +63"),
        (0.98, 1.03, "days", "95 % CI 0.98 d – 1.03 d"),  # both "1.0 d": one more decimal tells them apart
        (0.9012, 0.9014, "share", "95 % CI 90.12% – 90.14%"),
        (57.2, 57.4, "score", "95 % CI +57.2 – +57.4"),
        (100.2, 100.4, "currency", "95 % CI $100.2 – $100.4"),
        (1.231, 1.234, "mean", "95 % CI 1.231 – 1.234"),
        # too narrow even for one more decimal: says how narrow
        (1.001, 1.004, "days", "95 % CI within ±0.01 d"),  # "1.00 d" both: less than 0.01 d apart
        (0.90121, 0.90123, "share", "95 % CI within ±0.01%"),
        (57.21, 57.24, "score", "95 % CI within ±0.1"),
        (100.21, 100.24, "currency", "95 % CI within ±$0.1"),
        (1.2341, 1.2344, "mean", "95 % CI within ±0.001"),
    ],
)
def test_an_interval_shows_one_more_decimal_when_its_bounds_would_read_the_same_else_how_narrow(
    low: float, high: float, unit: str, shown: str
) -> None:
    assert fmt.interval(low, high, unit) == shown


def stars(x: float, extra: int) -> str:
    return f"{x:.{1 + extra}f}"  # the late-delivery sentence's one decimal


def test_interval_text_takes_any_precision_and_joiner() -> None:
    assert fmt.interval_text(1.26, 1.34, stars, 0.01, joiner=" to ") == "95 % CI 1.26 to 1.34"  # both "1.3"
    assert fmt.interval_text(1.1, 1.4, stars, 0.01, joiner=" to ") == "95 % CI 1.1 to 1.4"
    assert fmt.interval_text(1.301, 1.304, stars, 0.01) == "95 % CI within ±0.01"
    assert fmt.interval(None, 1.0, "days") == "no interval"


def test_values_read_as_before() -> None:
    assert [fmt.value(x, u) for x, u in ((0.9012, "share"), (1.04, "days"), (59.6, "score"), (1234.5, "currency"))] == [
        "90.1%",
        "1.0 d",
        "+60",
        "$1,234",
    ]
    assert [fmt.value(2_000_000, "count"), fmt.value(1.234, "mean"), fmt.value(None, "days")] == [
        "2,000,000",
        "1.23",
        "–",
    ]
