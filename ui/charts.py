"""Altair charts shared by pages. Every chart says what it measures in its title."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import altair as alt
import polars as pl
from altair.utils import schemapi
from altair.vegalite.v6 import api as altair_api

alt.data_transformers.disable_max_rows()  # we only ever pass aggregated frames

# Altair's debug mode validates every schema object against the Vega-Lite schema as it is built (an axis, a
# scale, a title...): help for interactive use, paid on every chart of every run here. The charts' tests
# validate each finished spec (to_dict() validates), so the objects are built unchecked.
schemapi.disable_debug_mode()

_CLASS_TABLES: dict[tuple[type, ...], dict[int, list[type]]] = {}
_build_class_table = schemapi._FromDict.__init__


def _class_table_once(self: schemapi._FromDict, wrapper_classes: Iterable[type], /) -> None:
    """Altair 6.3 builds its table of schema hash -> class (a json.dumps of each of its ~570 schemas) anew for
    every shorthand string given to encode() ("date:T"): about 2 ms each, ~60 of them on a page. The table only
    changes when a schema class is defined, so it is built once per set of classes and shared (read only)."""
    key = tuple(wrapper_classes)
    if key not in _CLASS_TABLES:
        _build_class_table(self, key)
        _CLASS_TABLES[key] = self.class_dict  # type: ignore[assignment]
    self.class_dict = _CLASS_TABLES[key]  # type: ignore[assignment]


schemapi._FromDict.__init__ = _class_table_once  # type: ignore[method-assign]

# Altair 6.3's layer, facet and concat constructors lift selection parameters from their subcharts to the top
# (Vega-Lite wants them there) and, to do so without changing the caller's charts, deep-copy every subchart
# twice first (a layer: _remove_duplicate_params, then _combine_subchart_params): about a fifth of a page's
# server CPU. Our charts have no parameters (no selections), so nothing is lifted and the copies are
# identical to their sources: where no subchart has parameters or names one of its layers (concat renames
# those), the subcharts are passed on as they are. Any other chart takes Altair's own path. Same specs
# (tests/test_page_chart.py).
_remove_duplicate_params = altair_api._remove_duplicate_params
_combine_subchart_params = altair_api._combine_subchart_params


def _lifts_nothing(subcharts: Iterable[alt.TopLevelMixin]) -> bool:
    for chart in subcharts:
        if not schemapi.is_undefined(getattr(chart, "params", schemapi.Undefined)):
            return False
        for layer in getattr(chart, "layer", None) or ():
            if not schemapi.is_undefined(getattr(layer, "params", schemapi.Undefined)):
                return False
            if not schemapi.is_undefined(getattr(layer, "name", schemapi.Undefined)):
                return False
    return True


def _remove_duplicate_params_if_any(layer: list) -> list:
    return list(layer) if _lifts_nothing(layer) else _remove_duplicate_params(layer)


def _combine_subchart_params_if_any(params: Any, subcharts: list) -> tuple[Any, list]:
    if schemapi.is_undefined(params) and _lifts_nothing(subcharts):
        return params, list(subcharts)
    return _combine_subchart_params(params, subcharts)


altair_api._remove_duplicate_params = _remove_duplicate_params_if_any
altair_api._combine_subchart_params = _combine_subchart_params_if_any

INTERNAL_COLOR, CUSTOMER_COLOR = "#7f8c9a", "#e4572e"


OPEN_STATUS = ("finished", "still open: so far")
# Short enough for a chart in half the page (10 px subtitle text, about 330 px): a longer line was cut there.
OPEN_NOTE = "Hollow point: period still open (so far), not yet comparable"


def with_status(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `status` (OPEN_STATUS) from its `complete` column: the analysis layer's one rule on open
    periods (metrics.analysis.periods); every period is finished when the frame has no such column."""
    if "complete" not in frame.columns:
        return frame.with_columns(complete=pl.lit(True), status=pl.lit(OPEN_STATUS[0]))
    return frame.with_columns(
        status=pl.when(pl.col("complete")).then(pl.lit(OPEN_STATUS[0])).otherwise(pl.lit(OPEN_STATUS[1]))
    )


def open_note(frame: pl.DataFrame, subtitle: str | list[str]) -> list[str]:
    """The subtitle, plus OPEN_NOTE when `frame` (from with_status) draws an open period."""
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    lines = [line for line in lines if line]
    return [*lines, OPEN_NOTE] if not frame.get_column("complete").all() else lines


