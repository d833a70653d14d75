"""A card's change vs the previous period and its interval, on hand-made series and on the Overview."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from tests.apptest import captions, run_page
from ui import query


@pytest.fixture(scope="module")
def weekly() -> AppTest:
    return run_page(None, {"grain": "week"})


def card_metrics(node, found: dict | None = None) -> dict:
    """Each card's st.metric by the card's title (its first bold line), from the blocks holding one metric."""
    found = {} if found is None else found
    for child in getattr(node, "children", {}).values():
        if not hasattr(child, "children"):
            continue
        inside, titles = list(child.metric), [m.value for m in child.markdown if m.value.startswith("**")]
        if len(inside) == 1 and titles:
            found[titles[0].split("**")[1]] = inside[0]
        card_metrics(child, found)
    return found


def _card(unit_name: str) -> None:
    from datetime import date

    from ui import cards
    from ui.state import Filters

    cards.kpi_card(unit_name, Filters(date(2026, 1, 1), date(2026, 3, 31), grain="week"))


def card_of(monkeypatch: pytest.MonkeyPatch, name: str, values: tuple[float, float]) -> MetricProto:
    """`name`'s card over two finished weeks with these values (n 500 each, same interval)."""
    weeks = [date(2026, 3, 2), date(2026, 3, 9)]
    frame = pl.DataFrame(
        {"period": weeks, "value": list(values), "n": [500, 500], "ci_low": [0.9, 0.9], "ci_high": [1.0, 1.0]}
    )
    monkeypatch.setattr(query, "metric", lambda *_, **__: frame.with_columns(complete=pl.lit(True)))
    monkeypatch.setattr(query, "goals", lambda *_, **__: ())
    at = AppTest.from_function(_card, args=(name,)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at.metric[0].proto


def test_a_change_that_rounds_to_zero_is_grey_with_no_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    # 95.12 % -> 95.08 %: -0.04 points, the executive's red "↓ -0.0 pts" on On time as shipped by week.
    card = card_of(monkeypatch, "delivery.on_time_shipped", (0.9512, 0.9508))
    assert card.delta == "0.0 pts"
    assert card.color == MetricProto.MetricColor.GRAY
    assert card.direction == MetricProto.MetricDirection.NONE


def test_a_change_that_shows_keeps_its_arrow_and_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    card = card_of(monkeypatch, "delivery.on_time_shipped", (0.9512, 0.9502))  # -0.1 points: a decrease
    assert card.delta == "-0.1 pts"
    assert card.color == MetricProto.MetricColor.RED
    assert card.direction == MetricProto.MetricDirection.DOWN
    lead = card_of(monkeypatch, "delivery.lead_time_internal", (1.02, 1.08))  # +0.1 d: longer, worse
    assert (lead.delta, lead.color) == ("+0.1 d", MetricProto.MetricColor.RED)


def test_no_card_on_the_weekly_overview_shows_a_signed_zero(weekly: AppTest) -> None:
    cards = card_metrics(weekly.main)
    assert "On time as shipped" in cards
    for title, card in cards.items():
        assert not re.fullmatch(r"[+-]0\.0+( pts| d)?", card.proto.delta), (title, card.proto.delta)
        if card.proto.delta and not card.proto.delta.startswith(("+", "-")):
            assert card.proto.direction == MetricProto.MetricDirection.NONE, title


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_no_card_shows_an_interval_whose_bounds_read_the_same(grain: str) -> None:
    text = captions(run_page(None, {"grain": grain}))
    assert "95 % CI" in text
    same = re.findall(r"95 % CI ([^ ·]+(?: d)?) – \1(?![\d.])", text)
    assert not same, same  # e.g. the executive's "1.0 d – 1.0 d" on a lead-time card
