"""How values read on a card, in a table or a tooltip. The unit rules live in metrics.analysis.units (the
digest and alerts write the same numbers); re-exported here so pages keep one `fmt` import."""

from __future__ import annotations

import re
from datetime import timedelta

from metrics.analysis.units import (
    UNIT_AXIS_FORMAT,
    count,
    delta,
    interval,
    interval_text,
    no_change,
    signed,
    value,
)

__all__ = [
    "COUNT_GRID_FORMAT",
    "UNIT_AXIS_FORMAT",
    "age",
    "count",
    "delta",
    "interval",
    "interval_text",
    "md_escape",
    "no_change",
    "signed",
    "value",
]


# count() as st.dataframe's number columns spell it (printf, "," for thousands): a grid's counts read
# "2,000,000" as everywhere else in the app, and stay numbers (right-aligned, sorted as numbers).
COUNT_GRID_FORMAT = "%,d"


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
