"""How values of each unit read: on a card, in a table, a tooltip, the digest and an alert (one home for all).

UNIT_AXIS_FORMAT is the d3 format a chart axis uses for the same unit (the dashboard's and the digest's PNGs).
"""

from __future__ import annotations

import math

UNIT_AXIS_FORMAT = {
    "share": ".0%",
    "ratio": ".0%",
    "days": ".1f",
    "score": ".0f",
    "mean": ".2f",
    "count": ",.0f",
    "currency": "$,.0f",
}


def value(x: float | None, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if unit in ("share", "ratio"):
        return f"{x:.1%}"
    if unit == "days":
        return f"{x:.1f} d"
    if unit == "score":
        return f"{x:+.0f}"
    if unit == "currency":
        return f"${x:,.0f}"
    if unit == "count":
        return f"{x:,.0f}"
    return f"{x:.2f}"


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


def interval(low: float | None, high: float | None, unit: str) -> str:
    if low is None or high is None:
        return "no interval"
    return f"95 % CI {value(low, unit)} – {value(high, unit)}"
