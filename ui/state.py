"""The one module that owns URL keys: shared filters, page controls, chart links.

Every key here is public: people's saved links depend on it, so names never change.
Widgets are bound with bind="query-params" (URL <-> widget both ways; defaults drop
out of the URL). Values that a tampered or stale link carries are checked here
first, so the page can say what it ignored instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

# Shared filters (bound in app.py, so they survive page switches).
START, END, REGION, SEGMENT, GRAIN = "start", "end", "region", "segment", "grain"
CHART = "chart"  # open one chart alone: ?chart=<chart id>
GRAINS = ("week", "month", "quarter")
DEFAULT_GRAIN = "month"
FILTER_KEYS = (START, END, REGION, SEGMENT, GRAIN)
_NOTICE = "_url_notice"


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    regions: tuple[str, ...] = ()  # empty = all
    segments: tuple[str, ...] = ()
    grain: str = DEFAULT_GRAIN

    def where(self) -> dict[str, tuple[str, ...]]:
        return {k: v for k, v in (("region", self.regions), ("segment", self.segments)) if v}

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
    notices: list[str] = field(default_factory=list)


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
                ignored.append(f"{key}={params[key]!r}")
    for key, options in ((REGION, choices.regions), (SEGMENT, choices.segments)):
        ignored += [f"{key}={v!r}" for v in params.get_all(key) if v not in options]
    if GRAIN in params and params[GRAIN] not in GRAINS:
        ignored.append(f"grain={params[GRAIN]!r}")
    if (chart := params.get(CHART)) is not None and not chart.replace("-", "").replace("_", "").isalnum():
        ignored.append(f"chart={chart!r}")
    return ignored


def _drop_invalid(choices: Choices) -> None:
    """Remove what check_url rejected before the widgets read the URL."""
    params = st.query_params
    for key in (START, END):
        if key in params and (d := _iso(params[key])) is not None and not choices.first <= d <= choices.last:
            st.session_state[key] = min(max(d, choices.first), choices.last)


def sidebar_filters(choices: Choices) -> Filters:
    """Draw the shared filters in the sidebar, bound to the URL, and return them."""
    ignored = check_url(choices)
    if ignored:
        st.session_state[_NOTICE] = "This link had values that do not fit the data; showing defaults for: " + ", ".join(
            ignored
        )
    _drop_invalid(choices)
    with st.sidebar:
        st.markdown("**Filters**")
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
        # No format_func: a bound selectbox writes the label into the URL, and the keys are lower case.
        grain = st.selectbox("Period", GRAINS, index=GRAINS.index(DEFAULT_GRAIN), key=GRAIN, bind="query-params")
    start = start or choices.first
    end = end or choices.last
    if start > end:
        st.session_state[_NOTICE] = "The start date was after the end date; they have been swapped."
        start, end = end, start
    return Filters(start, end, tuple(regions), tuple(segments), grain or DEFAULT_GRAIN)


def url_notice() -> str | None:
    """A one-line note about ignored link values, shown once."""
    return st.session_state.pop(_NOTICE, None)


def solo_chart() -> str | None:
    """The chart id of a single-chart link (?chart=...), or None for the full page."""
    chart = st.query_params.get(CHART)
    return chart or None


def share_url(extra: dict[str, str] | None = None) -> str:
    """The full URL of the current view (filters included), plus `extra` params."""
    base = st.context.url or "http://localhost:8501/"
    scheme, netloc, path, _, _ = urlsplit(base)
    pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k != CHART]
    pairs += list((extra or {}).items())
    return urlunsplit((scheme, netloc, path, urlencode(pairs), ""))


FILTERS = "_filters"  # session key where app.py leaves this run's Filters for the pages
