"""`make serve` for real: two replicas under supervisord behind nginx on a path prefix, in Chromium.

Views are opened until both replicas hold some; one replica is killed; every view reconnects
through the proxy to the live one and shows the same thing, with no error; supervisord brings
the dead one back and a new viewer is served.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from tests.browser_harness import ERROR_SELECTORS, wait_until_drawn
from tests.serve_harness import Served, http_status, served

pytestmark = [pytest.mark.browser, pytest.mark.proxy]

VIEWS = [
    "/delivery?region=Southwest&grain=week",
    "/?segment=Enterprise",
    "/satisfaction?split=region&region=West",
    "/retention?mode=on_or_after",
    "/delivery?region=Midwest&grain=quarter",
    "/satisfaction?segment=Clinics",
]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    with served(tmp_path_factory.mktemp("proxy"), replicas=2, base_path="/cx") as s:
        yield s


def signature(page) -> tuple:
    """What a view shows: its title, the filter line under it, and every card's label and value."""
    main = page.locator('[data-testid="stMain"]')
    cards = tuple(main.locator('[data-testid="stMetric"]').all_inner_texts())
    return (
        main.locator("h1").first.inner_text(),
        main.locator('[data-testid="stCaptionContainer"]').first.inner_text(),
        cards,
    )


def settled_signature(page) -> tuple:
    """The signature once two readings a second apart agree (cards can land just after the footer)."""
    wait_until_drawn(page)
    last = signature(page)
    for _ in range(20):
        page.wait_for_timeout(1000)
        now = signature(page)
        if now == last:
            return now
        last = now
    return last


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def view_state(page) -> tuple:
    """What the viewer sees once the page has settled, and the address as the page left it (a page may write a
    key into it on its first run, e.g. the tab an older link's keys open)."""
    signature = settled_signature(page)
    return page.url, signature


def test_views_survive_a_replica_dying(proxy: Served, browser) -> None:
    pages, seen = [], {}
    # A new browser context each: a new viewer with its own random affinity cookie. Up to twice round the
    # views: six coin flips all landing on one replica (1 in 32) is not a broken proxy.
    for view in VIEWS * 2:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(proxy.url + view)
        pages.append(page)
        seen[page] = view_state(page)
        if len(pages) >= 2 and proxy.active_sessions(0) and proxy.active_sessions(1):
            break
    on_each = [proxy.active_sessions(0), proxy.active_sessions(1)]
    assert all(on_each), f"the cookie spreads viewers over both replicas: {on_each}"

    assert sum(len(sig[2]) for _, sig in seen.values()) >= 4, "the views drew their cards before the kill"
    victim = 0
    old_pid = proxy.replica_pid(victim)
    os.kill(old_pid, signal.SIGKILL)
    # Every view is back on a live replica (the survivor, or the victim once restarted).
    wait_for(lambda: proxy.active_sessions(0) + proxy.active_sessions(1) >= len(pages), 90, "views to reconnect")
    for page in pages:
        assert view_state(page) == seen[page], "the same view comes back"
        assert page.locator(ERROR_SELECTORS).count() == 0
        assert page.get_by_text("Connection error").count() == 0

    wait_for(lambda: proxy.replica_healthy(victim), 90, "supervisord to restart the killed replica")
    assert proxy.replica_pid(victim) != old_pid
    newcomer = browser.new_context().new_page()
    newcomer.goto(proxy.url + "/delivery?region=West")
    wait_until_drawn(newcomer)
    assert newcomer.locator(ERROR_SELECTORS).count() == 0
    for page in [*pages, newcomer]:
        page.context.close()


def test_a_hung_replica_is_restarted(proxy: Served) -> None:
    """Alive but not answering (stopped): the health check (superlance httpok, every 5 s here) restarts it."""
    old_pid = proxy.replica_pid(1)
    os.kill(old_pid, signal.SIGSTOP)
    try:
        wait_for(lambda: proxy.replica_pid(1) not in (old_pid, 0), 90, "the health check to restart the hung replica")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(old_pid, signal.SIGCONT)  # if it is still there, let it stop normally
    wait_for(lambda: proxy.replica_healthy(1), 90, "the restarted replica to answer")


def test_copy_link_gives_the_public_address(proxy: Served, browser) -> None:
    page = browser.new_context().new_page()
    page.goto(proxy.url + "/delivery?region=Southwest&grain=week")
    wait_until_drawn(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("Copy link to this view").click()
    code = page.locator('[data-testid="stCode"]').first
    code.wait_for(timeout=30_000)
    assert code.inner_text().strip() == proxy.url + "/delivery?region=Southwest&grain=week"
    page.context.close()


def test_proxy_guards_host_and_origin(proxy: Served) -> None:
    import urllib.request

    assert http_status(proxy.url + "/_stcore/health") == 200
    assert http_status(proxy.url + "/_stcore/health", {"Host": "evil.test"}) is None, "another host name is dropped"
    assert http_status(proxy.url.replace("/cx", "") + "/_stcore/health") == 404, "nothing outside the prefix"
    request = urllib.request.Request(proxy.url + "/_stcore/health", headers={"Origin": "http://evil.test"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers.get("Access-Control-Allow-Origin") in (None, ""), "no cross-origin reads"
        affinity = [c for c in response.headers.get_all("Set-Cookie") if c.startswith("outsidein_affinity=")]
        assert len(affinity) == 1 and "HttpOnly" in affinity[0], "a new viewer gets its sticky-session cookie"


def test_nginx_serves_streamlits_bundle_compressed_and_cached(proxy: Served) -> None:
    """The hashed frontend files come from nginx's copy (gzip, a year's cache), the same bytes as the package's."""
    import gzip
    import re
    import urllib.request

    from deploy.serve import streamlit_static_dir

    index = (streamlit_static_dir() / "index.html").read_text()
    script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', index)
    assert script, "index.html names its entry script"
    request = urllib.request.Request(f"{proxy.url}/{script.group(1)}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Content-Type"] == "application/javascript"
        assert response.headers["Cache-Control"] == "public, immutable, max-age=31536000"
        assert "uvicorn" not in (response.headers.get("Server") or ""), "served by nginx, not a replica"
        body = gzip.decompress(response.read())
    assert body == (streamlit_static_dir() / script.group(1)).read_bytes()
    plain = urllib.request.Request(f"{proxy.url}/{script.group(1)}")
    with urllib.request.urlopen(plain, timeout=5) as response:
        assert response.headers.get("Content-Encoding") is None and response.read() == body, "and plain on request"
    assert http_status(f"{proxy.url}/static/js/no-such-file.js") == 404
