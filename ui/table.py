"""Small static tables drawn as Markdown: a few rows that need no sorting, scrolling or cell selection.

st.dataframe draws a canvas grid whose JavaScript (about 1.4 MB: the grid, Arrow formatting, moment,
numbro) a browser loads and compiles before the table shows; st.table loads most of that too. A
Markdown table is drawn by the Markdown element every page already uses, so a page whose only tables
are a handful of rows (the Overview's perception gaps and rising themes) loads none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from ui import format as fmt


@dataclass(frozen=True)
class Column:
    header: str
    show: Callable[[Any], str] = str  # the cell's text from its value (None is shown as "–" before this)
    numeric: bool = False  # right-aligned, as numbers read


def cell(text: str) -> str:
    """One cell's text, safe inside a Markdown table row: markup escaped, line breaks folded."""
    return fmt.md_escape(" ".join(text.split()))


def markdown(frame: pl.DataFrame, columns: Mapping[str, Column]) -> str:
    """`frame`'s rows as a Markdown table of `columns` (frame column -> how it is shown), in row order."""
    head = "| " + " | ".join(cell(c.header) for c in columns.values()) + " |"
    rule = "| " + " | ".join("---:" if c.numeric else ":---" for c in columns.values()) + " |"
    body = [
        "| " + " | ".join(cell("–" if row[name] is None else c.show(row[name])) for name, c in columns.items()) + " |"
        for row in frame.select(list(columns)).iter_rows(named=True)
    ]
    return "\n".join([head, rule, *body])
