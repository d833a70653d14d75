"""Pages whose details sit in tabs (ui.page.tabs): only the open tab runs, and every chart still opens alone."""

from __future__ import annotations

import re

import pytest

from tests.apptest import captions, every_tab, run_page

TABBED = {
    "pages/delivery.py": [
        "By region",
        "Lead time",
        "What a late delivery costs",
        "Where parcels arrive late",
        "By carrier",
    ],
    "pages/retention.py": ["Cohort heatmap", "Retention curves", "Churn and repeat purchase", "Revenue retention"],
    "pages/satisfaction.py": ["Scores", "Public reviews", "By segment or region"],
    "pages/voice.py": ["Themes over time", "By NPS group", "Complaints vs delivery", "Verbatims"],
}
LINK = re.compile(r"[?&]chart=([\w-]+)")


def drawn(at) -> int:
    return len(at.get("vega_lite_chart")) + len(at.get("deck_gl_json_chart"))


@pytest.mark.parametrize("page", list(TABBED))
def test_each_tab_runs_alone_and_its_charts_open_alone(page: str) -> None:
    runs = every_tab(page, timeout=240)
    assert list(runs) == TABBED[page]
    ids_by_tab = {
        label: LINK.findall(" ".join(c.value for t in at.tabs for c in t.caption)) for label, at in runs.items()
    }
    for label, at in runs.items():  # the other tabs' charts are not computed, so their links are absent
        others = {i for other, ids in ids_by_tab.items() if other != label for i in ids}
        assert not others & set(LINK.findall(captions(at))), (label, others)
    for label, ids in ids_by_tab.items():
        if not ids:
            continue  # Voice's verbatims: a table, no chart
        solo = run_page(page, {"chart": ids[0]}, timeout=240)  # no tab= in the link: found in any tab
        assert drawn(solo) == 1 and not solo.tabs and not solo.metric, (label, ids[0])


@pytest.mark.parametrize(
    ("page", "query", "label"),
    [
        ("pages/satisfaction.py", {"split": "region"}, "By segment or region"),
        ("pages/voice.py", {"theme": "delivery_speed"}, "Verbatims"),
        ("pages/delivery.py", {"carrier": "nobody"}, "By carrier"),
        ("pages/delivery.py", {"carrier": "nobody", "tab": "Lead time"}, "Lead time"),  # tab= wins
    ],
)
def test_an_older_link_with_a_tabs_keys_opens_that_tab(page: str, query: dict, label: str) -> None:
    at = run_page(page, query, timeout=240)
    # Only the open tab runs: the one holding a chart or a table is the tab that opened.
    opened = [
        t.label for t in at.tabs if any(True for _ in t.get("vega_lite_chart")) or any(True for _ in t.get("dataframe"))
    ]
    assert opened == [label], opened
    shown = at.query_params["tab"]  # the address names the open tab, so a copied link or a reload keeps it
    assert (shown[0] if isinstance(shown, list) else shown) == label
