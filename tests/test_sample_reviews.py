"""The sample's reviews as customers leave them: mostly star-only, linked to orders, late orders rated lower."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from connectors.sample import STORY, generate
from metrics import compute


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return generate()


def test_most_reviews_are_star_only_and_every_feedback_names_an_order(tables):
    reviews = tables["reviews"]
    star_only = reviews.get_column("text").is_null().mean()
    assert 0.5 < star_only < 0.65  # 58 % in the public Olist export
    orders = tables["orders"].get_column("order_id")
    for table in ("reviews", "responses"):
        ids = tables[table].get_column("order_id")
        assert ids.null_count() == 0 and ids.is_in(orders.implode()).all()


def test_late_orders_are_rated_over_a_star_lower(tables):
    got = compute("satisfaction.rating_by_delivery", tables, grain="all").row(0, named=True)
    assert got["delivery"] == "late" and got["n"] > 500
    assert got["difference_ci_high"] < -1.0  # the whole interval: more than a star lower


def test_story_region_is_rated_lower_from_story_month_and_late_orders_lowest(tables):
    where = {"region": [STORY.region]}
    stars = compute("satisfaction.review_rating", tables, grain="all", where=where, end=date(2026, 2, 28))
    after = compute("satisfaction.review_rating", tables, grain="all", where=where, start=STORY.since)
    assert after["ci_high"][0] < stars["ci_low"][0]
    assert after["share_one_star"][0] > 1.5 * stars["share_one_star"][0]
    late = compute("satisfaction.rating_by_delivery", tables, grain="all", where=where, start=STORY.since)
    rows = {r["delivery"]: r for r in late.to_dicts()}
    assert rows["late"]["n"] >= 100 and rows["late"]["difference_ci_high"] < 0
