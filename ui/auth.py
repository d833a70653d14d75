"""Sign-in gate: with [auth] in secrets, only signed-in accounts on the [access] allow-list see data.

Without [auth] the dashboard is open (a local run) and the sidebar says so, unless
[access] open_notice = false. The rules live in ui/access.py; this file only draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from ui import access


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    try:
        section = st.secrets.get(name)
    except FileNotFoundError:  # no secrets file at all
        return None
    return section if isinstance(section, Mapping) else None


def configured() -> bool:
    return _secrets_section("auth") is not None


def _literal(text: str) -> str:
    """A claim shown as inline code: markdown in a display name stays text."""
    return "`" + text.replace("`", "'") + "`"


def _sign_out_button(where=st) -> None:
    where.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")


def _open_notice() -> None:
    section = _secrets_section("access") or {}
    if section.get("allow"):  # an allow-list without sign-in protects nothing: never hide that
        st.sidebar.caption(
            ":orange[Not protected: secrets have an [access] list but no [auth] section, so nobody signs in "
            "and the list is not applied (README, Sign-in).]"
        )
    elif section.get("open_notice", True) is not False:
        st.sidebar.caption(
            ":orange[Not protected: anyone who reaches this address sees every number. "
            "Add [auth] and [access] to secrets to require sign-in (README, Sign-in).]"
        )


def _sign_in_screen() -> None:
    st.title("Outside-In")
    st.write("Sign in to see the dashboard. You will come back to the page you opened.")
    st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:")


def _refused_screen(rules: access.AllowList, claims: Mapping[str, Any]) -> None:
    st.title("Outside-In")
    st.error(access.refusal_reason(rules, claims), icon=":material/block:")
    st.markdown(f"Signed in as {_literal(access.who(claims))}.")
    if rules.problem:  # the operator's to fix: say exactly what to add
        st.markdown("The operator adds the accounts that may see data to `.streamlit/secrets.toml`:")
        st.code(access.EXAMPLE, language="toml")
    if rules.contact:
        st.markdown(f"To ask for access, contact {_literal(rules.contact)}.")
    else:
        st.markdown("To ask for access, contact whoever sent you this link.")
    _sign_out_button()


def gate() -> bool:
    """True when the viewer may see data; otherwise draws the sign-in or refused screen (and no data)."""
    if not configured():
        _open_notice()
        return True
    if not st.user.is_logged_in:
        _sign_in_screen()
        return False
    claims = st.user.to_dict()
    rules = access.parse(_secrets_section("access"))
    if not access.allowed(rules, claims):
        _refused_screen(rules, claims)
        return False
    st.sidebar.caption(f"Signed in as {_literal(access.who(claims))}")
    _sign_out_button(st.sidebar)
    return True