def status_points(base: alt.Chart, color: alt.Color, y: str, tooltip: list[alt.Tooltip], size: int = 40) -> alt.Chart:
    """The points over a line: filled for finished periods, hollow (white inside) for the open one."""
    return base.mark_point(filled=True, size=size, opacity=1).encode(
        y=y,
        fill=alt.condition("datum.complete", color, alt.value("white")),
        stroke=color,
        tooltip=[*tooltip, alt.Tooltip("status:N", title="Period")],
    )


def lens_scale(frame: pl.DataFrame) -> alt.Scale:
    """Grey for the inside-out lens, orange for the customer's: the same on every chart.

    `frame` has a `lens` column whose first-seen value is the internal lens.
    """
    lenses = frame.get_column("lens").unique(maintain_order=True).to_list()
    return alt.Scale(domain=lenses, range=[INTERNAL_COLOR, CUSTOMER_COLOR][: len(lenses)])


def lens_color(frame: pl.DataFrame) -> alt.Color:
    # Opaque legend symbols: the band layer shares this encoding at 0.18 opacity.
    legend = alt.Legend(orient="top", symbolOpacity=1)
    return alt.Color("lens:N", title=None, scale=lens_scale(frame), legend=legend)


def gap_bars(frame: pl.DataFrame, category: str, title: str, subtitle: str = "") -> alt.Chart:
    """Horizontal bars of the perception gap (customer minus internal, in points) per category."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="x", title=None),
            x=alt.X("gap_pts:Q", title="Gap (percentage points, received minus shipped)"),
            color=alt.condition(alt.datum.gap_pts < -5, alt.value(CUSTOMER_COLOR), alt.value(INTERNAL_COLOR)),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip("shipped:Q", title="On time as shipped", format=".1%"),
                alt.Tooltip("received:Q", title="On time as received", format=".1%"),
                alt.Tooltip("gap_pts:Q", title="Gap (pts)", format="+.1f"),
                alt.Tooltip("n:Q", title="Orders due", format=","),
            ],
        )
        .properties(title=alt.Title(title, subtitle=subtitle or None, anchor="start"), height=alt.Step(28))
    )


# A basemap style with no tile sources, inlined as a data: URL: basemap tiles come from the
# internet, which offline hosts do not reach, and with no style Streamlit substitutes an online one.
OFFLINE_MAP_STYLE = "data:application/json," + quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#eef1f4"}}],
        }
    )
)


def destination_map(cells: pl.DataFrame):
    """pydeck scatter of destination cells, readable with no basemap (offline hosts draw none)."""
    import pydeck as pdk

    layer = pdk.Layer(
        "ScatterplotLayer",
        data=cells.select("region", "cell_lat", "cell_lon", "n", "on_time", "color", "radius").to_dicts(),
        get_position=["cell_lon", "cell_lat"],
        get_fill_color="color",
        get_radius="radius",
        radius_min_pixels=3,
        radius_max_pixels=40,
        stroked=True,
        get_line_color=[60, 60, 60, 160],
        line_width_min_pixels=1,
        pickable=True,
    )
    lat, lon = cells.get_column("cell_lat"), cells.get_column("cell_lon")
    span = max(float(lon.max() - lon.min()), 1.6 * float(lat.max() - lat.min()), 1.0)
    # Fit the points: each zoom level halves the degrees shown across the map.
    zoom = min(max(math.log2(360 / span) - 0.6, 1.5), 8.0)
    middle = {"latitude": float(lat.max() + lat.min()) / 2, "longitude": float(lon.max() + lon.min()) / 2}
    view = pdk.ViewState(**middle, zoom=zoom)
    tooltip = {"text": "{region}\nOn time as received: {on_time} %\nOrders due (n): {n}"}
    return pdk.Deck(layers=[layer], initial_view_state=view, map_style=OFFLINE_MAP_STYLE, tooltip=tooltip)


def destination_scatter(cells: pl.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """The map's points as a plain lon/lat chart: what the PNG/SVG export of the map draws."""
    return (
        alt.Chart(cells.drop("color"))
        .mark_circle(opacity=0.8, stroke="#333", strokeWidth=0.5)
        .encode(
            x=alt.X("cell_lon:Q", title="Longitude", scale=alt.Scale(zero=False)),
            y=alt.Y("cell_lat:Q", title="Latitude", scale=alt.Scale(zero=False)),
            size=alt.Size("n:Q", title="Orders due"),
            color=alt.Color(
                "on_time:Q",
                title="On time as received (%)",
                scale=alt.Scale(domain=[60, 75, 90, 100], range=["#d62728", "#f5a028", "#2ca02c", "#2ca02c"]),
            ),
            tooltip=["region:N", alt.Tooltip("on_time:Q", title="On time (%)"), alt.Tooltip("n:Q", format=",")],
        )
        .properties(title=alt.Title(title, subtitle=subtitle, anchor="start"), height=420)
    )
