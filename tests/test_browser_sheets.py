"""The app end to end on Google Sheets: the real gspread client against tests/sheets_standin.py, in headless Chromium.

The 'atlantis' fixture holds orders and survey answers the sample data cannot have (regions Atlantis and
Lemuria, March-April 2025) plus one bad row in each tab; every expected number below is worked out by hand
in atlantis_books()'s docstring and next to the assertion.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser_harness import (
    ERROR_SELECTORS,
    FOOTER_MARK,
    FOOTER_SHOWN,
    OUTPUT,
    open_filters,
    record_console_errors,
    screenshot,
    streamlit_server,
    wait_until_drawn,
)
from tests.sheets_standin import StandIn, service_account, start_standin

pytestmark = pytest.mark.browser

EMAIL = "outside-in@test-project.iam.gserviceaccount.com"
SOURCES = """
[tables.orders]
kind = "gsheets"
spreadsheet = "https://docs.google.com/spreadsheets/d/atlantis/edit#gid=0"
worksheet = "Orders"
[tables.orders.columns]
order_id = "Order ID"
customer_id = "Customer"
order_date = "Ordered"
promised_date = "Promised By"
shipped_date = "Shipped"
delivered_date = "Received On"
amount = "Value"

[tables.responses]
kind = "gsheets"
spreadsheet = "atlantis"
worksheet = "Responses"
[tables.responses.columns]
response_id = "Response"
responded_at = "Date"
customer_id = "Customer"
"""
PAGES = ["", "delivery", "retention", "satisfaction", "voice", "segments", "sources", "catalog"]
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# 9 good orders + 4 good answers; one bad row in each tab (a row, not a cell, is what the footer counts).
FOOTER = "13 rows from gsheets"
QUARANTINED = "2 rows quarantined (see Sources)"


@dataclass
class SheetsApp:
    url: str
    standin: StandIn


@contextmanager
def sheets_app(folder: Path) -> Iterator[SheetsApp]:
    """A stand-in serving the 'atlantis' book and `streamlit run` reading it through sources.toml."""
    standin = start_standin(fixture="atlantis")
    try:
        key = folder / "key.json"
        key.write_text(json.dumps(service_account(standin, EMAIL)), encoding="utf-8")
        sources = folder / "sources.toml"
        sources.write_text(SOURCES, encoding="utf-8")
        env = {"OUTSIDEIN_SOURCES": str(sources), "OUTSIDEIN_SHEETS_ENDPOINT": standin.url}
        with streamlit_server(env={**env, "OUTSIDEIN_GSHEETS_KEY": str(key)}) as url:
            yield SheetsApp(url, standin)
    finally:
        standin.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[SheetsApp]:
    with sheets_app(tmp_path_factory.mktemp("sheets")) as running:
        yield running


def server_log_tail(url: str) -> str:
    """The last lines of the server's log: the exception a redacted error element stands for."""
    log = OUTPUT / f"streamlit-{urlsplit(url).port}.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-6:]) if log.exists() else ""


def settle(tab, url: str) -> None:
    """Wait for the run to end; fail at once on an exception, soon on a run that ended without its footer."""
    main = "document.querySelector('[data-testid=\"stMain\"]')"
    ended = f"() => document.querySelector('{IDLE}') && {main}?.querySelector('h1, {EXCEPTION}')"
    drawn = f"() => document.querySelector('{EXCEPTION}') || {FOOTER_SHOWN}"
    tab.wait_for_function(ended, timeout=60_000)
    try:  # the last elements of a run can arrive a moment after the app reports it idle
        tab.wait_for_function(drawn, timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"{tab.url}: the run ended without drawing the footer")
    assert tab.locator(EXCEPTION).count() == 0, f"{tab.url} raised:\n{server_log_tail(url)}"
    wait_until_drawn(tab)


