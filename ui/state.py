"""The one module that owns URL keys: shared filters, page controls, chart links.

Every key here is public: people's saved links depend on it, so names never change.
Widgets are bound with bind="query-params" (URL <-> widget both ways; defaults drop
out of the URL). Values that a tampered or stale link carries are checked here
first, so the page can say what it ignored instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

# Shared filters (bound in app.py, so they survive page switches).
START, END, REGION, SEGMENT, GRAIN = "start", "end", "region", "segment", "grain"
CHART = "chart"  # open one chart alone: ?chart=<chart id>
GRAINS = ("week", "month", "quarter")
DEFAULT_GRAIN = "month"
_NOTICE = "_url_notice"
FILTERS_LABEL = "Dates, regions, segments"


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    regions: tuple[str, ...] = ()  # empty = all
    segments: tuple[str, ...] = ()
    grain: str = DEFAULT_GRAIN

    def where(self) -> dict[str, tuple[str, ...]]:
        return {k: v for k, v in (("region", self.regions), ("segment", self.segments)) if v}

    def scope(self, grain: bool = True) -> str:
        """What the view selects, in words ("01 Jan 2024 – 31 Dec 2025 · all regions · all segments · by month"):
        one wording for the sidebar (`grain=False`: its Period control says that), the page header and a chart
        alone."""
        regions = ", ".join(self.regions) or "all regions"
        segments = ", ".join(self.segments) or "all segments"
        said = f"{self.start:%d %b %Y} – {self.end:%d %b %Y} · {regions} · {segments}"
        return f"{said} · by {self.grain}" if grain else said

    def where_key(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Hashable form of where(), for cached functions."""
        return tuple(sorted(self.where().items()))


@dataclass(frozen=True)
class Choices:
    """What the data offers: the bounds and options the widgets accept."""

    first: date
    last: date
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def check_url(choices: Choices) -> list[str]:
    """Names the link values that cannot be honoured; the bound widgets drop them."""
    params = st.query_params
    ignored: list[str] = []
    for key in (START, END):
        if key in params:
            day = _iso(params[key])
            if day is None or not choices.first <= day <= choices.last:
                ignored.append(as_code([params[key]], key))
    for key, options in ((REGION, choices.regions), (SEGMENT, choices.segments)):
        if bad := [v for v in params.get_all(key) if v not in options]:
            ignored.append(as_code(bad, key))
    if GRAIN in params and params[GRAIN] not in GRAINS:
        ignored.append(as_code([params[GRAIN]], GRAIN))
    return ignored


def _drop_invalid(choices: Choices) -> None:
    """Clamp link dates outside the data to its range (a date widget would reject them outright)."""
    params = st.query_params
    for key in (START, END):
        if key in params and (d := _iso(params[key])) is not None and not choices.first <= d <= choices.last:
            st.session_state[key] = min(max(d, choices.first), choices.last)


def _note_link_problems(choices: Choices) -> None:
    if ignored := check_url(choices):
        st.session_state[_NOTICE] = (
            "This link had values that do not fit the data; defaults (dates: the nearest in range) for: "
            + ", ".join(ignored)
        )


def url_filters(choices: Choices) -> Filters:
    """The shared filters as the link carries them, with no widget drawn: a single-chart link shows the chart
    alone, and its browser should not build a sidebar nobody sees. The bound widgets' rules: a value that does
    not fit the data is left out (a date outside it is clamped into it), start after end is swapped."""
    _note_link_problems(choices)
    params = st.query_params

    def day(key: str, default: date) -> date:
        found = _iso(params.get(key, ""))
        return default if found is None else min(max(found, choices.first), choices.last)

    start, end = sorted((day(START, choices.first), day(END, choices.last)))
    regions = tuple(dict.fromkeys(v for v in params.get_all(REGION) if v in choices.regions))
    segments = tuple(dict.fromkeys(v for v in params.get_all(SEGMENT) if v in choices.segments))
    grain = params.get(GRAIN, DEFAULT_GRAIN)
    return Filters(start, end, regions, segments, grain if grain in GRAINS else DEFAULT_GRAIN)


