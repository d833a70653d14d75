"""The Overview's cards keep their definitions one click away: one button per row of cards, not one per card."""

from __future__ import annotations

import pytest

import metrics
from metrics.analysis.headline import CUSTOMER_KPIS, TWIN_PAIRS
from tests.apptest import run_page
from ui.cards import DEFINITIONS_LABEL


def popovers(node) -> list:
    """Every popover block below `node`, in page order (AppTest has no accessor for them)."""
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", None) == "popover":
            found.append(child)
        found += popovers(child)
    return found


@pytest.fixture(scope="module")
def overview():
    return run_page()


def test_each_row_of_cards_has_one_definitions_button_holding_every_card_s_definition(overview) -> None:
    buttons = [p for p in popovers(overview.main) if p.proto.popover.label == DEFINITIONS_LABEL]
    twins = [name for pair in TWIN_PAIRS for name in pair]
    assert len(buttons) == 2
    for button, names in zip(buttons, (twins, CUSTOMER_KPIS), strict=True):
        shown = [t.value for t in button.text]
        assert shown == [metrics.spec(name).definition for name in names]
        titles = " ".join(m.value for m in button.markdown)
        assert all(f"`{name}`" in titles for name in names)
        assert any(f"fewer than {metrics.spec(names[0]).min_n} observations" in c.value for c in button.caption)
    labels = [p.proto.popover.label for p in popovers(overview.main)]
    assert "Definition" not in labels, "no card carries its own definition button any more"
    assert len(overview.metric) == len(twins) + len(CUSTOMER_KPIS), "every card is still drawn"


def test_what_changed_is_one_markdown_element_with_a_bullet_per_line(overview) -> None:
    box = [m.value for m in overview.markdown if m.value.startswith("**What changed**")]
    assert len(box) == 1
    assert box[0].split("\n")[1] == "" and box[0].split("\n")[2].startswith("- ")
