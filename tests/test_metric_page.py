"""The generic page every metric gets from its spec alone renders for every registered metric."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import metrics

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
