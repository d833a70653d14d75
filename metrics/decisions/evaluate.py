"""Evaluate alert rules on the last finished period: fires, ok, or not judged (too few observations).

Only finished periods are read (metrics.analysis.periods), and outside_usual uses the dashboard's
significance rule (metrics.analysis.change.overlaps): the period's 95 % interval against the interval
of the previous N periods pooled (the metric computed over those periods as one window).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

import metrics
from metrics.analysis import change, periods
from metrics.analysis import units as fmt
from metrics.decisions import findings
from metrics.decisions.rules import Rule
from metrics.decisions.targets import Target, for_view

FIRES, OK, NOT_JUDGED = "fires", "ok", "not judged"


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    group: str  # "region=Southwest" for a `by` rule, "" for the whole rule
    period: date
    status: str  # FIRES, OK or NOT_JUDGED
    detail: str

    @property
    def period_name(self) -> str:
        return periods.label_of(self.period, self.rule.grain)

    def line(self) -> str:
        group = f" [{self.group}]" if self.group else ""
        return f"{self.rule.name}{group}, {self.period_name}: {self.detail}"


def evaluate(rule: Rule, tables: Mapping[str, Any], through: date, goals: tuple[Target, ...] = ()) -> list[Outcome]:
    """One outcome per group of the rule (one in all without `by`) for the last finished period."""
    period = findings.last_finished(through, rule.grain)
    spec = metrics.spec(rule.metric)
    now = _at(rule, rule.metric, tables, period)
    if now.is_empty():
        return [Outcome(rule, "", period, NOT_JUDGED, f"no data for {spec.title} in this period")]
    if rule.condition == "outside_usual":
        usual = _usual(rule, tables, period)
    elif rule.condition == "gap_above":
        twin = _at(rule, spec.twin or "", tables, period)
    out = []
    for row in now.to_dicts():
        group = ", ".join(f"{b}={row[b]}" for b in rule.by)
        said = f"{spec.title} {fmt.value(row['value'], spec.unit)} (n = {row['n']:,})"
        if row["n"] < spec.min_n or row["value"] is None:
            why = f"{said}: fewer than the metric's minimum of {spec.min_n} observations, so not judged"
            out.append(Outcome(rule, group, period, NOT_JUDGED, why))
            continue
        if rule.condition in ("below", "above"):
            limit = fmt.value(rule.threshold, spec.unit)
            hit = row["value"] < rule.threshold if rule.condition == "below" else row["value"] > rule.threshold
            out.append(
                Outcome(
                    rule,
                    group,
                    period,
                    FIRES if hit else OK,
                    f"{said} {rule.condition if hit else 'not ' + rule.condition} {limit}",
                )
            )
        elif rule.condition == "below_target":
            view = {**rule.where, **{b: [row[b]] for b in rule.by}}
            out.append(_below_target(rule, group, period, row, for_view(goals, rule.metric, view), said))
        elif rule.condition == "outside_usual":
            out.append(_outside_usual(rule, group, period, row, _match(usual, row, rule.by), said))
        else:
            out.append(_gap(rule, group, period, row, _match(twin, row, rule.by)))
    return out


def _at(rule: Rule, name: str, tables: Mapping[str, Any], period: date) -> pl.DataFrame:
    """The metric in the one finished period `period`, per `by` group."""
    end = periods.last_day(period, rule.grain)
    frame = metrics.compute(name, tables, grain=rule.grain, by=rule.by, start=period, end=end, where=rule.where)
    return frame.filter(pl.col("period") == period, pl.col("n") > 0)


def _usual(rule: Rule, tables: Mapping[str, Any], period: date) -> pl.DataFrame:
    """The metric over the N finished periods before `period`, pooled into one window, per `by` group."""
    start = findings.periods_back(period, rule.grain, int(rule.threshold))
    end = period - timedelta(days=1)
    return metrics.compute(rule.metric, tables, grain="all", by=rule.by, start=start, end=end, where=rule.where)


def _match(frame: pl.DataFrame, row: Mapping[str, Any], by: tuple[str, ...]) -> dict | None:
    rows = frame.filter(*(pl.col(b) == row[b] for b in by)) if by else frame
    return rows.row(0, named=True) if rows.height else None


def _outside_usual(rule: Rule, group: str, period: date, row: dict, usual: dict | None, said: str) -> Outcome:
    spec = metrics.spec(rule.metric)
    n = int(rule.threshold)
    if usual is None or usual["n"] < spec.min_n:
        return Outcome(rule, group, period, NOT_JUDGED, f"{said}: too little history in the {n} periods before")
    band = fmt.interval(usual["ci_low"], usual["ci_high"], spec.unit)
    usual_text = f"usual {fmt.value(usual['value'], spec.unit)} ({band} over the previous {n} periods)"
    if change.overlaps(row, usual):
        return Outcome(rule, group, period, OK, f"{said} within its {usual_text}")
    now = fmt.interval(row["ci_low"], row["ci_high"], spec.unit)
    return Outcome(rule, group, period, FIRES, f"{said}, {now}, outside its {usual_text}")


def _gap(rule: Rule, group: str, period: date, row: dict, twin: dict | None) -> Outcome:
    spec = metrics.spec(rule.metric)
    other = metrics.spec(spec.twin or "")
    if twin is None or twin["n"] < other.min_n:
        return Outcome(rule, group, period, NOT_JUDGED, f"{other.title}: too few observations to compare")
    inside, outside = (row, twin) if spec.lens == "internal" else (twin, row)
    inside_spec, outside_spec = (spec, other) if spec.lens == "internal" else (other, spec)
    gap = inside["value"] - outside["value"]
    gap = gap if outside_spec.higher_is_better else -gap  # positive: the inside view flatters us
    said = (
        f"{inside_spec.title} {fmt.value(inside['value'], spec.unit)} vs {outside_spec.title} "
        f"{fmt.value(outside['value'], spec.unit)}: gap {fmt.delta(gap, spec.unit)}"
    )
    limit = fmt.delta(rule.threshold, spec.unit)
    hit = gap > rule.threshold
    return Outcome(rule, group, period, FIRES if hit else OK, f"{said} {'above' if hit else 'not above'} {limit}")


def _below_target(rule: Rule, group: str, period: date, row: dict, goal: Target | None, said: str) -> Outcome:
    if goal is None:
        return Outcome(rule, group, period, NOT_JUDGED, f"{said}: no target set for this view")
    unit = metrics.spec(rule.metric).unit
    target = f"target {fmt.value(goal.goal, unit)} (distance {fmt.delta(goal.distance(row['value']), unit)})"
    if goal.met(row["value"]):
        return Outcome(rule, group, period, OK, f"{said} meets its {target}")
    return Outcome(rule, group, period, FIRES, f"{said} misses its {target}")
