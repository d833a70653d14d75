"""The metric catalog as tables and text, read from the registry's specs."""

from __future__ import annotations

from itertools import groupby

import polars as pl

import metrics
from metrics.spec import MetricSpec
from ui import state
from ui.cards import LENS_LABEL

ALL = "all metrics"  # the catalog's list; any other value of ?metric= is a metric shown live
METRIC = state.METRIC
# The catalog table's columns as shown: the metric's name is its live view's link, read from the link's
# `metric=` (a JavaScript regular expression, as st.column_config.LinkColumn takes it).
SHOWN = ("live view", "title", "lens", "unit", "higher is better", "twin", "min n", "needs")
NAME_IN_URL = rf"[?&]{METRIC}=([^&#]+)"


def choices() -> list[str]:
    return [ALL, *metrics.names()]


def live_url(name: str) -> str:
    """This view (filters kept) on the catalog, showing metric `name` live."""
    return state.share_url({METRIC: name})


def table() -> pl.DataFrame:
    specs = [metrics.spec(n) for n in metrics.names()]
    return pl.DataFrame(
        {
            "metric": [s.name for s in specs],
            "title": [s.title for s in specs],
            "lens": [LENS_LABEL[s.lens] for s in specs],
            "unit": [s.unit for s in specs],
            "higher is better": [s.higher_is_better for s in specs],
            "twin": [s.twin or "" for s in specs],
            "min n": [s.min_n for s in specs],
            "needs": [tables_needed(s) for s in specs],
            "live view": [live_url(s.name) for s in specs],
        }
    )


def tables_needed(spec: MetricSpec) -> str:
    """The tables a metric reads, e.g. "orders" (its columns, `needs_columns`, are in its entry below the table:
    listed in the table they made it wider than a laptop's window)."""
    return ", ".join(dict.fromkeys(column.split(".", 1)[0] for column in spec.requires))


def needs_columns(spec: MetricSpec) -> str:
    return f"Needs {', '.join(spec.requires)}." if spec.requires else "Needs no particular column."


def by_area() -> dict[str, list[MetricSpec]]:
    specs = [metrics.spec(n) for n in metrics.names()]
    return {area: list(group) for area, group in groupby(specs, key=lambda s: s.area)}


def summary(spec: MetricSpec) -> str:
    twin = f" · twin: {metrics.spec(spec.twin).title} (`{spec.twin}`)" if spec.twin else ""
    better = "higher is better" if spec.higher_is_better else "lower is better"
    return f"{LENS_LABEL[spec.lens]} · unit: {spec.unit} · {better} · min n {spec.min_n}{twin}"
