"""alerts.toml: the [notify] targets and the [[alert]] rules, checked with errors that name the rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import metrics
from metrics.decisions import targets as targets_file
from metrics.decisions.errors import DecisionError, entry_label, read_toml

CONDITIONS = ("below", "above", "outside_usual", "gap_above", "below_target")
CHANNELS = ("email", "webhook")
GRAINS = ("week", "month", "quarter")
_RULE_KEYS = {"name", "metric", "where", "by", "grain", "notify", *CONDITIONS}


@dataclass(frozen=True)
class Rule:
    name: str
    metric: str
    condition: str  # one of CONDITIONS
    threshold: float  # a value in the metric's unit; for outside_usual, the number of periods pooled
    grain: str
    where: dict[str, list[Any]] = field(default_factory=dict)
    by: tuple[str, ...] = ()
    notify: tuple[str, ...] = CHANNELS


@dataclass(frozen=True)
class Config:
    path: Path
    rules: tuple[Rule, ...]
    email: tuple[str, ...] = ()
    webhook: str | None = None
    targets: tuple[targets_file.Target, ...] = ()

    @property
    def state_path(self) -> Path:
        """Where fired alerts are remembered: beside the config, so each config keeps its own state."""
        return self.path.with_name(self.path.stem + ".state.sqlite")


def load(path: Path) -> Config:
    data, lines = read_toml(path, "alerts config", "alert")
    notify = data.get("notify", {})
    if not isinstance(notify, dict):
        raise DecisionError(f"{path}: [notify] must be a table")
    email = notify.get("email", [])
    email = [email] if isinstance(email, str) else email
    if not isinstance(email, list) or not all(isinstance(a, str) and "@" in a for a in email):
        raise DecisionError(f"{path}: [notify] email must be a list of addresses")
    webhook = notify.get("webhook")
    if webhook is not None and not (isinstance(webhook, str) and webhook.startswith(("http://", "https://"))):
        raise DecisionError(f"{path}: [notify] webhook must be an http(s) URL")
    raw = data.get("alert", [])
    if not isinstance(raw, list) or not raw:
        raise DecisionError(f"{path}: no [[alert]] rules")
    rules = tuple(_rule(entry_label(path, "alert", i + 1, lines), r) for i, r in enumerate(raw))
    seen: set[str] = set()
    for r in rules:
        if r.name in seen:
            raise DecisionError(f"{path}: two rules are named {r.name!r}; names must be unique (state is kept by name)")
        seen.add(r.name)
        if "email" in r.notify and not email:
            raise DecisionError(f"{path}: rule {r.name!r} notifies email but [notify] has no email addresses")
        if "webhook" in r.notify and not webhook:
            raise DecisionError(f"{path}: rule {r.name!r} notifies webhook but [notify] has no webhook")
    goals: tuple[targets_file.Target, ...] = ()
    name = data.get("targets")  # optional: the sources' targets table may give the goals (commands.run_alerts)
    if name is not None:
        if not isinstance(name, str):
            raise DecisionError(f'{path}: targets names a file: targets = "targets.toml" at the top of the file')
        goals = targets_file.load(path.parent / name)
    return Config(path, rules, tuple(email), webhook, goals)


def _rule(label: str, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise DecisionError(f"{label} must be a table")
    if isinstance(raw.get("name"), str) and raw["name"].strip():
        label += f" ({raw['name']!r})"
    else:
        raise DecisionError(f"{label} needs a name")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise DecisionError(f"{label}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_RULE_KEYS))}")
    name = raw.get("metric")
    if name not in metrics.names():
        raise DecisionError(f"{label}: unknown metric {name!r} (see `python -m metrics list`)")
    spec = metrics.spec(name)
    if spec.kind != "series":
        raise DecisionError(f"{label}: metric {name!r} is a {spec.kind}, not a series over periods")
    given = [c for c in CONDITIONS if c in raw]
    if len(given) != 1:
        raise DecisionError(f"{label}: give exactly one condition of {', '.join(CONDITIONS)}")
    condition = given[0]
    threshold = raw[condition]
    if condition == "below_target":
        if threshold is not True:
            raise DecisionError(f"{label}: below_target = true is the only form")
        threshold = 0
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise DecisionError(f"{label}: {condition} must be a number")
    if condition == "outside_usual" and (not isinstance(threshold, int) or threshold < 1):
        raise DecisionError(f"{label}: outside_usual is a whole number of periods (e.g. 6)")
    if condition == "gap_above" and not spec.twin:
        raise DecisionError(f"{label}: gap_above needs a metric with a twin; {name!r} has none")
    grain = raw.get("grain", spec.default_grain if spec.default_grain in GRAINS else "month")
    if grain not in GRAINS:
        raise DecisionError(f"{label}: grain must be one of {', '.join(GRAINS)}")
    where = raw.get("where", {})
    if not isinstance(where, dict):
        raise DecisionError(f'{label}: where must be a table such as {{ region = ["Southwest"] }}')
    where = {k: v if isinstance(v, list) else [v] for k, v in where.items()}
    by = raw.get("by", [])
    by = [by] if isinstance(by, str) else by
    if not isinstance(by, list) or not all(isinstance(b, str) for b in by):
        raise DecisionError(f"{label}: by must be a column name or a list of them")
    notify = raw.get("notify", list(CHANNELS))
    notify = [notify] if isinstance(notify, str) else notify
    if not isinstance(notify, list) or not set(notify) <= set(CHANNELS):
        raise DecisionError(f"{label}: notify must list some of {', '.join(CHANNELS)}")
    return Rule(raw["name"], name, condition, float(threshold), grain, where, tuple(by), tuple(notify))
