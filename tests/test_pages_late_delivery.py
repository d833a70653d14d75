"""What a late delivery costs, on the Delivery page, the Overview and the Voice page's verbatims."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import metrics
from connectors.sample import generate
from metrics.ratings import late_cost
from tests.apptest import captions, run_page
from ui import late_cost as late_sentence
from ui.state import Filters

OLIST = Path(__file__).parent / "fixtures" / "olist" / "sources.toml"
RATING = "satisfaction.rating_by_delivery"


def markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


@pytest.fixture(scope="module")
def sample() -> dict[str, pl.DataFrame]:
    return generate()


def test_delivery_page_says_what_a_late_delivery_costs(sample) -> None:
    at = run_page("pages/delivery.py", {"tab": "What a late delivery costs"})
    assert "What a late delivery costs" in [t.label for t in at.tabs]
    late = metrics.compute(RATING, sample, grain="all").row(0, named=True)
    sentence = next(m.value for m in at.markdown if m.value.startswith("Orders that arrive late"))
    assert f"**{abs(late['difference']):.1f} stars lower**" in sentence
    assert f"95 % CI {-late['difference_ci_high']:.1f} to {-late['difference_ci_low']:.1f}" in sentence
    assert f"{late['n']:,} reviews of late orders" in sentence
    assert "chart=delivery-late-ratings" in captions(at)


def test_overview_puts_stars_next_to_nps_and_the_late_sentence(sample) -> None:
    at = run_page()
    assert any(m.value.startswith("Orders that arrive late are rated") for m in at.markdown)
    stars = metrics.compute("satisfaction.review_rating", sample).filter(pl.col("n") > 0).tail(1).row(0, named=True)
    assert f"{stars['value']:.2f}" in [m.value for m in at.metric]


def test_voice_lists_only_late_orders_feedback(sample) -> None:
    at = run_page("pages/voice.py", {"delivery": "late", "source": "reviews"})
    assert at.get("button_group")[1].value == "late"
    table = at.dataframe[0].value
    assert len(table) > 0 and (table["days_late"] > 0).all()
    # By hand: reviews with text whose order arrived after its promised date.
    orders = sample["orders"].filter(pl.col("delivered_date") > pl.col("promised_date")).select("order_id")
    late_reviews = sample["reviews"].filter(pl.col("text").is_not_null()).join(orders, on="order_id")
    assert f"{late_reviews.height:,} texts match" in captions(at)
    assert "about orders that arrived late" in captions(at)


@pytest.fixture
def olist(monkeypatch):
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(OLIST))


def test_olist_export_late_orders_quoted_and_no_sentence_on_four_reviews(olist) -> None:
    voice = run_page("pages/voice.py", {"delivery": "late"})
    table = voice.dataframe[0].value
    # L1, L3 and L4 wrote a comment (L2 gave stars only): 1, 5 and 10 days late, newest first.
    assert list(table["days_late"]) == [10, 5, 1]
    assert list(table["score"]) == [1, 1, 3]
    assert table["text"].iloc[0] == "Demorou demais.\r\nChegou dez dias depois do previsto, com a caixa amassada."
    delivery = run_page("pages/delivery.py", {"tab": "What a late delivery costs"})
    # 4 late reviews against 6 on time: below the metric's minimum, so the page does not claim a number.
    assert "Orders that arrive late" not in markdown(delivery)
    assert "chart=delivery-late-ratings" in captions(delivery)


def _rows(late_n: int, on_time_n: int, low: float | None, high: float | None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "delivery": ["late", "on_time"],
            "n": [late_n, on_time_n],
            "difference": [-1.0, None],
            "difference_ci_low": [low, None],
            "difference_ci_high": [high, None],
        }
    )


def test_late_cost_needs_enough_answers_on_both_sides_and_an_interval() -> None:
    assert late_cost(_rows(29, 500, -1.5, -0.5), 30) is None
    assert late_cost(_rows(30, 29, -1.5, -0.5), 30) is None
    assert late_cost(_rows(30, 30, None, None), 30) is None
    assert late_cost(_rows(30, 30, -1.5, -0.5), 30).clear
    assert not late_cost(_rows(30, 30, -1.5, 0.5), 30).clear
    assert late_cost(_rows(30, 30, -1.5, 0.5), 30).late_n == 30


def _sentence(monkeypatch: pytest.MonkeyPatch, low: float, high: float, difference: float = -1.3) -> str:
    """The late-delivery sentence over a hand-made rating_by_delivery result (800 late, 4,000 on time)."""
    frame = _rows(800, 4000, low, high).with_columns(difference=pl.Series([difference, None]))
    monkeypatch.setattr(late_sentence.query, "metric", lambda *_, **__: frame)
    sentence = late_sentence.sentence(Filters(date(2026, 1, 1), date(2026, 3, 31)))
    assert sentence is not None
    return sentence


def test_late_sentence_tells_a_narrow_interval_s_bounds_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1.26 and 1.34 stars both read "1.3": the executive's "1.3 stars lower (95 % CI 1.3 to 1.3)".
    assert "1.3 stars lower** than orders that arrive on time (95 % CI 1.26 to 1.34;" in _sentence(
        monkeypatch, -1.34, -1.26
    )
    assert "(95 % CI within ±0.01;" in _sentence(monkeypatch, -1.304, -1.301)  # apart by less than 0.01
    assert "(95 % CI 1.1 to 1.5;" in _sentence(monkeypatch, -1.5, -1.1)  # apart at one decimal: as before
    assert "(95 % CI -0.5 to +0.2: no clear difference;" in _sentence(monkeypatch, -0.5, 0.2, -0.1)


def test_late_filter_on_feedback_without_orders_says_why(tmp_path, monkeypatch) -> None:
    (tmp_path / "reviews.csv").write_text(
        "review_id,published_at,source,rating,text\nV1,2026-01-05,google,1,Late again\n", encoding="utf-8"
    )
    (tmp_path / "sources.toml").write_text('[tables.reviews]\nkind = "csv"\npath = "reviews.csv"\n', encoding="utf-8")
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(tmp_path / "sources.toml"))
    at = run_page("pages/voice.py", {"delivery": "late"})
    assert any("names a delivered order" in i.value for i in at.info)
    assert "0 texts match" in captions(at)
