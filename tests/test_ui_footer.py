"""The frame's text stays plain Markdown: nothing on it makes the browser load Streamlit's emoji plugin."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.apptest import run_page
from ui.page import SHORTCODE, clock


def test_a_clock_time_is_an_emoji_shortcode_unless_escaped() -> None:
    moment = datetime(2026, 12, 2, 12, 4, 31)
    assert SHORTCODE.search(f"{moment:%H:%M:%S}"), "the pattern sees ':04:' as a shortcode, as the frontend does"
    assert clock(moment) == r"12\:04\:31"
    assert not SHORTCODE.search(clock(moment))
    assert SHORTCODE.search("rain :umbrella: today") and not SHORTCODE.search(":material/link: and :gray[text]")


@pytest.mark.parametrize("page", [None, "pages/catalog.py"])
def test_no_text_on_the_overview_or_the_catalog_is_a_shortcode(page: str | None) -> None:
    at = run_page(page)
    texts = [e.value for e in (*at.markdown, *at.caption)]
    footer = [t for t in texts if "rows quarantined" in t]
    assert footer and "page drawn" in footer[-1]
    assert [t for t in texts if SHORTCODE.search(t)] == []
