"""The embedded sample data: contract, determinism, size, and the four planted stories.

Stories are checked with plain Polars over the generated frames (and the on-time twins
also through metrics.compute), so a change to the generator that blurs a story fails here.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import polars as pl
import pytest

from connectors import sample_texts
from connectors.contract import TABLE_NAMES, TABLES
from connectors.sample import STORY, generate, sample_dataset
from connectors.validate import validate
from metrics.api import compute

# The default voice taxonomy (matched case-insensitively on word boundaries).
THEMES: dict[str, tuple[str, ...]] = {
    "delivery speed": ("late", "slow", "delay", "delayed", "took ages", "still waiting"),
    "damaged item": ("damaged", "broken", "crushed"),
    "price": ("price", "expensive", "overpriced", "cheap"),
    "product quality": ("quality", "flimsy", "defective", "well made"),
    "support": ("support", "customer service", "helpful", "agent"),
    "ease of use": ("easy", "intuitive", "confusing"),
    "returns": ("return", "refund", "exchange"),
    "communication": ("tracking", "update", "notified", "email"),
}


def _pattern(words) -> str:
    return r"(?i)\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"


DELIVERY = _pattern(THEMES["delivery speed"])
ANY_THEME = _pattern([w for words in THEMES.values() for w in words])
SINCE, END = STORY.since, STORY.end


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return generate()


@pytest.fixture(scope="module")
def orders(tables) -> pl.DataFrame:
    return tables["orders"].with_columns(
        in_region=pl.col("region") == STORY.region,
        after=pl.col("order_date") >= SINCE,
        story_carrier=pl.col("carrier") == STORY.carrier,
        shipped_ok=pl.col("shipped_date") <= pl.col("promised_date"),
        received_ok=pl.col("delivered_date") <= pl.col("promised_date"),
    )


def _nps(frame: pl.DataFrame) -> float:
    scores = frame.filter(pl.col("survey") == "nps").get_column("score")
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


# ---------------------------------------------------------------- contract, size, determinism


def test_generates_every_contract_table_with_contract_dtypes(tables):
    assert set(tables) == set(TABLE_NAMES)
    for name, frame in tables.items():
        assert frame.schema == pl.Schema(TABLES[name].schema), name
        assert frame.height > 0, name


def test_every_table_passes_validation_with_nothing_quarantined(tables):
    for name, frame in tables.items():
        result = validate(name, frame, "sample")
        assert result.quarantine.height == 0, (name, result.quarantine.head())
        assert result.frame.equals(frame), name


def test_data_spans_the_fixed_two_years(tables):
    days = tables["orders"].select(lo=pl.col("order_date").min(), hi=pl.col("order_date").max()).row(0)
    assert (STORY.start, STORY.end) == (date(2024, 11, 1), date(2026, 10, 31))
    assert days[0] < STORY.start + timedelta(days=3) and days[1] > STORY.end - timedelta(days=3)
    assert days[0] >= STORY.start and days[1] <= STORY.end
    for name, col in (("responses", "responded_at"), ("reviews", "published_at"), ("notes", "written_at")):
        span = tables[name].select(lo=pl.col(col).min(), hi=pl.col(col).max()).row(0)
        assert STORY.start <= span[0] and span[1] <= STORY.end, name
    for col in ("shipped_date", "delivered_date"):
        assert tables["orders"].get_column(col).max() <= STORY.end


def test_default_size_and_customer_ratio(tables):
    orders, customers = tables["orders"], tables["customers"]
    assert orders.height == 100_000
    assert customers.height == 20_000
    # Every customer ordered at least once, and every order belongs to a known customer.
    assert set(orders.get_column("customer_id").unique()) == set(customers.get_column("customer_id"))
    for name in ("responses", "reviews", "notes", "revenue"):
        known = tables[name].get_column("customer_id").is_in(customers.get_column("customer_id").implode())
        assert known.all(), name


def test_same_seed_gives_identical_frames_and_other_seed_differs():
    first, again, other = (
        generate(seed=11, n_orders=20_000),
        generate(seed=11, n_orders=20_000),
        generate(seed=12, n_orders=20_000),
    )
    for name in TABLE_NAMES:
        assert first[name].equals(again[name]), name
    assert not first["orders"].equals(other["orders"])
    assert not first["responses"].equals(other["responses"])


def test_small_size_works_and_validates():
    small = generate(n_orders=5_000)
    assert small["orders"].height == 5_000
    assert small["customers"].height == 1_000
    for name, frame in small.items():
        assert frame.height > 0, name
        assert validate(name, frame, "sample").quarantine.height == 0, name


def test_too_few_orders_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 5"):
        generate(n_orders=4)


def test_sample_dataset_has_a_sample_status_per_table():
    ds = sample_dataset(n_orders=5_000)
    assert set(ds.tables) == set(TABLE_NAMES)
    assert ds.quarantine.height == 0 and ds.quarantined_rows == 0 and ds.errors == []
    assert {s.table for s in ds.status} == set(TABLE_NAMES)
    for status in ds.status:
        assert status.kind == "sample"
        assert status.where == "embedded sample data (seed 7, 5,000 orders)"
        assert status.rows == ds.tables[status.table].height
        assert status.loaded_at is not None and status.error is None
    assert sample_dataset.__defaults__ == (7, 100_000)


def test_story_is_frozen_and_consistent(tables):
    with pytest.raises(dataclasses.FrozenInstanceError):
        STORY.region = "West"  # type: ignore[misc]
    assert STORY.since.day == 1 and STORY.start < STORY.since < STORY.end
    orders = tables["orders"]
    assert STORY.region in STORY.regions and STORY.carrier in STORY.carriers
    assert STORY.focus_segment in STORY.segments
    assert set(orders.get_column("region").unique()) == set(STORY.regions)
    assert set(orders.get_column("carrier").unique()) == set(STORY.carriers)
    assert set(orders.get_column("segment").unique()) == set(STORY.segments)
    assert set(orders.get_column("channel").unique()) == set(STORY.channels)
    assert set(tables["customers"].get_column("segment").unique()) == set(STORY.segments)


# ---------------------------------------------------------------- table content


def test_order_dates_follow_the_delivery_rules(tables):
    orders = tables["orders"]
    promise = (pl.col("promised_date") - pl.col("order_date")).dt.total_days()
    assert orders.filter(pl.col("promised_date").is_not_null()).select(promise.is_between(3, 5).all()).item()
    no_promise = orders.get_column("promised_date").is_null().mean()
    assert 0.01 <= no_promise <= 0.04
    # Not yet shipped / delivered only in the last days of the data.
    for col, days in (("shipped_date", 10), ("delivered_date", 15)):
        pending = orders.filter(pl.col(col).is_null())
        assert pending.height > 0, col
        assert pending.get_column("order_date").min() >= END - timedelta(days=days), col
    assert orders.filter(pl.col("delivered_date").is_not_null() & pl.col("shipped_date").is_null()).height == 0


def test_amounts_are_positive_money(tables):
    amount = tables["orders"].get_column("amount")
    assert amount.null_count() == 0 and amount.min() > 0
    assert (amount.round(2) == amount).all()


def test_coordinates_sit_in_their_regions(tables):
    customers = tables["customers"]
    assert customers.select(pl.col("lat").is_between(20, 50).all(), pl.col("lon").is_between(-126, -66).all()).row(
        0
    ) == (True, True)
    centre = customers.group_by("region").agg(pl.col("lat").mean(), pl.col("lon").mean())
    lat, lon = (dict(zip(centre.get_column("region"), centre.get_column(c), strict=True)) for c in ("lat", "lon"))
    assert lon["Northeast"] > -80 and lat["Northeast"] > 39
    assert lat["Pacific Northwest"] > 44 and lon["Pacific Northwest"] < -115
    assert lon["Southwest"] < -95 and lat["Southwest"] < 36
    assert lat["Southeast"] < 35 and lon["Southeast"] > -90
    # Orders go to their customer's place.
    joined = tables["orders"].join(customers, on="customer_id", suffix="_c")
    assert joined.select((pl.col("lat") == pl.col("lat_c")).all(), (pl.col("region") == pl.col("region_c")).all()).row(
        0
    ) == (True, True)


def test_revenue_is_monthly_sum_of_order_amounts(tables):
    expected = (
        tables["orders"]
        .group_by("customer_id", month=pl.col("order_date").dt.truncate("1mo"))
        .agg(expected=pl.col("amount").sum())
    )
    joined = tables["revenue"].join(expected, on=["customer_id", "month"], how="full", coalesce=True)
    assert joined.height == tables["revenue"].height == expected.height
    assert joined.select(((pl.col("revenue") - pl.col("expected")).abs() < 0.006).all()).item()
    assert (tables["revenue"].get_column("month").dt.day() == 1).all()


def test_responses_cover_three_surveys_with_comments(tables):
    responses = tables["responses"]
    share = responses.get_column("survey").value_counts(normalize=True)
    assert dict(zip(share.get_column("survey"), share.get_column("proportion"), strict=True)).keys() == {
        "nps",
        "csat",
        "ces",
    }
    assert 0.4 <= responses.get_column("comment").is_not_null().mean() <= 0.8
    assert set(responses.get_column("source").unique()) == {"google_forms", "typeform"}
    assert set(tables["reviews"].get_column("source").unique()) == {"trustpilot", "google", "yelp"}
    authors = tables["notes"].get_column("author").unique()
    assert authors.str.contains("(sales)", literal=True).any() and authors.str.contains("(support)", literal=True).any()


def test_every_theme_appears_in_the_texts(tables):
    texts = pl.concat(
        [
            tables["responses"].select(text="comment").drop_nulls(),
            tables["reviews"].select("text"),
            tables["notes"].select("text"),
        ]
    ).get_column("text")
    for theme, words in THEMES.items():
        assert texts.str.contains(_pattern(words)).sum() >= 100, theme
    # Plenty of texts are purely positive or neutral.
    assert (~texts.str.contains(ANY_THEME)).mean() > 0.2


def test_phrase_groups_carry_exactly_their_theme_keywords():
    group_theme = {
        "delivery": "delivery speed",
        "damaged": "damaged item",
        "price": "price",
        "quality": "product quality",
        "support": "support",
        "ease": "ease of use",
        "returns": "returns",
        "comms": "communication",
    }
    for group, phrases in sample_texts.GROUPS.items():
        for phrase in phrases:
            if group in ("positive", "neutral"):
                assert not re.search(ANY_THEME, phrase), phrase
            else:
                assert re.search(_pattern(THEMES[group_theme[group.rsplit("_", 1)[0]]]), phrase), phrase
    for prefix in sample_texts.SUPPORT_PREFIXES + sample_texts.SALES_PREFIXES:
        assert not re.search(ANY_THEME, prefix), prefix


# ---------------------------------------------------------------- story 1: shipped on time, received late


def test_story_carrier_ships_on_time_but_delivers_late_in_region_since(orders):
    due = orders.filter(pl.col("promised_date").is_not_null(), pl.col("order_date") <= END - timedelta(days=20))
    rates = due.group_by("in_region", "after", "story_carrier").agg(
        n=pl.len(), shipped=pl.col("shipped_ok").mean(), received=pl.col("received_ok").mean()
    )
    for in_region, after, story_carrier, n, shipped, received in rates.iter_rows():
        assert n > 500
        if in_region and after and story_carrier:
            assert shipped >= 0.95
            assert 0.62 <= received <= 0.78
        else:
            assert 0.94 <= shipped <= 0.98
            assert 0.90 <= received <= 0.95
    # The carrier carries most of the region's orders, and a minority elsewhere.
    carried = orders.group_by("in_region").agg(pl.col("story_carrier").mean())
    share = dict(carried.iter_rows())
    assert share[True] > 0.6 and share[False] < 0.35


def test_on_time_twins_by_region_through_metrics(tables):
    after = {
        name: compute(name, tables, grain="all", by=["region"], start=SINCE)
        for name in ("delivery.on_time_shipped", "delivery.on_time_received")
    }
    shipped = dict(after["delivery.on_time_shipped"].select("region", "value").iter_rows())
    received = dict(after["delivery.on_time_received"].select("region", "value").iter_rows())
    assert set(shipped) == set(STORY.regions)
    for region in STORY.regions:
        assert shipped[region] >= 0.95, region
        if region == STORY.region:
            assert received[region] < 0.8
        else:
            assert 0.9 <= received[region] <= 0.95, region
    before = compute("delivery.on_time_received", tables, grain="all", by=["region"], end=SINCE - timedelta(days=1))
    assert before.filter(pl.col("region") == STORY.region).get_column("value").item() > 0.9


def test_story_month_is_where_the_received_series_breaks(tables):
    monthly = compute("delivery.on_time_received", tables, by=["region"]).filter(pl.col("region") == STORY.region)
    before = monthly.filter(pl.col("period") < SINCE).get_column("value")
    after = monthly.filter(pl.col("period") >= SINCE).get_column("value")
    assert before.len() == 16 and after.len() == 8
    assert before.min() > 0.88 and after.max() < 0.82
    shipped = compute("delivery.on_time_shipped", tables, by=["region"]).filter(pl.col("region") == STORY.region)
    assert shipped.get_column("value").min() > 0.93  # the internal twin never shows it


# ---------------------------------------------------------------- story 2: slow-delivery voice rises


def _delivery_share(frame: pl.DataFrame, text: str, when: str) -> dict[tuple[bool, bool], float]:
    shares = (
        frame.filter(pl.col(text).is_not_null())
        .with_columns(in_region=pl.col("region") == STORY.region, after=pl.col(when) >= SINCE)
        .group_by("in_region", "after")
        .agg(pl.col(text).str.contains(DELIVERY).mean())
    )
    return {(r, a): v for r, a, v in shares.iter_rows()}


@pytest.mark.parametrize(
    ("table", "text", "when"),
    [("responses", "comment", "responded_at"), ("reviews", "text", "published_at"), ("notes", "text", "written_at")],
)
def test_slow_delivery_mentions_rise_in_region_from_story_month(tables, table, text, when):
    frame = tables[table]
    if "region" not in frame.columns:  # notes: region comes from the customer
        frame = frame.join(tables["customers"].select("customer_id", "region"), on="customer_id")
    share = _delivery_share(frame, text, when)
    assert share[(True, True)] >= 1.6 * share[(True, False)]
    assert share[(True, True)] >= 1.6 * share[(False, True)]
    assert 0.75 <= share[(False, True)] / share[(False, False)] <= 1.3


# ---------------------------------------------------------------- story 3: retention and NPS fall


def _back_share(orders: pl.DataFrame, anchor: date, by: str) -> dict[str, float]:
    """Of customers who ordered in the 90 days before `anchor`, the share ordering again 30-120 days after it."""
    before = orders.filter(pl.col("order_date").is_between(anchor - timedelta(days=90), anchor - timedelta(days=1)))
    again = orders.filter(pl.col("order_date").is_between(anchor + timedelta(days=30), anchor + timedelta(days=120)))
    back = (
        before.select("customer_id", by)
        .unique()
        .with_columns(back=pl.col("customer_id").is_in(again.get_column("customer_id").implode()))
    )
    return dict(back.group_by(by).agg(pl.col("back").mean()).iter_rows())


def test_region_customers_retain_worse_after_story_month(orders):
    after, year_before = (
        _back_share(orders, SINCE, "region"),
        _back_share(orders, SINCE - timedelta(days=365), "region"),
    )
    others_after = [v for r, v in after.items() if r != STORY.region]
    others_before = [v for r, v in year_before.items() if r != STORY.region]
    assert after[STORY.region] < min(others_after) - 0.12
    assert abs(year_before[STORY.region] - sum(others_before) / len(others_before)) < 0.05


def test_region_nps_drops_from_story_month(tables):
    responses = tables["responses"].with_columns(
        in_region=pl.col("region") == STORY.region, after=pl.col("responded_at") >= SINCE
    )
    nps = {key: _nps(group) for key, group in responses.group_by("in_region", "after")}
    assert 25 <= nps[(True, False)] <= 45
    assert -15 <= nps[(True, True)] <= 10
    assert nps[(False, False)] >= 25 and nps[(False, True)] >= 25


# ---------------------------------------------------------------- story 4: the focus segment


def test_focus_segment_is_small_homogeneous_high_value_and_loyal(tables, orders):
    focus = STORY.focus_segment
    share = tables["customers"].get_column("segment").value_counts(normalize=True)
    assert 0.035 <= dict(share.iter_rows())[focus] <= 0.065

    spread = orders.group_by("segment").agg(cv=pl.col("amount").std() / pl.col("amount").mean())
    cv = dict(spread.iter_rows())
    assert cv[focus] < 0.15 and all(cv[focus] < 0.5 * v for s, v in cv.items() if s != focus)

    per_customer = (
        tables["revenue"]
        .join(tables["customers"].select("customer_id", "segment"), on="customer_id")
        .group_by("customer_id", "segment")
        .agg(pl.col("revenue").sum())
        .group_by("segment")
        .agg(pl.col("revenue").mean())
    )
    mean_revenue = dict(per_customer.iter_rows())
    assert max(mean_revenue, key=mean_revenue.get) == focus

    retention = _back_share(orders, SINCE - timedelta(days=180), "segment")
    assert max(retention, key=retention.get) == focus and retention[focus] > 0.8

    nps = {key[0]: _nps(group) for key, group in tables["responses"].group_by("segment")}
    assert max(nps, key=nps.get) == focus and nps[focus] >= 50
