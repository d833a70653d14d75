"""How values of each unit read: on a card, in a table, a tooltip, the digest and an alert (one home for all).

UNIT_AXIS_FORMAT is the d3 format a chart axis uses for the same unit (the dashboard's and the digest's PNGs).
"""

from __future__ import annotations

import math
from collections.abc import Callable

UNIT_AXIS_FORMAT = {
    "share": ".0%",
    "ratio": ".0%",
    "days": ".1f",
    "score": ".0f",
    "mean": ".2f",
    "count": ",.0f",
    "currency": "$,.0f",
}


PERCENT = ("share", "ratio")  # read as percentages: their decimals are a percentage's
PLACES = {"share": 1, "ratio": 1, "days": 1, "score": 0, "currency": 0, "count": 0}  # decimals shown; others 2


def value(x: float | None, unit: str, extra: int = 0) -> str:
    """`x` as its unit reads; `extra` decimals more than usual where the usual ones would hide a difference
    (an interval's bounds, see `interval_text`)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    places = PLACES.get(unit, 2) + extra
    if unit in PERCENT:
        return f"{x:.{places}%}"
    if unit == "days":
        return f"{x:.{places}f} d"
    if unit == "score":
        return f"{x:+.{places}f}"
    if unit == "currency":
        return f"${x:,.{places}f}"
    if unit == "count":
        return f"{x:,.{places}f}"
    return f"{x:.{places}f}"


def signed(x: float, decimals: int) -> str:
    """`x` with its sign at `decimals` places; one that rounds to zero there reads "0.0", with no sign: a change
    too small to show is no change, never a "-0.0" decrease (or a "+0.0" rise)."""
    text = f"{x:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def delta(x: float | None, unit: str) -> str | None:
    """Change between two values: shares in percentage points, others in their unit. One that rounds to zero
    at the shown precision reads "0.0 pts" (see `signed`, and `no_change` for how a card draws it)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if unit in ("share", "ratio"):
        return f"{signed(100 * x, 1)} pts"
    if unit == "days":
        return f"{signed(x, 1)} d"
    if unit == "score":
        return signed(x, 1)
    return signed(x, 2)


def no_change(x: float | None, unit: str) -> bool:
    """Whether `delta(x, unit)` reads as no change (it rounds to zero as shown): drawn grey and without an
    arrow, whatever the sign of the unrounded change."""
    text = delta(x, unit)
    return text is not None and not text.startswith(("+", "-"))


def count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def interval_text(low: float, high: float, show: Callable[[float, int], str], step: float, joiner: str = " – ") -> str:
    """'95 % CI <low><joiner><high>', each bound as `show(x, extra)` writes it with `extra` more decimals than
    usual: none, or one where the usual precision writes both bounds the same ("1.0 d – 1.0 d" says nothing).
    When even that cannot tell them apart they are less than `step` (one unit of that extra decimal) apart, and
    the estimate lies between them: "95 % CI within ±<step>" says so."""
    for extra in (0, 1):
        shown = show(low, extra), show(high, extra)
        if shown[0] != shown[1]:
            return f"95 % CI {shown[0]}{joiner}{shown[1]}"
    return f"95 % CI within ±{show(step, 1).lstrip('+')}"


def interval(low: float | None, high: float | None, unit: str) -> str:
    """A value's 95 % interval as its unit reads ('95 % CI 1.0 d – 1.2 d'), see `interval_text`."""
    if low is None or high is None:
        return "no interval"
    places = PLACES.get(unit, 2) + 1
    step = 10.0**-places / (100 if unit in PERCENT else 1)  # one unit of the extra decimal, in the unit
    return interval_text(low, high, lambda x, extra: value(x, unit, extra), step)
