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
            "needs": [", ".join(s.requires) for s in specs],
            "live view": [live_url(s.name) for s in specs],
        }
    )


def by_area() -> dict[str, list[MetricSpec]]:
    specs = [metrics.spec(n) for n in metrics.names()]
    return {area: list(group) for area, group in groupby(specs, key=lambda s: s.area)}


def summary(spec: MetricSpec) -> str:
    twin = f" · twin: {metrics.spec(spec.twin).title} (`{spec.twin}`)" if spec.twin else ""
    better = "higher is better" if spec.higher_is_better else "lower is better"
    return f"{LENS_LABEL[spec.lens]} · unit: {spec.unit} · {better} · min n {spec.min_n}{twin}"
