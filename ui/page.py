"""Page frame: header, chart slots that honour single-chart links, and the footer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any, TypeVar

import altair as alt
import polars as pl
import streamlit as st

import metrics
from ui import data, export, query, state, streamlit_private
from ui.charts_trend import CHART_WIDTH_PX, band_trend
from ui.state import Filters

T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run_inside_app() -> None:
    """Make sure this page runs inside app.py's st.navigation, not on its own.

    A server whose first request opens a page URL directly (/delivery) before any
    run has called st.navigation still believes in the old pages-folder mode and
    runs pages/delivery.py bare: no sidebar filters, no footer. Turn that mode off
    for the process, as st.navigation itself does (ui.streamlit_private), and run again through app.py.
    """
    if streamlit_private.leave_pages_folder_mode():
        st.rerun()


def header(title: str, question: str) -> Filters:
    """Page title plus the one question the page answers; returns the shared filters."""
    run_inside_app()
    f: Filters = st.session_state[state.FILTERS]
    scope = f.scope()
    if state.solo_chart() is None:
        st.title(title)
        st.caption(f"{question}  \n{scope}")
        if problem := query.targets_or_error()[1]:  # the page works on; only the goals are missing
            st.warning(problem, icon=":material/flag:")
    else:  # a chart alone (often embedded elsewhere) still says which view it draws
        st.caption(f"{title} · {scope}")
    return f


def full_page() -> bool:
    """False when the link asks for one chart alone: pages skip cards, tables and text."""
    return state.solo_chart() is None


class _EveryTab(nullcontext):
    """Stands for a tab when a single-chart link asks for one chart: every tab's code runs, nothing is drawn
    around it, so `chart=` finds a chart whatever tab it lives in."""

    open = True


def tabs(labels: Sequence[str], opened_by: dict[str, tuple[str, ...]] | None = None) -> Sequence[Any]:
    """A long page's details, one tab at a time: only the open tab's code runs (`if tab.open: with tab: ...`).

    Why: every chart costs the viewer's browser (and the server, cold) its drawing, and a first view should
    draw what is above the fold, not a dozen charts below it. The open tab is in the URL (`tab=<label>`,
    else the one whose keys `opened_by` names the link carries), so a shared link opens the same tab.
    """
    if not full_page():
        return [_EveryTab() for _ in labels]
    state.open_tab_for_keys(opened_by or {})
    return st.tabs(list(labels), key=state.TAB, bind="query-params", on_change="rerun")


def chart(
    chart_id: str, figure: alt.TopLevelMixin, frame: pl.DataFrame, draw: Callable[[], None] | None = None
) -> None:
    """Draw `figure` (unless a single-chart link asks for another) with its exports, and on the full page
    its link to itself alone.

    `frame` is the data the chart draws, offered as CSV and XLSX. `draw` replaces the
    Altair drawing (e.g. a pydeck map), while `figure` still makes the PNG/SVG export.
    """
    solo = state.solo_chart()
    if solo is not None and solo != chart_id:
        return
    if solo is not None:
        state.mark_drawn()
    if draw is None:
        st.altair_chart(without_schema_check(figure), width="stretch", key=f"chart-{chart_id}")
    else:
        draw()
    link, exports = st.columns([3, 1], vertical_alignment="center")
    if solo is None:  # a chart already alone (?chart=, embedded or not) would only link to itself
        link.caption(f"[Link to this chart alone]({state.share_url({state.CHART: chart_id})})")
    formats = {
        "PNG image": ("png", "image/png", lambda: export.png_bytes(figure)),
        "SVG image": ("svg", "image/svg+xml", lambda: export.svg_text(figure)),
        "Data (CSV)": ("csv", "text/csv", lambda: export.csv_bytes(frame)),
        "Data (Excel)": ("xlsx", XLSX, lambda: export.xlsx_bytes(frame)),
    }
    with exports.popover("Export", icon=":material/download:", width="stretch"):
        # Files are made only when clicked (deferred data), and the click does not rerun the page.
        for label, (ext, mime, make) in formats.items():
            st.download_button(
                label, make, f"{chart_id}.{ext}", mime, on_click="ignore", key=f"{ext}-{chart_id}", width="stretch"
            )


class EmptyView(metrics.MetricError):
    """The view selects no rows a section needs (raised by page pieces, shown by section())."""


def missing(error: metrics.MetricError, what: str | None = None) -> None:
    """The "why this section is missing" box."""
    st.info(f"{what} cannot be shown: {error}" if what else str(error), icon=":material/info:")


@contextmanager
def section(what: str | None = None, *, or_stop: bool = False) -> Iterator[None]:
    """A part of the page that needs data the view may lack. Page pieces raise (MetricError and its kinds,
    EmptyView); here, and only here, the error becomes the box that says why the part is missing, and the
    page goes on (or, with `or_stop`, ends there with its footer). Also a decorator: `@page.section()`."""
    try:
        yield
    except metrics.MetricError as err:
        missing(err, what)
        if or_stop:
            stop()


def or_none(compute: Callable[[], T]) -> T | None:
    """`compute()`, or None when the view lacks what it needs: for a sentence that reads numbers drawn in a
    tab that may be closed (that tab's section() says why when it is open)."""
    try:
        return compute()
    except metrics.MetricError:
        return None


_UNCHECKED: dict[type, type] = {}


def _to_dict_unchecked(self: alt.TopLevelMixin, *args: Any, validate: bool = False, **kwargs: Any) -> dict:
    return super(type(self), self).to_dict(*args, validate=validate, **kwargs)  # type: ignore[misc]


def without_schema_check(figure: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The same chart, whose conversion to Vega-Lite skips Altair's JSON-schema validation.

    st.altair_chart calls `to_dict()`, which validates the whole spec against the Vega-Lite schema: about
    two thirds of the conversion's time, inside a lock Streamlit holds across sessions (bench/README.md).
    Our charts are fixed code whose tests validate them (tests/test_charts_trend.py and others call
    `to_dict()`); the spec is the same either way (tests/test_page_chart.py). The figure itself is left
    as it is: exports still convert it with validation.
    """
    kind = type(figure)
    if kind not in _UNCHECKED:
        _UNCHECKED[kind] = type(kind.__name__, (kind,), {"to_dict": _to_dict_unchecked})
    # Not figure.copy(): that runs the chart's constructor, which deep-copies every layer (twice) to lift
    # their parameters; to_dict() copies the chart before it changes anything, so sharing the layers is safe.
    quick = object.__new__(_UNCHECKED[kind])
    vars(quick).update(vars(figure))  # _args and _kwds; SchemaBase.__setattr__ would store a field
    object.__setattr__(quick, "_kwds", dict(figure._kwds))
    return quick


def stop() -> None:
    """End the page early (nothing more to show) but keep the footer."""
    footer()
    st.stop()


def footer() -> None:
    """Row counts, quarantine and freshness, on every page."""
    ds = data.dataset()
    loaded = [s.loaded_at for s in ds.status if s.loaded_at]
    fresh = f"data loaded {max(loaded):%Y-%m-%d %H:%M}" if loaded else "data load time unknown"
    kinds = sorted({s.kind for s in ds.status})
    rows = ds.rows  # counted when loaded: the footer never reads the tables
    parts = [f"{rows:,} rows from {', '.join(kinds) or 'no sources'}", fresh]
    quarantined = ds.quarantined_rows
    parts.append(f"{quarantined:,} rows quarantined" + (" (see Sources)" if quarantined else ""))
    if ds.errors:
        parts.append(f"{len(ds.errors)} source(s) failed (see Sources)")
    st.divider()
    st.caption(" · ".join(parts) + f" · page drawn {clock(datetime.now())}")


# What Streamlit's Markdown takes for an emoji shortcode (`:smile:`; its frontend, StreamlitMarkdown): a text
# that matches makes every viewer's browser fetch and run the emoji plugin (about 0.3 MB of JavaScript)
# before the element shows. "12:04:31" matches (":04:"), so the footer, drawn on every page, did it.
SHORTCODE = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")


def clock(moment: datetime) -> str:
    """HH:MM:SS as Markdown that reads the same but is no emoji shortcode (escaped colons)."""
    return f"{moment:%H}\\:{moment:%M}\\:{moment:%S}"


INTERVAL_NAMES = {"wilson": "Wilson", "nps": "adjusted Wald", "t": "Student t", "median": "normal-approximation"}


def metric_trend(
    chart_id: str, name: str, filters: Filters, notes: tuple[str, ...] = (), width_px: float = CHART_WIDTH_PX
) -> None:
    """One metric's trend with its 95 % band (or the reason it cannot be drawn), its event labels placed for
    `width_px` (charts_trend.HALF_WIDTH_PX in half a page's width)."""
    spec = metrics.spec(name)
    with section():
        _trend(chart_id, spec, filters, notes, width_px)


def _trend(chart_id: str, spec: metrics.MetricSpec, filters: Filters, notes: tuple[str, ...], width_px: float) -> None:
    name = spec.name
    frame = query.metric(name, filters)
    band = INTERVAL_NAMES.get(spec.interval)
    how = f"band: 95 % {band} interval" if band else "no interval"
    subtitle = [f"By {filters.grain}; {how}; hollow grey: n < {spec.min_n}", *notes]
    marks = {"goals": query.goals((name,), filters), "events": query.events(filters)}
    chart(chart_id, band_trend(frame, spec.unit, spec.min_n, spec.title, subtitle, **marks, width_px=width_px), frame)
