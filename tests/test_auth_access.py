"""The [access] allow-list: rules worked out by hand, invariants, and the gate under AppTest.

The real sign-in flow (an OIDC provider, Chromium) is in test_auth_browser.py; here the gate is
driven with AppTest's seeded st.user, which is enough to show what each viewer is shown and that
no data is read for a refused one.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st_
from streamlit.testing.v1 import AppTest

from tests.browser_harness import ROOT
from ui import access
from ui.access import AllowList

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 48,
    "client_id": "outside-in",
    "client_secret": "s",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ACME = access.parse({"allow": ["CEO@acme.com", "@Acme.com", "ops@partner.test"], "contact": "it@acme.com"})


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "ceo@acme.com", "email_verified": True}, True),
        ({"email": "Someone@ACME.com"}, True),  # domain, any case; no email_verified claim is not a "false"
        ({"email": "ops@partner.test"}, True),
        ({"email": "other@partner.test"}, False),  # only that address of partner.test
        ({"email": "mallory@evil.test"}, False),
        ({"email": "mallory@evil.acme.com"}, False),  # a subdomain is another domain
        ({"email": "mallory@acme.com.evil.test"}, False),
        ({"email": "ceo@acme.com", "email_verified": False}, False),
        ({"email": "ceo@acme.com", "email_verified": "false"}, False),
        ({"sub": "ceo@acme.com"}, False),  # no email claim: the subject is not an e-mail the provider vouched for
        ({"email": ["ceo@acme.com"]}, False),
    ],
)
def test_allowed_by_email_or_domain(claims: dict, expected: bool) -> None:
    assert access.allowed(ACME, claims) is expected


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (None, "no [access] section"),
        ({}, "empty"),
        ({"allow": []}, "empty"),
        ({"allow": "@acme.com"}, "must be a list"),
        ({"allow": ["@acme.com", "acme.com"]}, "'acme.com'"),  # one typo closes the whole list
        ({"allow": ["ceo @acme.com"]}, "neither"),
    ],
)
def test_missing_empty_or_malformed_list_lets_nobody_in(section, problem: str) -> None:
    rules = access.parse(section)
    assert rules.problem is not None and problem in rules.problem
    assert not access.allowed(rules, {"email": "ceo@acme.com", "email_verified": True})


def test_star_lets_any_signed_in_account_in() -> None:
    assert access.allowed(access.parse({"allow": ["*"]}), {"sub": "abc"})


@given(st_.emails())
def test_matching_ignores_case(email: str) -> None:
    rules = access.parse({"allow": [email.upper()]})
    assert rules.problem is None or "neither" in rules.problem  # hypothesis e-mails can be exotic
    if rules.problem is None:
        assert access.allowed(rules, {"email": email.lower()})
        assert access.allowed(access.parse({"allow": ["@" + email.rpartition("@")[2]]}), {"email": email.swapcase()})


@given(st_.emails(), st_.emails())
def test_one_address_never_lets_another_in(allowed_email: str, other: str) -> None:
    rules = AllowList(entries=(allowed_email.lower(),))
    assert access.allowed(rules, {"email": other}) is (other.lower() == allowed_email.lower())


# The gate, with the app around it.


@pytest.fixture
def no_data_read(monkeypatch):
    """Fails the test if anything reads the data set or computes a metric."""
    import metrics
    from ui import data

    calls: list[str] = []

    def refuse(name):
        def record(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} ran for a viewer who may not see data")

        return record

    monkeypatch.setattr(data, "_current", refuse("dataset"))
    monkeypatch.setattr(metrics, "compute", refuse("metrics.compute"))
    return calls


def gated_app(user: dict | None, access_section: dict | None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    if access_section is not None:
        at.secrets["access"] = access_section
    at.user = user or {"is_logged_in": False}
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [c.value for c in at.code]
    return " ".join(parts + [c.value for c in at.caption] + [t.value for t in at.title])


CHART = {"chart": "delivery-on-time-trend", "embed": "true", "region": "Southwest"}


@pytest.mark.parametrize("query", [{}, CHART], ids=["page", "single-chart link"])
def test_not_signed_in_sees_sign_in_and_no_data(no_data_read, query) -> None:
    at = gated_app(None, {"allow": ["@acme.com"]}, query)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.get("vega_lite_chart") and not at.multiselect
    assert no_data_read == []


@pytest.mark.parametrize("query", [{}, CHART], ids=["page", "single-chart link"])
def test_refused_account_is_told_who_it_is_and_whom_to_ask(no_data_read, query) -> None:
    user = {"is_logged_in": True, "email": "mallory@evil.test", "email_verified": True}
    at = gated_app(user, {"allow": ["@acme.com"], "contact": "it@acme.com"}, query)
    text = text_of(at)
    assert "no access" in text and "mallory@evil.test" in text and "it@acme.com" in text
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric and not at.get("vega_lite_chart") and not at.multiselect
    assert no_data_read == []


def test_unverified_email_is_refused(no_data_read) -> None:
    user = {"is_logged_in": True, "email": "ceo@acme.com", "email_verified": False}
    at = gated_app(user, {"allow": ["ceo@acme.com"]})
    assert "not verified" in text_of(at)
    assert no_data_read == []


@pytest.mark.parametrize("section", [None, {"allow": []}], ids=["no [access]", "empty list"])
def test_fail_closed_tells_the_operator_what_to_add(no_data_read, section) -> None:
    user = {"is_logged_in": True, "email": "ceo@acme.com", "email_verified": True}
    at = gated_app(user, section)
    text = text_of(at)
    assert "nobody sees data" in text
    assert "[access]" in text and 'allow = ["ceo@acme.com", "@acme.com"]' in text
    assert no_data_read == []


def test_allowed_account_sees_the_dashboard_and_can_sign_out() -> None:
    user = {"is_logged_in": True, "email": "Ana@Acme.com", "email_verified": True}
    at = gated_app(user, {"allow": ["@acme.com"]})
    assert at.metric, "the overview's cards are drawn"
    assert "Signed in as `Ana@Acme.com`" in " ".join(c.value for c in at.sidebar.caption)
    assert "Sign out" in [b.label for b in at.sidebar.button]


def test_open_dashboard_says_so_unless_told_not_to() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert "Not protected" in " ".join(c.value for c in at.sidebar.caption)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["access"] = {"open_notice": False}
    at.run()
    assert "Not protected" not in " ".join(c.value for c in at.sidebar.caption)


def test_an_allow_list_without_sign_in_is_called_out() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["access"] = {"allow": ["@acme.com"], "open_notice": False}
    at.run()
    assert "no [auth] section" in " ".join(c.value for c in at.sidebar.caption)
