"""How values of each unit read on a card, in a table or a tooltip."""

from __future__ import annotations

import math
import re
from datetime import timedelta

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


def md_escape(text: str) -> str:
    """Escape Markdown so data values (region names, theme labels) inside a sentence show as written."""
    # Characters that start emphasis, links, code, HTML, headings, tables, strikethrough or LaTeX.
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", text)


def age(elapsed: timedelta) -> str:
    """How old something is, to the unit that matters: '42 s', '7 min', '3 h 5 min', '2 d 4 h'."""
    seconds = max(int(elapsed.total_seconds()), 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 60:
        return f"{seconds} s"
    if minutes < 60:
        return f"{minutes} min"
    if hours < 24:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"
