"""A real `streamlit run` server and Debian's headless Chromium, for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ui.state import FILTERS_LABEL

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, which this machine refuses; even with
# them it still looks up Google's hosts (accounts, autofill, update): the resolver rule answers every name but
# loopback's "not found" without a DNS query, so the browser tests talk only to 127.0.0.1.
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Streamlit's frontend first probes its endpoints under the page path (/delivery/_stcore/...),
# gets a 404 and falls back to the root: a console line, not a fault of the page.
BENIGN_CONSOLE = ("Failed to load resource: the server responded with a status of 404",)
FOOTER_MARK = "rows quarantined"  # every page's footer says this: the run got to its end
# The footer is drawn. textContent, not innerText: innerText lays the page out to know what is visible, so
# every poll during a page's load forced an extra layout of a DOM that was still changing (+0.3 browser CPU s
# per visit of a full page, +0.05 on the one-chart page, bench/README.md): the harness paid, and was timed, for
# work no viewer's browser does.
FOOTER_SHOWN = f"document.querySelector('[data-testid=\"stMain\"]')?.textContent.includes('{FOOTER_MARK}')"
# Every chart drawn: no element still a placeholder (Streamlit shows a skeleton until an element's lazily
# loaded script has arrived, so a chart that has not even mounted yet is no stVegaLiteChart to wait for),
# and every Vega chart has its canvas.
CHARTS_DRAWN = """(!document.querySelector('[data-testid="stSkeleton"], .stSkeleton')
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(c => c.querySelector('canvas, svg')))"""
ERROR_SELECTORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def streamlit_server(
    env: dict[str, str] | None = None,
    timeout: float = 90,
    script: str = "app.py",
    args: list[str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Start `streamlit run <script>` on a free loopback port (or `port`); yield its base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    OUTPUT.mkdir(exist_ok=True)
    log = (OUTPUT / f"streamlit-{port}.log").open("w")
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    cmd += args or []
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not become healthy; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    """Wait until a script run has finished (its footer is drawn, nothing runs) and every chart drew."""
    idle = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_function(
        f"""() => document.querySelector('{idle}')
               && {FOOTER_SHOWN}""",
        timeout=timeout_ms,
    )
    # A run can ask for another (a rerun); settle only when idle again a moment later.
    page.wait_for_timeout(250)
    page.wait_for_selector(idle, timeout=timeout_ms)
    page.wait_for_function(f"() => {CHARTS_DRAWN}", timeout=timeout_ms)


def record_console_errors(page) -> list[str]:
    """Collect uncaught exceptions and console errors (benign Streamlit probes aside)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith(BENIGN_CONSOLE):
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} {r.failure}"))
    return errors


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
                 .map(e => e.scrollHeight), 0)"""
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 80, 12_000))})
    page.wait_for_timeout(300)  # charts re-measure their width after the resize
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def open_filters(page):
    """Open the sidebar's popover of dates, regions and segments (drawn only when opened) and return its body;
    the caller presses Escape to close it."""
    page.get_by_test_id("stSidebar").get_by_test_id("stPopoverButton").filter(has_text=FILTERS_LABEL).click()
    body = page.get_by_test_id("stPopoverBody").filter(has=page.get_by_test_id("stDateInput"))
    body.wait_for(timeout=30_000)
    return body


def period_control(page):
    """The sidebar's Period control: a segmented control (role radiogroup), one button per grain."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stButtonGroup").filter(has_text="Period")


def choose_period(page, grain: str) -> None:
    period_control(page).get_by_role("radio", name=grain, exact=True).click()


def shown_period(page) -> str:
    return period_control(page).locator('[role="radio"][aria-checked="true"]').inner_text().strip()