def sidebar_filters(choices: Choices) -> Filters:
    """Draw the shared filters in the sidebar, bound to the URL, and return them."""
    _note_link_problems(choices)
    _drop_invalid(choices)
    st.sidebar.markdown("**Filters**")
    # Dates, regions and segments sit in a popover, the period stays in view. Why: drawn in the sidebar these
    # four widgets cost every viewer's browser 0.5-1.2 CPU s on a cold visit (bench/README.md, "filters in a
    # popover"); a popover's content is drawn only when it is opened. The caption below it, and every page's
    # header, say what the view selects. The widgets still run each time, so their URL binding is unchanged.
    with st.sidebar.popover(FILTERS_LABEL, icon=":material/filter_list:", width="stretch"):
        start = st.date_input(
            "From",
            value=choices.first,
            min_value=choices.first,
            max_value=choices.last,
            key=START,
            bind="query-params",
            format="YYYY-MM-DD",
        )
        end = st.date_input(
            "To",
            value=choices.last,
            min_value=choices.first,
            max_value=choices.last,
            key=END,
            bind="query-params",
            format="YYYY-MM-DD",
        )
        regions = st.multiselect("Region", choices.regions, key=REGION, bind="query-params", placeholder="All regions")
        segments = st.multiselect(
            "Segment", choices.segments, key=SEGMENT, bind="query-params", placeholder="All segments"
        )
    start = start or choices.first
    end = end or choices.last
    if start > end:
        st.session_state[_NOTICE] = "The start date was after the end date; they have been swapped."
        start, end = end, start
    st.sidebar.caption(Filters(start, end, tuple(regions), tuple(segments)).scope(grain=False))
    # A segmented control, not a select box: the three choices show at once, one click away, and a select box
    # costs every viewer's browser 0.2 CPU s more on a cold visit (its combo-box code; bench/README.md,
    # "the Period control"). No format_func: the bound value is written into the URL as it is (lower case).
    grain = st.sidebar.segmented_control(
        "Period", GRAINS, default=DEFAULT_GRAIN, required=True, key=GRAIN, bind="query-params", width="stretch"
    )
    return Filters(start, end, tuple(regions), tuple(segments), grain or DEFAULT_GRAIN)


def url_notice() -> str | None:
    """A one-line note about ignored link values, shown once."""
    return st.session_state.pop(_NOTICE, None)


_DRAWN = "_solo_chart_drawn"


def begin_run() -> None:
    st.session_state[_DRAWN] = False


def mark_drawn() -> None:
    st.session_state[_DRAWN] = True


def fall_back_from_unknown_chart() -> None:
    """After the page ran: a ?chart= id it does not have reopens the full page with a notice."""
    chart = solo_chart()
    if chart is not None and not st.session_state.get(_DRAWN):
        st.session_state[_NOTICE] = (
            f"This link asks for a chart this page does not have ({as_code([chart], CHART)}); showing the whole page."
        )
        del st.query_params[CHART]
        st.rerun()


def solo_chart() -> str | None:
    """The chart id of a single-chart link (?chart=...), or None for the full page."""
    chart = st.query_params.get(CHART)
    return chart or None


PAGE_PATH = "_page_path"  # app.py records the current page's url path here
PAGE_PATHS = "_page_paths"  # ...and every page's, to find the app's root in the URL


def share_url(extra: dict[str, str] | None = None) -> str:
    """The full URL of the current view (page and every filter), plus `extra` params."""
    scheme, netloc, path, _, _ = urlsplit(st.context.url or "http://localhost:8501/")
    page_path = st.session_state.get(PAGE_PATH)
    if page_path is not None:
        # Keep any prefix the app is served under (e.g. behind a proxy); swap the page.
        root, _, last = path.rstrip("/").rpartition("/")
        if last not in st.session_state.get(PAGE_PATHS, ()):
            root = path.rstrip("/")
        path = f"{root}/{page_path}"
    pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k not in (CHART, "embed")]
    pairs += list((extra or {}).items())
    return urlunsplit((scheme, netloc, path, urlencode(pairs), ""))


FILTERS = "_filters"  # session key where app.py leaves this run's Filters for the pages

# Page controls: short, stable URL keys (documented in the README). Page-local, so they
# reset when the user switches page, as a page's own controls should.
PAGE_KEYS: dict[str, str] = {
    "mode": "retention: cohort mode, return_on (default) or on_or_after",
    "split": "satisfaction: break KPIs down by segment (default) or region",
    "theme": "voice: the theme whose verbatims are listed",
    "source": "voice: verbatims from surveys, reviews or notes",
    "q": "voice: words to search for in verbatims",
    "delivery": "voice: verbatims about orders that arrived late or on_time",
    "focus": "segments: the segment the persona card describes",
    "carrier": "delivery: carriers in the carrier breakdown",
    "metric": "catalog: the metric shown live from its spec (card, trend, by region and segment, definition)",
    "tab": "delivery, retention, satisfaction, voice: the tab of the page's details shown (its label)",
}


