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


def delta(x: float | None, unit: str) -> str | None:
    """Change between two values: shares in percentage points, others in their unit."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if unit in ("share", "ratio"):
        return f"{100 * x:+.1f} pts"
    if unit == "days":
        return f"{x:+.1f} d"
    if unit == "score":
        return f"{x:+.1f}"
    return f"{x:+.2f}"


def count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def interval(low: float | None, high: float | None, unit: str) -> str:
    if low is None or high is None:
        return "no interval"
    return f"95 % CI {value(low, unit)} – {value(high, unit)}"
