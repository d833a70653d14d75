"""Every page under AppTest: default filters, filters from the URL, tampered links."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from connectors.sample import STORY
from tests.apptest import captions, run_page
from tests.browser_harness import ROOT

PAGES = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "pages").glob("*.py"))]


def run_app(query: dict | None = None, page: str | None = None) -> AppTest:
    return run_page(page, query, timeout=120)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_default_filters(page: str) -> None:
    at = run_app(page=page)
    assert at.title, "each page has a title"
    assert not at.error
    assert any("rows quarantined" in c.value for c in at.caption), "footer states the quarantine count"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_takes_filters_from_the_url(page: str) -> None:
    query = {"region": STORY.region, "start": "2025-06-01", "end": "2026-09-30", "grain": "quarter"}
    at = run_app(query, page=page)
    assert at.multiselect(key="region").value == [STORY.region]
    assert str(at.date_input(key="start").value) == "2025-06-01"
    assert str(at.date_input(key="end").value) == "2026-09-30"
    assert at.button_group(key="grain").value == "quarter"
    if page != "pages/sources.py":  # lists sources, not filtered data
        assert any(STORY.region in c.value for c in at.caption), "the page header names the filtered region"


def test_delivery_page_shows_the_planted_gap() -> None:
    at = run_app({"region": STORY.region}, page="pages/delivery.py")
    text = " ".join(m.value for m in at.markdown)
    assert "gap of" in text
    gap = float(text.split("gap of **")[1].split(" points")[0])
    assert gap <= -15, f"the planted region's late deliveries show as a large gap, got {gap}"


def test_kpi_cards_show_value_n_and_interval() -> None:
    at = run_app()
    metrics_shown = [m.label for m in at.metric]
    assert len(metrics_shown) >= 2
    captions = " ".join(c.value for c in at.caption)
    assert "n = " in captions and "95 % CI" in captions


def test_tampered_link_falls_back_with_a_notice() -> None:
    at = run_app({"start": "notadate", "region": "<script>alert(1)</script>", "grain": "decade"})
    assert at.multiselect(key="region").value == []
    assert at.button_group(key="grain").value == "month"
    notice = " ".join(c.value for c in at.caption)
    assert "do not fit the data" in notice and "start" in notice and "grain" in notice
    assert not at.error


def test_delivery_carrier_choice_comes_from_the_url() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.query_params["carrier"] = STORY.carrier
    at.switch_page("pages/delivery.py")
    at.run()
    assert not at.exception
    assert at.multiselect(key="carrier").value == [STORY.carrier]


def test_unknown_chart_id_shows_the_whole_page_with_a_notice() -> None:
    at = run_app({"chart": "no-such-chart"})
    assert at.title, "the whole page is drawn"
    assert "chart" not in at.query_params
    assert any("does not have" in c.value for c in at.caption)


def test_three_month_card_says_why_it_is_empty_in_a_short_recent_window():
    at = run_page(None, {"start": "2026-08-01", "end": "2026-09-30"}, timeout=120)
    text = captions(at)
    assert "has had 90 days yet" in text, "a short recent window explains the empty 3-month card"
    assert "No data in this view" not in text


def test_what_changed_names_the_widest_region_gap_and_says_when_it_is_outside_the_filter():
    def gap_line(at: AppTest) -> str:
        # "What changed" is one Markdown element, a bullet a line
        lines = (line for m in at.markdown for line in m.value.split("\n"))
        return next(line for line in lines if "the widest gap of any region" in line)

    everywhere = gap_line(run_app())
    assert everywhere.startswith(f"- :orange[{STORY.region}]: over the window "), everywhere
    other = next(r for r in ("West", "Midwest", "Northeast") if r != STORY.region)
    filtered = gap_line(run_app({"region": other}))
    assert filtered.startswith(f"- :orange[{STORY.region}] (a region outside this view's filter): "), filtered
    assert gap_line(run_app({"region": STORY.region})).startswith(f"- :orange[{STORY.region}]: ")