def _page_key(key: str) -> str:
    if key not in PAGE_KEYS:
        raise KeyError(f"URL key {key!r} is not declared in ui.state.PAGE_KEYS")
    return key


METRIC = _page_key("metric")  # /catalog's live metric; the digest's links name it too
TAB = _page_key("tab")  # a long page's details tab (ui.page.tabs)


def open_tab_for_keys(opened_by: dict[str, tuple[str, ...]]) -> None:
    """A link without `tab=` that carries a tab's own keys (an older link with `split=`, `carrier=`...)
    opens that tab, on the page's first run only (once the tabs exist, the viewer's click decides). The
    tabs' value is set before they are drawn; not their `default`, which is part of the widget's identity."""
    if TAB in st.query_params or TAB in st.session_state:
        return
    for label, keys in opened_by.items():
        if any(_page_key(k) in st.query_params for k in keys):
            st.session_state[TAB] = label
            st.query_params[TAB] = label  # the address says so too, so "Copy link" and a reload keep it
            return


def _note_ignored(key: str, values: list[str], options: tuple[str, ...] | list[str]) -> None:
    bad = [v for v in values if v not in options]
    if bad:
        st.caption(":orange[This link had values that do not fit the data; ignored:] " + as_code(bad, key))


def as_code(values: list[str], key: str) -> str:
    """Link values shown as inline code, so markdown or HTML in a tampered URL stays literal text."""
    return ", ".join(f"`{key}={v.replace('`', chr(39))}`" for v in values)


def select(label: str, options: tuple[str, ...] | list[str], key: str, default: str | None = None, **kw) -> str:
    """A selectbox bound to the URL under a declared page key; shows what a bad link carried.

    Options are written to the URL as they are (no format_func): keep them short and lower case.
    """
    key = _page_key(key)
    _note_ignored(key, st.query_params.get_all(key), options)
    index = list(options).index(default) if default in options else 0
    return st.selectbox(label, options, index=index, key=key, bind="query-params", **kw)


def multiselect(label: str, options: tuple[str, ...] | list[str], key: str, **kw) -> list[str]:
    key = _page_key(key)
    _note_ignored(key, st.query_params.get_all(key), options)
    return st.multiselect(label, options, key=key, bind="query-params", **kw)


def segmented(label: str, options: tuple[str, ...] | list[str], key: str, default: str, **kw) -> str:
    """A segmented control (one choice, never empty) bound to the URL under a declared page key."""
    key = _page_key(key)
    _note_ignored(key, st.query_params.get_all(key), options)
    value = st.segmented_control(label, options, default=default, required=True, key=key, bind="query-params", **kw)
    return value or default


def segmented_labelled(label: str, labels: Mapping[str, str], key: str, default: str, **kw) -> str:
    """A segmented control (one choice, never empty) that shows `labels` (option -> words) while the URL keeps
    the option itself, e.g. the button "Ordered that period" and `mode=return_on` in the link.

    Not bind="query-params": a bound control writes the text it shows into the URL, so with a format_func a
    saved link's `mode=return_on` would be ignored and new links would carry the words
    (tests/test_pages_retention.py shows it). So it is bound by hand: the URL's option is set as the control's
    value before it is drawn (a link, a reload, the browser's back button), and a click writes the option back
    from the control's callback, before the script runs, so "Copy link" (built before the page) has it. Streamlit
    drops unbound parameters on a page switch, so the key stays page-local as the bound ones are.
    """
    key = _page_key(key)
    options = tuple(labels)
    _note_ignored(key, st.query_params.get_all(key), options)
    control = f"_{key}_control"  # the widget's own key: the URL key is written only by _write_option
    st.session_state[control] = _url_option(key, options, default)
    st.segmented_control(
        label,
        options,
        format_func=labels.__getitem__,
        required=True,
        key=control,
        on_change=_write_option,
        args=(key, control, default),
        **kw,
    )
    return st.session_state[control] or default


def _url_option(key: str, options: tuple[str, ...], default: str) -> str:
    """The option the URL names, else `default`; a value that is no option is dropped from the URL, as a bound
    control drops it."""
    given = st.query_params.get(key)
    if given in options:
        return given
    if given is not None:
        del st.query_params[key]
    return default


def _write_option(key: str, control: str, default: str) -> None:
    """The chosen option into the URL; the default leaves the key out, as a bound control does."""
    chosen = st.session_state.get(control)
    if chosen is None or chosen == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = chosen


def text(label: str, key: str, **kw) -> str:
    """A text box bound to the URL (e.g. a search); the value is only ever used as plain text."""
    return st.text_input(label, key=_page_key(key), bind="query-params", **kw) or ""
