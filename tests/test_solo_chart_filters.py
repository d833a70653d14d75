"""A single-chart link (?chart=...) draws no sidebar widgets, yet filters exactly as the full page's widgets do.

ui.state.url_filters reads the link with the bound widgets' rules; each case here opens the same link as a
full page (widgets drawn, bound to the URL) and as a single chart, and the two must select the same view.
"""

from __future__ import annotations

from datetime import date

import pytest

from connectors.sample import STORY
from tests.apptest import run_page
from ui import state

CHART = "delivery-on-time-trend"
LINKS = [
    {},
    {"region": STORY.region, "grain": "quarter"},
    {"region": [STORY.region, "Atlantis", "West"], "segment": "Clinics", "grain": "decade"},  # one region tampered
    {"start": "1990-01-01", "end": "2026-03-31", "grain": "week"},  # start before the data: clamped
    {"start": "2026-02-01", "end": "2025-11-30"},  # start after end: swapped
    {"start": "not-a-date", "segment": "<b>x</b>"},
]


def _filters(link: dict, solo: bool) -> state.Filters:
    at = run_page("pages/delivery.py", {**link, "chart": CHART} if solo else link, timeout=240)
    return at.session_state[state.FILTERS], at


@pytest.mark.parametrize("link", LINKS, ids=[str(i) for i in range(len(LINKS))])
def test_a_single_chart_filters_as_the_full_page_does(link: dict) -> None:
    full, _ = _filters(link, solo=False)
    alone, at = _filters(link, solo=True)
    assert alone == full
    assert len(at.get("vega_lite_chart")) == 1, "the chart alone"
    drawn = [type(e).__name__ for e in at.sidebar]
    assert not any(k in drawn for k in ("ButtonGroup", "Multiselect", "DateInput")), drawn


def test_known_answer_for_a_tampered_single_chart_link() -> None:
    link = {"region": [STORY.region, "Atlantis"], "grain": "decade", "start": "2025-03-01", "end": "2025-01-31"}
    alone, at = _filters(link, solo=True)
    assert (alone.regions, alone.segments, alone.grain) == ((STORY.region,), (), "month")
    assert (alone.start, alone.end) == (date(2025, 1, 31), date(2025, 3, 1))
    assert at.session_state[state.FILTERS] == alone


def test_a_single_chart_says_which_view_it_draws() -> None:
    _, at = _filters({"region": STORY.region, "grain": "quarter"}, solo=True)
    scope = at.caption[0].value
    assert scope.startswith("Delivery · ") and STORY.region in scope and "by quarter" in scope


def test_the_view_is_said_in_one_wording_in_the_sidebar_the_header_and_the_chart_alone() -> None:
    link = {"region": STORY.region, "segment": "Clinics", "start": "2025-01-31", "end": "2025-03-01", "grain": "week"}
    said = f"31 Jan 2025 – 01 Mar 2025 · {STORY.region} · Clinics"
    full, at = _filters(link, solo=False)
    assert full.scope() == f"{said} · by week"
    assert said in [c.value for c in at.sidebar.caption]  # the Period control says the grain
    assert any(c.value.endswith(f"\n{said} · by week") for c in at.main.caption), "the page header"
    _, alone = _filters(link, solo=True)
    assert alone.caption[0].value == f"Delivery · {said} · by week"


LINK_ALONE = "Link to this chart alone"


@pytest.mark.parametrize("embed", [False, True], ids=["chart", "embed"])
def test_a_chart_alone_keeps_its_exports_but_offers_no_link_to_itself(embed: bool) -> None:
    """Was: ?chart=<id> (and &embed=true) still offered "Link to this chart alone", a link to itself."""
    link = {"region": STORY.region, **({"embed": "true"} if embed else {})}
    _, alone = _filters(link, solo=True)
    assert not [c.value for c in alone.main.caption if LINK_ALONE in c.value]
    exports = [d.proto.label for d in alone.get("download_button")]
    assert exports == ["PNG image", "SVG image", "Data (CSV)", "Data (Excel)"], exports


def test_the_full_page_links_each_chart_alone() -> None:
    _, full = _filters({"region": STORY.region}, solo=False)
    links = [c.value for c in full.main.caption if LINK_ALONE in c.value]
    assert links and len(links) == len(full.get("vega_lite_chart")), links
    assert all("chart=" in link for link in links)
