"""Optional sign-in: when secrets carry an [auth] section, only signed-in users see data."""

from __future__ import annotations

import streamlit as st


def configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def gate() -> bool:
    """True when the viewer may see the dashboard; otherwise draws the sign-in screen."""
    if not configured() or st.user.is_logged_in:
        if configured():
            st.sidebar.button("Sign out", on_click=st.logout, icon=":material/logout:")
        return True
    st.title("Outside-In")
    st.write("Sign in to see the dashboard.")
    st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:")
    return False
