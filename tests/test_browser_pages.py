"""Every page in headless Chromium: renders clean, and a shared link opens exactly the same view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.sample import STORY
from tests.browser_harness import (
    ERROR_SELECTORS,
    choose_period,
    open_filters,
    record_console_errors,
    screenshot,
    shown_period,
    wait_until_drawn,
)

pytestmark = pytest.mark.browser

PAGES = ["", "delivery", "retention", "satisfaction", "voice", "segments", "sources", "catalog"]
CHARTS = '[data-testid="stVegaLiteChart"], [data-testid="stDeckGlJsonChart"]'


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    errors = record_console_errors(tab)
    tab.goto(url)
    wait_until_drawn(tab)
    return context, tab, errors


def shown_filters(tab) -> dict:
    filters = open_filters(tab)
    shown = {
        "region": filters.get_by_test_id("stMultiSelect").first.inner_text(),
        "grain": shown_period(tab),
        "start": filters.get_by_test_id("stDateInput").first.locator("input").first.input_value(),
    }
    tab.keyboard.press("Escape")
    return shown


@pytest.mark.parametrize("path", PAGES)
def test_shared_link_round_trip(server, browser, path: str) -> None:
    name = path or "overview"
    context, tab, errors = open_page(browser, f"{server}/{path}?region={STORY.region}&start=2025-01-01&grain=quarter")
    try:
        assert tab.locator(ERROR_SELECTORS).count() == 0, tab.locator(ERROR_SELECTORS).first.inner_text()
        shown = shown_filters(tab)
        assert STORY.region in shown["region"] and "quarter" in shown["grain"]
        assert shown["start"].replace(" ", "").replace("/", "-") == "2025-01-01"
        screenshot(tab, f"page-{name}")

        # Change a filter: the URL follows, the other keys stay.
        sidebar = tab.get_by_test_id("stSidebar")
        choose_period(tab, "week")
        tab.wait_for_function("() => location.search.includes('grain=week')", timeout=30_000)
        wait_until_drawn(tab)
        query = parse_qs(urlsplit(tab.url).query)
        assert query["grain"] == ["week"] and query["region"] == [STORY.region] and query["start"] == ["2025-01-01"]

        # The copied link opens the same view in a fresh browser context (no shared session).
        sidebar.get_by_text("Copy link to this view").click()
        copied = tab.get_by_test_id("stPopoverBody").get_by_test_id("stCode").inner_text().strip()
        assert urlsplit(copied).path.rstrip("/") == f"/{path}".rstrip("/")
        assert parse_qs(urlsplit(copied).query) == query
        other, fresh, fresh_errors = open_page(browser, server + urlsplit(copied).path + "?" + urlsplit(copied).query)
        try:
            again = shown_filters(fresh)
            assert STORY.region in again["region"] and "week" in again["grain"]
            assert fresh.locator(ERROR_SELECTORS).count() == 0
            assert not fresh_errors, fresh_errors
        finally:
            other.close()
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("path", [p for p in PAGES if p not in ("sources", "catalog")])
def test_chart_link_opens_that_chart_alone(server, browser, path: str) -> None:
    context, tab, errors = open_page(browser, f"{server}/{path}?region={STORY.region}")
    try:
        links = tab.get_by_role("link", name="Link to this chart alone")
        assert links.count() >= 1, "every chart offers its own link"
        href = links.first.get_attribute("href")
        assert "chart=" in href
        solo, solo_tab, solo_errors = open_page(browser, href)
        try:
            assert solo_tab.locator(CHARTS).count() == 1
            assert solo_tab.locator("h1, h2, h3").count() == 0, "a chart link shows the chart, not the page"
            assert solo_tab.locator(ERROR_SELECTORS).count() == 0
            assert not solo_errors, solo_errors
            screenshot(solo_tab, f"chart-{path or 'overview'}")
        finally:
            solo.close()
        assert not errors, errors
    finally:
        context.close()


def test_unknown_chart_and_tampered_link_fall_back_with_a_notice(server, browser) -> None:
    context, tab, errors = open_page(
        browser, f"{server}/delivery?chart=nope&start=notadate&region=%3Cscript%3Ealert(1)%3C/script%3E"
    )
    try:
        main = tab.get_by_test_id("stMain").inner_text()
        assert "does not have" in main or "do not fit the data" in main
        assert tab.locator("h1").count() == 1, "the whole page is shown instead"
        assert tab.locator(ERROR_SELECTORS).count() == 0
        assert "<script>" not in open_filters(tab).get_by_test_id("stMultiSelect").first.inner_text()
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "label", "chart_id"),
    [
        ("delivery", "Where parcels arrive late", "delivery-map"),
        ("satisfaction", "Public reviews", "satisfaction-review-rating-by-source"),
        ("retention", "Revenue retention", "retention-revenue"),
        ("voice", "Verbatims", None),
    ],
)
def test_a_details_tab_is_in_the_link(server, browser, path: str, label: str, chart_id: str | None) -> None:
    """Only the open tab is drawn; clicking another puts it in the URL, and that link reopens it."""
    context, tab, errors = open_page(browser, f"{server}/{path}?region={STORY.region}")
    try:
        drawn_first = tab.locator(CHARTS).count()
        tab.get_by_role("tab", name=label).click()
        tab.wait_for_function(f"() => new URLSearchParams(location.search).get('tab') === {label!r}", timeout=30_000)
        wait_until_drawn(tab)
        query = parse_qs(urlsplit(tab.url).query)
        assert query == {"region": [STORY.region], "tab": [label]}
        other, fresh, fresh_errors = open_page(browser, tab.url)
        try:
            selected = fresh.get_by_role("tab", selected=True)
            assert selected.inner_text().strip() == label, "the link opens the tab it was copied from"
            in_tab = tab.get_by_test_id("stTabs").first.locator(CHARTS).count()
            assert fresh.get_by_test_id("stTabs").first.locator(CHARTS).count() == in_tab
            assert in_tab >= 1 if chart_id else fresh.get_by_test_id("stDataFrame").count() == 1
            if chart_id:  # a chart inside the tab keeps its single-chart link
                assert fresh.locator(f'a[href*="chart={chart_id}"]').count() == 1
            assert fresh.locator(ERROR_SELECTORS).count() == 0
            assert not fresh_errors, fresh_errors
        finally:
            other.close()
        assert drawn_first >= 1 and not errors, errors
    finally:
        context.close()
