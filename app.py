"""Outside-In: the business seen from its customers' side.

Entry point: navigation, shared filters (bound to the URL so they survive page
switches and shared links), optional sign-in, and the page footer.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, page, query, state

st.set_page_config(page_title="Outside-In", page_icon="ui/assets/favicon.png", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="", default=True),
    st.Page("pages/delivery.py", title="Delivery", icon=":material/local_shipping:", url_path="delivery"),
]

if auth.gate():
    navigation = st.navigation(PAGES)
    st.session_state[state.FILTERS] = state.sidebar_filters(query.choices())
    if notice := state.url_notice():
        st.toast(notice, icon=":material/link_off:")
        st.caption(f":orange[{notice}]")
    navigation.run()
    page.footer()
