"""The real sign-in flow: oidc-provider-mock on 127.0.0.1, `streamlit run asgi.py`, headless Chromium.

Each viewer is a fresh browser context (its own cookies), signs in by clicking Sign in and typing
its subject on the provider's form, as a person would.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser_harness import ERROR_SELECTORS, OUTPUT, free_port, streamlit_server, wait_until_drawn
from tests.oidc_provider import INSECURE_OK, auth_secrets, oidc_provider

pytestmark = [pytest.mark.browser, pytest.mark.oidc]

ACCESS = """
[access]
allow = ["Boss@Corp.test", "@acme.com"]
contact = "it-desk@acme.com"
"""
USERS = {
    "boss": {"email": "boss@corp.test", "email_verified": True},  # allowed by e-mail (any case)
    "ana": {"email": "ana@acme.com", "email_verified": True},  # allowed by domain
    "mallory": {"email": "mallory@evil.test", "email_verified": True},  # refused
    "eve": {"email": "eve@acme.com", "email_verified": False},  # the provider does not vouch for it
}
SECRETS_SEEN: dict[str, str] = {}  # the server's cookie secret and log file
SHARED = "/delivery?region=Southwest&grain=week&carrier=Meridian+Freight"
EVERY_WAY_IN = [
    "/",
    "/delivery?region=Southwest",
    "/retention",
    "/satisfaction",
    "/voice",
    "/segments",
    "/sources",
    "/catalog",
    "/delivery?chart=delivery-on-time-trend&embed=true",
]
DATA_SELECTORS = (
    '[data-testid="stMetric"], [data-testid="stVegaLiteChart"], [data-testid="stDownloadButton"], '
    '[data-testid="stDataFrame"], [data-testid="stDeckGlJsonChart"]'
)


@pytest.fixture(scope="module")
def signed_in_app(tmp_path_factory):
    """A provider with four users and the app behind sign-in; yields (app url, provider)."""
    with oidc_provider() as provider:
        for sub, claims in USERS.items():
            provider.set_user(sub, **claims)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        secrets_file = tmp_path_factory.mktemp("secrets") / "secrets.toml"
        cookie_secret = secrets.token_hex(32)
        secrets_file.write_text(auth_secrets(provider, url, cookie_secret) + ACCESS)
        args = ["--secrets.files", str(secrets_file)]
        with streamlit_server(env=INSECURE_OK, script="asgi.py", args=args, port=port) as server_url:
            SECRETS_SEEN["cookie"] = cookie_secret
            SECRETS_SEEN["log"] = str(OUTPUT / f"streamlit-{port}.log")
            yield server_url, provider


@pytest.fixture
def viewer(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def sign_in(page, sub: str) -> None:
    """Click Sign in, type the subject on the provider's form, come back."""
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', sub)
    page.get_by_role("button", name="Authorize").click()


def open_signed_in(page, url: str, path: str, sub: str) -> None:
    """Open `path`, sign in as `sub`, wait until the same page is drawn again."""
    page.goto(url + path)
    sign_in(page, sub)
    page.wait_for_url(re.compile(".*" + re.escape(path) + "$"), timeout=60_000)
    wait_until_drawn(page)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def wait_for_text(page, text: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMain\"]')?.innerText.includes(t)", arg=text, timeout=timeout_ms
    )


