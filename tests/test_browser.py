"""The real app in headless Chromium: shared links open exactly the view, filters write the URL."""

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
    wait_until_drawn,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = record_console_errors(tab)
    yield tab
    context.close()


def test_delivery_link_opens_the_planted_region_and_filter_changes_write_the_url(server, page) -> None:
    page.goto(f"{server}/delivery?region={STORY.region}")
    wait_until_drawn(page)
    assert STORY.region in open_filters(page).get_by_test_id("stMultiSelect").first.inner_text()
    page.keyboard.press("Escape")
    assert "gap of" in page.get_by_test_id("stMain").inner_text()
    assert page.locator(ERROR_SELECTORS).count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3
    screenshot(page, "delivery-planted-region")

    choose_period(page, "quarter")
    page.wait_for_function("() => location.search.includes('grain=quarter')", timeout=30_000)
    query = parse_qs(urlsplit(page.url).query)
    assert query["grain"] == ["quarter"] and query["region"] == [STORY.region]
    assert not page.errors, page.errors


@pytest.mark.parametrize("path,name", [("/", "overview"), ("/delivery", "delivery")])
def test_every_page_renders_without_errors(server, page, path: str, name: str) -> None:
    page.goto(server + path)
    wait_until_drawn(page)
    assert page.locator(ERROR_SELECTORS).count() == 0
    assert page.locator("h1").count() >= 1
    screenshot(page, name)
    assert not page.errors, page.errors
