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
