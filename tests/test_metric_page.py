"""The generic page every metric gets from its spec alone renders for every registered metric."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import metrics
from tests.apptest import run_page

SCRIPT = """
import streamlit as st
from ui import metric_page, query, state

st.session_state[state.FILTERS] = state.sidebar_filters(query.choices())
metric_page.render({name!r})
"""


@pytest.mark.parametrize("name", metrics.names())
def test_generic_page_renders_from_the_spec(name: str) -> None:
    at = AppTest.from_string(SCRIPT.format(name=name), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    spec = metrics.spec(name)
    assert at.title[0].value == spec.title
    if spec.kind == "series" and spec.keys:
        assert at.get("vega_lite_chart") and not at.metric, "one line per key, no single headline card"
    elif spec.kind == "series":
        assert at.metric, "a series metric shows its KPI card"
        assert at.get("vega_lite_chart"), "and its trend chart"
    else:
        assert at.dataframe, "a table or cohort metric shows its rows"


def test_catalog_lists_every_metric_with_a_live_link() -> None:
    at = run_page("pages/catalog.py")
    table = at.dataframe[0].value
    assert list(table["metric"]) == metrics.names()
    assert all(
        url.endswith(f"/catalog?metric={name}") for url, name in zip(table["live view"], table["metric"], strict=True)
    )


@pytest.mark.parametrize("name", ["delivery.on_time_received", "satisfaction.nps"])
def test_catalog_shows_a_metric_live_from_the_url(name: str) -> None:
    at = run_page("pages/catalog.py", {"metric": name})
    spec = metrics.spec(name)
    assert at.title[0].value == spec.title
    assert at.metric, "its card"
    text = " ".join(c.value for c in at.caption)
    for chart_id in (f"{name}-trend", f"{name}-by-region", f"{name}-by-segment"):
        assert f"chart={chart_id}" in text, chart_id  # each chart with its link (and exports)
    assert any(spec.definition.split("\n", 1)[0] in t.value for t in at.text), "the definition"


def test_catalog_falls_back_to_the_list_for_an_unknown_metric() -> None:
    at = run_page("pages/catalog.py", {"metric": "no.such"})
    assert at.title[0].value == "Metric catalog" and not at.error
    assert at.sidebar.selectbox(key="metric").value == "all metrics"
