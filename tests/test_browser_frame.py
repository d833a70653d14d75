"""What the browser loads for the frame every page shares (speed itself is measured in bench/page_timing.py)."""

from __future__ import annotations

import re

import pytest

from tests.browser_harness import FOOTER_MARK, wait_until_drawn

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/catalog"])
def test_the_page_loads_no_emoji_plugin_and_the_footer_shows_the_time(server, browser, path: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    scripts: list[str] = []
    tab.on("request", lambda r: scripts.append(r.url.rsplit("/", 1)[-1]) if r.resource_type == "script" else None)
    try:
        tab.goto(server + path)
        wait_until_drawn(tab)
        footer = tab.get_by_test_id("stMain").locator("p", has_text=FOOTER_MARK).last.inner_text()
        assert re.search(r"page drawn \d\d:\d\d:\d\d$", footer), footer
        assert any(s.startswith("StreamlitMarkdown.") for s in scripts), "the capture sees Markdown's own script"
        assert [s for s in scripts if s.startswith("remark-emoji.")] == []
    finally:
        context.close()
