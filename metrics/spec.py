"""A metric is a frozen spec plus a pure function from lazy frames to a lazy frame.

The spec is what the UI shows as the metric's definition and what the registry,
the CLI and the contract tests read; the function holds the formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

import narwhals as nw

Grain = Literal["day", "week", "month", "quarter", "year", "all"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "all")
Lens = Literal["customer", "internal"]
# How compute() adds ci_low/ci_high to a series result (on the small collected frame):
#   wilson: needs n and `successes`; nps: n, promoters, detractors (adjusted Wald);
#   t: n, value (a mean) and `sd`; median: n, value and `sd` (normal approximation);
#   none: the function provides ci_low/ci_high itself or the metric has none.
Interval = Literal["wilson", "nps", "t", "median", "none"]
Kind = Literal["series", "cohort", "table"]


def _unknown() -> date | None:
    return None


@dataclass(frozen=True)
class Query:
    """What a metric function is asked for; frames arrive already filtered by where/start/end."""

    grain: Grain = "month"
    by: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    # Finds the data's last date (before filtering); asked only by metrics that read as_of, since it
    # costs a scan of the time column.
    last_date: Callable[[], date | None] = field(default=_unknown, repr=False, compare=False)

    @cached_property
    def as_of(self) -> date | None:
        """The data's last date in the time column, for "not yet due" logic (None for no data)."""
        return self.last_date()

    @property
    def seen_until(self) -> date | None:
        """The last day whose rows the metric sees: the window's end, at most the data's last date."""
        if self.end is not None and self.as_of is not None:
            return min(self.end, self.as_of)
        return self.end or self.as_of


MetricFn = Callable[[Mapping[str, nw.LazyFrame], Query], nw.LazyFrame]


@dataclass(frozen=True)
class MetricSpec:
    name: str  # stable, "area.metric"
    title: str
    lens: Lens
    unit: str  # "share" | "days" | "score" | "count" | "currency" | "ratio"
    higher_is_better: bool
    requires: tuple[str, ...]  # "table.column" the metric cannot run without
    definition: str  # formula, numerator, denominator, window, edge cases (shown in the UI)
    fn: MetricFn = field(repr=False, compare=False)
    time_column: str = ""  # "table.column" that start/end and grain apply to
    optional: tuple[str, ...] = ()  # "table.column" used when present (tables passed to fn if given)
    keys: tuple[str, ...] = ()  # grouping columns a series always has besides period and `by` (e.g. theme)
    min_n: int = 30
    twin: str | None = None
    kind: Kind = "series"
    interval: Interval = "wilson"
    extras: tuple[str, ...] = ()  # extra output columns beyond the series columns
    default_grain: Grain = "month"
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # option -> allowed values, first = default
    # True: the metric must see rows before `start` (was this customer new?). compute() then filters the time
    # table by `end` only, the function applies `start` where its rule needs it, and compute() keeps only the
    # buckets from the one holding `start` (the `cohort` column for cohort metrics, else `period`).
    history: bool = False

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.split(".", 1)[0] for r in self.requires))

    @property
    def optional_tables(self) -> tuple[str, ...]:
        return tuple(t for t in dict.fromkeys(r.split(".", 1)[0] for r in self.optional) if t not in self.tables)

    def check(self) -> None:
        """Raise ValueError naming what is wrong with this spec."""
        problems = []
        if self.name.count(".") != 1 or not all(self.name.split(".")):
            problems.append("name must be 'area.metric'")
        if self.lens not in ("customer", "internal"):
            problems.append(f"lens must be customer or internal, not {self.lens!r}")
        if not self.title or not self.definition.strip():
            problems.append("title and definition are required")
        if not (self.requires or self.optional) or any(r.count(".") != 1 for r in (*self.requires, *self.optional)):
            problems.append("requires must list 'table.column' entries (optional ones, for an any-of metric)")
        if self.kind == "series" and self.time_column.count(".") != 1:
            problems.append("series metrics need time_column 'table.column'")
        if self.default_grain not in GRAINS:
            problems.append(f"default_grain {self.default_grain!r} is not a grain")
        if not callable(self.fn):
            problems.append("fn is not callable")
        if problems:
            raise ValueError(f"metric spec {self.name!r}: " + "; ".join(problems))


SERIES_COLUMNS: tuple[str, ...] = ("period", "n", "value", "ci_low", "ci_high")