@contextmanager
def opened(browser, app: SheetsApp, path: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        tab = context.new_page()
        errors = record_console_errors(tab)
        tab.goto(f"{app.url}/{path}")
        settle(tab, app.url)
        yield tab, errors
    finally:
        context.close()


def main_text(tab) -> str:
    return " ".join(tab.get_by_test_id("stMain").inner_text().split())


def grid_rows(tab, index: int, columns: int) -> list[list[str]]:
    """The cells of the index-th st.dataframe (from its accessible grid), as rows."""
    grid = tab.get_by_test_id("stDataFrame").nth(index)
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")  # a hidden a11y table
    cells = grid.locator('[role="gridcell"]').all_inner_texts()
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


def fits_its_width(tab, index: int) -> bool:
    """Whether the index-th st.dataframe shows every column without scrolling sideways."""
    scroller = tab.get_by_test_id("stDataFrame").nth(index).locator(".dvn-scroller").first
    return scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


def test_bad_sheet_rows_are_quarantined_with_their_sheet_row(app, browser) -> None:
    # First in the file: /sources is the module server's first URL, which once ran the page bare (no footer).
    with opened(browser, app, "sources") as (tab, errors):
        assert tab.locator(ERROR_SELECTORS).count() == 0, tab.locator(ERROR_SELECTORS).first.inner_text()
        status = grid_rows(tab, 0, 8)  # the 8 columns shown of 11 (pages/sources.py STATUS_SHOWN)
        assert [row[:5] for row in status] == [
            ["orders", "gsheets", "Google Sheets atlantis › Orders", "9", "1"],
            ["responses", "gsheets", "Google Sheets atlantis › Responses", "4", "1"],
        ]
        # Every rule's count, then the rows: sheet row 11: received 2025-04-05, before its order (04-12)
        # and its shipment (04-13).
        assert grid_rows(tab, 1, 3) == [
            ["delivered_date", "delivered_date before order_date", "1"],
            ["delivered_date", "delivered_date before shipped_date", "1"],
        ]
        assert grid_rows(tab, 2, 6) == [
            ["orders", "Google Sheets atlantis › Orders", "11", "delivered_date", "2025-04-05", reason]
            for reason in ("delivered_date before order_date", "delivered_date before shipped_date")
        ]
        with tab.expect_download() as download:
            tab.get_by_test_id("stDownloadButton").click()
        assert Path(download.value.path()).read_text(encoding="utf-8").splitlines()[1:] == [
            "orders,Google Sheets atlantis › Orders,11,delivered_date,2025-04-05,delivered_date before order_date",
            "orders,Google Sheets atlantis › Orders,11,delivered_date,2025-04-05,delivered_date before shipped_date",
        ]
        # Sheet row 5: an NPS score of 11.
        tab.get_by_test_id("stMain").get_by_test_id("stSelectbox").click()
        tab.get_by_role("option", name="responses").click()
        tab.get_by_text("1 row of responses set aside").wait_for()
        wait_until_drawn(tab)
        assert grid_rows(tab, 2, 6) == [
            ["responses", "Google Sheets atlantis › Responses", "5", "score", "11", "score out of range for nps (0-10)"]
        ]
        screenshot(tab, "sheets-sources-quarantine")
        assert [fits_its_width(tab, i) for i in range(3)] == [True] * 3, "no table cut at a 1400 px window's edge"
        assert not errors, errors


def test_delivery_page_shows_the_sheets_orders(app, browser) -> None:
    with opened(browser, app, "delivery") as (tab, errors):
        assert tab.locator(ERROR_SELECTORS).count() == 0, tab.locator(ERROR_SELECTORS).first.inner_text()
        text = main_text(tab)
        # As of 2025-04-15 April is open: the cards show March (shipped on time 3 of 4, received 1 of 4) and April
        # only "so far" (A-005 and A-006 due, both on time). Fewer than 30 orders: greyed, n shown.
        assert re.search(r"On time as shipped Inside-out Mar 2025 75\.0% .*?n = 4 ·", text), text
        assert re.search(r"On time as received Customer lens Mar 2025 25\.0% .*?n = 4 ·", text), text
        assert text.count("Apr 2025 so far: 100.0% (n = 2), still open: not compared") == 2, text
        # The gap sentence reads the period the cards show (March: 3 of 4 vs 1 of 4, 100 * (0.25 - 0.75) points);
        # the open April only beside it, never as the headline gap.
        march = "Mar 2025: 75.0% of orders left on time (n = 4), 25.0% arrived on time (n = 4): a gap of -50.0 points"
        april = "Apr 2025 so far: 100.0% of orders left on time (n = 2), 100.0% arrived on time (n = 2); still open"
        assert march in text and april in text, text
        assert "a gap of +0.0 points" not in text, text
        screenshot(tab, "sheets-delivery")

        # The region filter offers the sheet's regions, and only those.
        open_filters(tab).get_by_test_id("stMultiSelect").first.click()
        offered = [o for o in tab.get_by_role("option").all_inner_texts() if o != "Select all"]
        assert offered == ["Atlantis", "Lemuria"]
        tab.get_by_role("option", name="Atlantis").click()
        tab.wait_for_function("() => location.search.includes('region=Atlantis')", timeout=30_000)
        tab.keyboard.press("Escape")
        wait_until_drawn(tab)
        # Atlantis in March: shipped on time; only A-001 received on time. April so far: A-006.
        text = main_text(tab)
        assert re.search(r"On time as shipped Inside-out Mar 2025 100\.0% .*?n = 3 ·", text), text
        assert re.search(r"On time as received Customer lens Mar 2025 33\.3% .*?n = 3 ·", text), text
        assert text.count("Apr 2025 so far: 100.0% (n = 1), still open: not compared") == 2, text
        assert tab.locator(ERROR_SELECTORS).count() == 0
        assert not errors, errors

    # Both tabs of the one spreadsheet came in a single values:batchGet, whatever page asked first.
    asked = [sorted(r.query["ranges"]) for r in app.standin.requests("batchGet")]
    assert asked and all(ranges == ["'Orders'", "'Responses'"] for ranges in asked), asked


@pytest.mark.parametrize("path", PAGES)
def test_every_footer_counts_the_quarantined_rows(app, browser, path: str) -> None:
    with opened(browser, app, path) as (tab, errors):
        footer = tab.get_by_test_id("stMain").locator("p", has_text=FOOTER_MARK).last.inner_text()
        assert FOOTER in footer and QUARANTINED in footer, footer
        assert tab.locator(ERROR_SELECTORS).count() == 0, tab.locator(ERROR_SELECTORS).first.inner_text()
        if path == "catalog":  # its table of every metric: all columns in a 1400 px window
            assert fits_its_width(tab, 0)
        assert not errors, errors


def test_unshared_spreadsheet_names_the_service_account_and_pages_still_draw(tmp_path, browser) -> None:
    with sheets_app(tmp_path) as app, opened(browser, app, "sources") as (tab, errors):
        assert tab.locator(ERROR_SELECTORS).count() == 0  # shared: loads
        app.standin.books["atlantis"].shared_with = set()  # someone stops sharing it
        tab.get_by_role("button", name="Refresh data").click()
        tab.locator(ERROR_SELECTORS).first.wait_for(timeout=60_000)
        settle(tab, app.url)
        sharing = f"spreadsheet atlantis is not shared with {EMAIL}: share it with that address (Viewer)"
        assert tab.locator(ERROR_SELECTORS).all_inner_texts() == [
            f"orders (Google Sheets atlantis › Orders): {sharing}",
            f"responses (Google Sheets atlantis › Responses): {sharing}",
        ]
        assert "2 source(s) failed (see Sources)" in main_text(tab)
        screenshot(tab, "sheets-unshared-sources")
        assert app.standin.requests("batchGet")[-1].status == 403

        for path in ("", "delivery", "retention"):
            tab.goto(f"{app.url}/{path}")
            settle(tab, app.url)
            assert tab.locator(ERROR_SELECTORS).count() == 0, (path, tab.locator(ERROR_SELECTORS).first.inner_text())
            said = " ".join(tab.locator('[data-testid="stAlertContainer"]').all_inner_texts())
            assert "needs table(s) orders" in said, (path, said)
            screenshot(tab, f"sheets-unshared-{path or 'overview'}")
        assert not errors, errors
