"""Goals: a goal per metric, optionally per region or segment ("on time as received >= 95 %"), from a
`targets` table of any source (connectors.contract; validated like every table) and/or targets.toml:

    [[target]]
    metric = "delivery.on_time_received"
    goal = 0.95                      # in the metric's unit; met at or above it (at or below when lower is better)
    where = { region = ["Southwest"] }   # optional: a region or segment goal beats the overall one

Errors name the file and the line (TOML syntax) or the target (its number and metric).

The dashboard reads $OUTSIDEIN_TARGETS, else targets.toml next to the sources file (in the working folder
when the app runs on the sample data); no such file: no goals from a file (app_path). When both give a goal
for the same metric and filter, the table's wins; the file's other goals still hold (merge).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import narwhals as nw

import metrics
from metrics.decisions.errors import DecisionError, entry_label, read_toml

FILTERS = ("region", "segment")
TARGETS_ENV = "OUTSIDEIN_TARGETS"
FILE_NAME = "targets.toml"


@dataclass(frozen=True)
class Target:
    metric: str
    goal: float
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def met(self, value: float) -> bool:
        return value >= self.goal if metrics.spec(self.metric).higher_is_better else value <= self.goal

    def distance(self, value: float) -> float:
        """How far the value is on the good side of the goal (negative: short of it), in the metric's unit."""
        diff = value - self.goal
        return diff if metrics.spec(self.metric).higher_is_better else -diff


def from_table(table: Any) -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """(goals, problems) of a validated `targets` table (any engine; a handful of rows, read whole); none for
    None. A row's region and segment (null: every one) are its filter. Two or more rows for one metric and
    filter: which holds would be a guess, so none does, and a problem line names them."""
    if table is None:
        return (), ()
    frame = nw.from_native(table).lazy().collect("polars")
    keyed: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], list[Target]] = {}
    for row in frame.rows(named=True):  # a handful of goals, each a Target
        where: dict[str, tuple[str, ...]] = {c: (str(row[c]),) for c in FILTERS if row.get(c) is not None}
        target = Target(row["metric"], float(row["goal"]), where)
        keyed.setdefault((target.metric, tuple(sorted(where.items()))), []).append(target)
    goals = tuple(found[0] for found in keyed.values() if len(found) == 1)
    problems = tuple(
        f"the targets table sets {len(found)} goals for {found[0].metric}"
        + "".join(f", {k} {v[0]}" for k, v in found[0].where.items())
        + f" ({', '.join(str(t.goal) for t in found)}): none is used"
        for found in keyed.values()
        if len(found) > 1
    )
    return goals, problems


def merge(table: tuple[Target, ...], file: tuple[Target, ...]) -> tuple[Target, ...]:
    """The table's goals, then the file's for every (metric, filter) the table does not set: the table wins."""
    keys = {(t.metric, tuple(sorted(t.where.items()))) for t in table}
    return table + tuple(t for t in file if (t.metric, tuple(sorted(t.where.items()))) not in keys)


def load(path: Path) -> tuple[Target, ...]:
    data, lines = read_toml(path, "targets file", "target")
    raw = data.get("target", [])
    if not isinstance(raw, list):
        raise DecisionError(f"{path}: targets are [[target]] tables")
    return tuple(_target(entry_label(path, "target", i + 1, lines), t) for i, t in enumerate(raw))


def _target(label: str, raw: Any) -> Target:
    if not isinstance(raw, dict):
        raise DecisionError(f"{label} must be a table")
    name = raw.get("metric")
    if name not in metrics.names():
        raise DecisionError(f"{label}: unknown metric {name!r} (see `python -m metrics list`)")
    unknown = sorted(set(raw) - {"metric", "goal", "where"})
    if unknown:
        raise DecisionError(f"{label} ({name}): unknown key(s) {', '.join(unknown)}; known: goal, metric, where")
    goal = raw.get("goal")
    if isinstance(goal, bool) or not isinstance(goal, int | float):
        raise DecisionError(f"{label} ({name}): goal must be a number in the metric's unit")
    where = raw.get("where", {})
    if not isinstance(where, dict) or not set(where) <= set(FILTERS):
        raise DecisionError(f"{label} ({name}): where may filter {' and '.join(FILTERS)} only")
    values = {k: tuple(map(str, v if isinstance(v, list) else [v])) for k, v in where.items()}
    return Target(name, float(goal), values)


def for_view(targets: tuple[Target, ...], metric: str, where: Mapping[str, Any]) -> Target | None:
    """The goal for `metric` in a view filtered by `where`: the one whose filter matches the view's exactly,
    else the overall one (a view of other regions has no goal of its own)."""
    view = {k: tuple(map(str, v)) for k, v in where.items() if v}
    mine = [t for t in targets if t.metric == metric]
    return next((t for t in mine if t.where == view), next((t for t in mine if not t.where), None))


def app_path(sources: Path | None) -> Path | None:
    """The dashboard's targets file: $OUTSIDEIN_TARGETS (which must exist: load() says so), else targets.toml
    next to the `sources` file (the working folder without one, i.e. on sample data) if there is one."""
    env = os.environ.get(TARGETS_ENV)
    if env:
        return Path(env)
    beside = (sources.parent if sources is not None else Path()) / FILE_NAME
    return beside if beside.is_file() else None


def goals(targets: tuple[Target, ...], names: tuple[str, ...], where: Mapping[str, Any]) -> tuple[Target, ...]:
    """The view's goal (see for_view) for each of `names` that has one, in that order."""
    found = (for_view(targets, name, where) for name in names)
    return tuple(t for t in found if t is not None)


def per_panel(
    targets: tuple[Target, ...], names: tuple[str, ...], where: Mapping[str, Any], column: str, values: Iterable[Any]
) -> tuple[tuple[Any, Target], ...]:
    """The goals of each panel of a breakdown by `column` (one panel per value), as (value, goal) pairs: in a
    region's (segment's) panel the goal set for the view narrowed to that region (segment), else the view's
    own goal (goals: the view's or the overall one). A breakdown by anything else (carrier, review site) has
    no goals of its own: every panel shows the view's."""
    pairs: list[tuple[Any, Target]] = []
    for value in values:
        narrowed = {**where, column: (value,)} if column in FILTERS and value is not None else {}
        for name in names:
            own = for_view(targets, name, narrowed) if narrowed else None
            goal = own if own is not None and own.where else for_view(targets, name, where)
            if goal is not None:
                pairs.append((value, goal))
    return tuple(pairs)