def assert_no_data(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator(DATA_SELECTORS).count() == 0, "a refused viewer sees no number, chart or export"
    assert "rows quarantined" not in main_text(page), "no page ran"
    assert page.locator(ERROR_SELECTORS).count() <= 1  # the refusal itself is one error box


def test_shared_link_survives_sign_in(signed_in_app, viewer) -> None:
    url, _ = signed_in_app
    viewer.goto(url + SHARED)
    wait_for_text(viewer, "Sign in to see the dashboard")
    assert_no_data(viewer)
    sign_in(viewer, "ana")
    viewer.wait_for_url(re.compile(r".*/delivery\?.*"), timeout=60_000)
    wait_until_drawn(viewer)
    parts = urlsplit(viewer.url)
    assert parts.path == "/delivery"
    # The view that was shared, and the tab its `carrier=` opens, which the page writes into the address.
    shared = {"region": ["Southwest"], "grain": ["week"], "carrier": ["Meridian Freight"], "tab": ["By carrier"]}
    assert parse_qs(parts.query) == shared
    sidebar = viewer.locator('[data-testid="stSidebar"]').inner_text()
    assert "Southwest" in sidebar and "Signed in as ana@acme.com" in sidebar
    assert viewer.locator(ERROR_SELECTORS).count() == 0


def test_single_chart_link_survives_sign_in(signed_in_app, viewer) -> None:
    url, _ = signed_in_app
    viewer.goto(url + "/delivery?chart=delivery-on-time-trend&embed=true&region=Southwest")
    wait_for_text(viewer, "Sign in to see the dashboard")
    sign_in(viewer, "boss")  # allowed by e-mail, listed as Boss@Corp.test
    viewer.wait_for_url(re.compile(r".*chart=delivery-on-time-trend.*"), timeout=60_000)
    wait_until_drawn(viewer)
    assert viewer.locator('[data-testid="stVegaLiteChart"]').count() == 1, "one chart alone"
    assert parse_qs(urlsplit(viewer.url).query)["region"] == ["Southwest"]


@pytest.mark.parametrize(
    ("sub", "reason"), [("mallory", "no access"), ("eve", "not verified")], ids=["not on the list", "unverified"]
)
def test_refused_account_sees_no_data_on_any_way_in(signed_in_app, viewer, sub: str, reason: str) -> None:
    url, _ = signed_in_app
    viewer.goto(url + "/sources")
    sign_in(viewer, sub)
    wait_for_text(viewer, "it-desk@acme.com")
    text = main_text(viewer)
    assert reason in text
    assert USERS[sub]["email"] in text and "it-desk@acme.com" in text
    viewer.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    for path in EVERY_WAY_IN:
        viewer.goto(url + path)
        wait_for_text(viewer, reason)
        assert_no_data(viewer)


def test_not_signed_in_sees_no_data_on_any_way_in(signed_in_app, viewer) -> None:
    url, _ = signed_in_app
    for path in EVERY_WAY_IN:
        viewer.goto(url + path)
        wait_for_text(viewer, "Sign in to see the dashboard")
        assert_no_data(viewer)


def test_sign_out_ends_access(signed_in_app, viewer) -> None:
    url, _ = signed_in_app
    open_signed_in(viewer, url, "/catalog", "ana")
    viewer.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    # The provider offers to end its own session too, then sends the browser back to the app.
    viewer.wait_for_url(re.compile(r".*/oauth2/end_session.*"), timeout=30_000)
    viewer.get_by_role("button").first.click()
    wait_for_text(viewer, "Sign in to see the dashboard")
    assert_no_data(viewer)
    viewer.goto(url + "/delivery")
    wait_for_text(viewer, "Sign in to see the dashboard")
    assert_no_data(viewer)


def test_secrets_are_never_shown(signed_in_app, viewer) -> None:
    url, _ = signed_in_app
    open_signed_in(viewer, url, "/sources", "ana")
    html = viewer.content()
    assert "outside-in-test-secret" not in html and "cookie_secret" not in html
    cookies = {c["name"]: c for c in viewer.context.cookies()}
    assert cookies["_streamlit_user"]["httpOnly"], "the identity cookie is out of scripts' reach"


def test_secrets_are_never_logged(signed_in_app) -> None:
    """Runs last in this module: the server's log holds every sign-in above (Streamlit logs to stderr, unbuffered)."""
    log = Path(SECRETS_SEEN["log"]).read_text()
    assert "You can now view" in log, "this is the server's log"
    assert SECRETS_SEEN["cookie"] not in log
    assert "outside-in-test-secret" not in log
