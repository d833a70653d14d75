"""Outside-In: the business seen from its customers' side.

Entry point: navigation, shared filters (bound to the URL so they survive page
switches and shared links), optional sign-in, and the page footer.
"""

from __future__ import annotations

import streamlit as st

import metrics
from ui import auth, heap, page, query, state
from ui.navigation import app_pages

# A single-chart link (?chart=...) is for embedding: start with the sidebar out of the way.
st.set_page_config(
    page_title="Outside-In",
    page_icon="ui/assets/favicon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if state.solo_chart() else "auto",
)

heap.freeze_long_lived()  # once per server process: the post-run full collection skips the long-lived heap
PAGES = app_pages()  # the core pages, then any page file added to pages/ (ui/navigation.py)

if auth.gate():
    # A single-chart link draws the chart alone: no navigation, filters or link box in a sidebar nobody sees
    # (they cost its browser about 0.35 CPU s); the filters are read from the link as the widgets would.
    solo = state.solo_chart() is not None
    navigation = st.navigation(PAGES, position="hidden" if solo else "sidebar")
    choices = query.choices()
    st.session_state[state.FILTERS] = state.url_filters(choices) if solo else state.sidebar_filters(choices)
    st.session_state[state.PAGE_PATH] = navigation.url_path
    st.session_state[state.PAGE_PATHS] = {p.url_path for p in PAGES if p.url_path}
    if not solo:
        with st.sidebar.popover("Copy link to this view", icon=":material/link:", width="stretch"):
            st.caption("This page with every filter; the copy button is at the right of the box.")
            st.code(state.share_url(), language=None, wrap_lines=True)
    if notice := state.url_notice():
        st.toast(notice, icon=":material/link_off:")
        st.caption(f":orange[{notice}]")
    state.begin_run()
    try:
        navigation.run()
    except metrics.MissingData as err:  # a table the page cannot do without did not load
        st.info(f"{err}. See Sources for what loaded and what failed.", icon=":material/info:")
    state.fall_back_from_unknown_chart()
    page.footer()
else:
    # Declared but never run: no page (and no metric) runs for this viewer, yet the address keeps the
    # page it asked for, so the view survives sign-in, and pages-folder mode cannot run a page bare.
    st.navigation(PAGES, position="hidden")
