"""Outside-In: the business seen from its customers' side.

Entry point: navigation, shared filters (bound to the URL so they survive page
switches and shared links), optional sign-in, and the page footer.
"""

from __future__ import annotations

import streamlit as st

import metrics
from ui import auth, page, query, state

# A single-chart link (?chart=...) is for embedding: start with the sidebar out of the way.
st.set_page_config(
    page_title="Outside-In",
    page_icon="ui/assets/favicon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if state.solo_chart() else "auto",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="", default=True),
    st.Page("pages/delivery.py", title="Delivery", icon=":material/local_shipping:", url_path="delivery"),
    st.Page("pages/retention.py", title="Retention", icon=":material/autorenew:", url_path="retention"),
    st.Page(
        "pages/satisfaction.py", title="Satisfaction", icon=":material/sentiment_satisfied:", url_path="satisfaction"
    ),
    st.Page("pages/voice.py", title="Voice", icon=":material/forum:", url_path="voice"),
    st.Page("pages/segments.py", title="Segments", icon=":material/groups:", url_path="segments"),
    st.Page("pages/sources.py", title="Sources", icon=":material/database:", url_path="sources"),
    st.Page("pages/catalog.py", title="Catalog", icon=":material/menu_book:", url_path="catalog"),
]

if auth.gate():
    navigation = st.navigation(PAGES)
    st.session_state[state.FILTERS] = state.sidebar_filters(query.choices())
    st.session_state[state.PAGE_PATH] = navigation.url_path
    st.session_state[state.PAGE_PATHS] = {p.url_path for p in PAGES if p.url_path}
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
