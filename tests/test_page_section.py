"""page.section: the one place a page turns a raised MetricError into the "why this section is missing" box."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _sections() -> None:
    import streamlit as st

    import metrics
    from ui import page

    with page.section("The map"):
        st.markdown("drawn before the error")
        raise metrics.MissingData("orders.lat is not in the data")
    st.markdown("the page goes on")

    @page.section()
    def card() -> None:
        raise page.EmptyView("No orders in this view.")

    card()
    card()  # a decorator that works on every call, not only the first
    with page.section("Fine"):
        st.markdown("a section without an error")


def _other_errors() -> None:
    from ui import page

    with page.section("Broken"):
        raise RuntimeError("a bug, not missing data")


def test_an_error_becomes_the_box_and_the_page_goes_on() -> None:
    at = AppTest.from_function(_sections, default_timeout=120).run()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "The map cannot be shown: orders.lat is not in the data",
        "No orders in this view.",
        "No orders in this view.",
    ]
    assert [m.value for m in at.markdown] == [
        "drawn before the error",
        "the page goes on",
        "a section without an error",
    ]


def test_a_bug_is_not_dressed_up_as_missing_data() -> None:
    at = AppTest.from_function(_other_errors, default_timeout=120).run()
    assert not at.info
    assert at.exception, "the bug reaches Streamlit's error handling (shown redacted: showErrorDetails is none)"
