"""Small PNG trend charts for e-mail (vl-convert: no browser, no remote content)."""

from __future__ import annotations

from typing import Any

import polars as pl
import vl_convert

from metrics.analysis.units import UNIT_AXIS_FORMAT
from metrics.spec import MetricSpec

WIDTH, HEIGHT = 260, 110  # drawn at scale 2 for sharp text; shown at this size in a 600 px mail


def trend_png(spec: MetricSpec, rows: pl.DataFrame, highlight: Any) -> bytes:
    """Line of the metric's finished periods with its 95 % band; the period `highlight` as a filled dot."""
    data = (
        rows.filter(pl.col("complete"), pl.col("n") >= spec.min_n)
        .select(pl.col("period").cast(pl.String), "value", "ci_low", "ci_high", now=pl.col("period") == highlight)
        .to_dicts()
    )
    axis = {"format": UNIT_AXIS_FORMAT.get(spec.unit, ".2f"), "title": None, "tickCount": 4}
    x = {"field": "period", "type": "temporal", "axis": {"format": "%b %y", "title": None, "tickCount": 4}}
    chart = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": data},
        "config": {"view": {"stroke": None}, "font": "sans-serif"},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.2, "color": "#4c78a8"},
                "encoding": {
                    "x": x,
                    "y": {"field": "ci_low", "type": "quantitative", "axis": axis, "scale": {"zero": False}},
                    "y2": {"field": "ci_high"},
                },
            },
            {
                "mark": {"type": "line", "color": "#4c78a8"},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
            },
            {
                "transform": [{"filter": "datum.now"}],
                "mark": {"type": "point", "filled": True, "size": 60, "color": "#d62728"},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
            },
        ],
    }
    return vl_convert.vegalite_to_png(chart, scale=2)
