"""Review stars and the rating of late vs on-time orders: known answers, the SQL reference, invariants."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from metrics import MetricError, compute
from metrics.intervals import Z, add_interval, t_quantile
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import satisfaction as ref

T_975_4 = 2.776445105  # Student t, two-sided 95 %, 4 degrees of freedom (tables)
MARCH = date(2024, 3, 1)


def _reviews(ratings: list[int], order_ids: list[str | None] | None = None, **extra) -> pl.DataFrame:
    ids = order_ids or [None] * len(ratings)
    rows = [
        {"review_id": f"v{i}", "published_at": MARCH + timedelta(days=i % 20), "source": "google", "rating": r,
         "order_id": o, "text": None if i % 2 else "ok", **extra}
        for i, (r, o) in enumerate(zip(ratings, ids, strict=True))
    ]  # fmt: skip
    return ms.frame("reviews", rows)


def _wilson(k: int, n: int) -> tuple[float, float]:
    p, z2 = k / n, Z**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * (p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5 / (1 + z2 / n)
    return centre - half, centre + half


def test_review_rating_by_hand_star_only_reviews_count():
    got = compute("satisfaction.review_rating", {"reviews": _reviews([5, 5, 4, 1, 3])}, grain="all").row(0, named=True)
    # Mean 3.6; squared deviations 1.96 + 1.96 + 0.16 + 6.76 + 0.36 = 11.2, sd = sqrt(11.2 / 4).
    assert (got["n"], got["positive"], got["one_star"]) == (5, 3, 1)
    assert got["value"] == pytest.approx(3.6)
    half = T_975_4 * (11.2 / 4) ** 0.5 / 5**0.5
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((3.6 - half, 3.6 + half))
    assert (got["share_positive"], got["share_one_star"]) == pytest.approx((0.6, 0.2))
    assert (got["positive_ci_low"], got["positive_ci_high"]) == pytest.approx(_wilson(3, 5))


def test_review_rating_by_source_and_region():
    reviews = pl.concat(
        [_reviews([5, 4], region="West"), _reviews([1], region="East").with_columns(source=pl.lit("x"))]
    )
    reviews = reviews.with_columns(review_id=pl.format("v{}", pl.int_range(pl.len())))
    by_source = compute("satisfaction.review_rating", {"reviews": reviews}, grain="all", by=["source"])
    assert by_source.select("source", "n", "value").rows() == [("google", 2, 4.5), ("x", 1, 1.0)]
    west = compute("satisfaction.review_rating", {"reviews": reviews}, grain="all", where={"region": ["West"]})
    assert west.select("n", "value").rows() == [(2, 4.5)]


def _orders() -> pl.DataFrame:
    """o1, o2 on time (a day early, on the day), o3 1 day late, o4 5, o5 15; o6 undelivered, o7 no promise."""
    promised = MARCH + timedelta(days=9)
    rows = [
        {"order_id": f"o{i}", "customer_id": "c", "order_date": MARCH, "promised_date": promised,
         "delivered_date": None if late is None else promised + timedelta(days=late), "region": "West"}
        for i, late in ((1, -1), (2, 0), (3, 1), (4, 5), (5, 15), (6, None))
    ]  # fmt: skip
    rows.append({"order_id": "o7", "customer_id": "c", "order_date": MARCH, "delivered_date": promised})
    return ms.frame("orders", rows)


# o1 is reviewed twice; o6, o7, an unlinked review and one naming an unknown order are left out.
LINKED = _reviews([5, 4, 5, 2, 1, 1, 5, 3, 1, 1], ["o1", "o1", "o2", "o3", "o4", "o5", "o6", "o7", None, "o9"])


def test_rating_by_delivery_by_hand():
    got = compute("satisfaction.rating_by_delivery", {"orders": _orders(), "reviews": LINKED}, grain="all")
    late, on_time = got.to_dicts()
    assert (late["delivery"], late["n"], on_time["delivery"], on_time["n"]) == ("late", 3, "on_time", 3)
    assert (late["value"], on_time["value"]) == pytest.approx((4 / 3, 14 / 3))
    # Both sides: sd = sqrt(1/3); se = sqrt(1/9 + 1/9); Welch df = (2/9)² / (2 · (1/9)² / 2) = 4.
    half = T_975_4 * (2 / 9) ** 0.5
    assert late["difference"] == pytest.approx(-10 / 3)
    assert (late["difference_ci_low"], late["difference_ci_high"]) == pytest.approx((-10 / 3 - half, -10 / 3 + half))
    assert on_time["difference"] is None and on_time["difference_ci_low"] is None
    # On time alone: 14/3 ± t(0.975, 2) · sqrt(1/3) / sqrt(3) = 14/3 ± 4.302653 / 3.
    assert (on_time["ci_low"], on_time["ci_high"]) == pytest.approx(
        (14 / 3 - 4.302652730 / 3, 14 / 3 + 4.302652730 / 3)
    )


def test_rating_by_delivery_bands():
    tables = {"orders": _orders(), "reviews": LINKED}
    got = compute("satisfaction.rating_by_delivery", tables, grain="all", lateness="bands")
    assert got.select("delivery", "n").rows() == [("late_1_2", 1), ("late_3_7", 1), ("late_8_plus", 1), ("on_time", 3)]
    assert got["value"].to_list() == pytest.approx([2.0, 1.0, 1.0, 14 / 3])
    assert got["difference"].to_list()[:3] == pytest.approx([2 - 14 / 3, 1 - 14 / 3, 1 - 14 / 3])
    assert got["difference_ci_low"].null_count() == 4  # one answer per band: no interval for the difference


def test_rating_by_delivery_from_nps_answers():
    rows = [
        ("o1", "nps", 9),
        ("o2", "nps", 10),
        ("o3", "nps", 2),
        ("o4", "nps", 4),
        ("o3", "csat", 1),
        (None, "nps", 0),
    ]
    responses = ms.frame(
        "responses",
        [{"response_id": f"r{i}", "responded_at": MARCH, "survey": s, "score": x, "order_id": o}
         for i, (o, s, x) in enumerate(rows)],
    )  # fmt: skip
    got = compute("satisfaction.rating_by_delivery", {"orders": _orders(), "responses": responses}, feedback="nps")
    assert got.select("delivery", "n", "value", "difference").rows() == [
        ("late", 2, 3.0, -6.5),
        ("on_time", 2, 9.5, None),
    ]


def test_rating_by_delivery_says_what_it_misses():
    with pytest.raises(MetricError, match="needs the reviews table"):
        compute("satisfaction.rating_by_delivery", {"orders": _orders()})
    with pytest.raises(MetricError, match=r"needs reviews\.order_id"):
        compute("satisfaction.rating_by_delivery", {"orders": _orders(), "reviews": LINKED.drop("order_id")})
    tables = {"orders": _orders().drop("segment"), "reviews": LINKED, "responses": ms.responses("random")}
    with pytest.raises(MetricError, match="cannot break rating by delivery down by segment"):
        compute("satisfaction.rating_by_delivery", tables, by=["segment"])


def test_rating_by_delivery_window_is_the_orders():
    orders = pl.concat(
        [_orders(), _orders().with_columns(order_id=pl.col("order_id") + "b", order_date=date(2024, 5, 1))]
    )
    reviews = pl.concat(
        [LINKED, LINKED.with_columns(order_id=pl.col("order_id") + "b", review_id=pl.col("review_id") + "b")]
    )
    got = compute("satisfaction.rating_by_delivery", {"orders": orders, "reviews": reviews}, start=date(2024, 4, 1))
    assert got.select("period", "delivery", "n").rows() == [
        (date(2024, 5, 1), "late", 3),
        (date(2024, 5, 1), "on_time", 3),
    ]


def _difference_interval(expected: pl.DataFrame) -> pl.DataFrame:
    half = pl.when(pl.col("se") > 0).then(t_quantile(pl.col("df").floor()) * pl.col("se")).otherwise(0.0)
    ok = (pl.col("delivery") != "on_time") & (pl.col("n") >= 2) & pl.col("df").is_not_null()
    return expected.with_columns(
        difference_ci_low=pl.when(ok).then(pl.col("difference") - half),
        difference_ci_high=pl.when(ok).then(pl.col("difference") + half),
    )


GRAINS_BY = [("month", ()), ("week", ("region",)), ("year", ("segment",)), ("all", ())]


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), [*GRAINS_BY[:2], ("quarter", ("source",)), ("all", ())])
def test_review_rating_matches_sql_reference_on_both_backends(shape, grain, by):
    tables = {"reviews": ms.reviews(shape)}
    expected = add_interval(ref.review_rating(tables["reviews"], grain, by), "t")
    columns = ["n", "value", "ci_low", "ci_high", "positive", "one_star", "share_positive", "share_one_star"]
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute("satisfaction.review_rating", frames, grain=grain, by=list(by))
        assert_matches(got, expected, ["period", *by], columns)
    assert got.height == expected.height


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), GRAINS_BY)
@pytest.mark.parametrize(("feedback", "lateness"), [("reviews", "late"), ("reviews", "bands"), ("nps", "late")])
def test_rating_by_delivery_matches_sql_reference_on_both_backends(shape, grain, by, feedback, lateness):
    table = "responses" if feedback == "nps" else "reviews"
    tables = {"orders": ms.orders(shape), table: getattr(ms, table)(shape)}
    expected = ref.rating_by_delivery(
        tables["orders"], tables[table], grain, by, nps=feedback == "nps", bands=lateness == "bands"
    )
    expected = _difference_interval(add_interval(expected, "t"))
    columns = ["n", "value", "ci_low", "ci_high", "difference", "difference_ci_low", "difference_ci_high"]
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute(
            "satisfaction.rating_by_delivery", frames, grain=grain, by=list(by), feedback=feedback, lateness=lateness
        )
        assert_matches(got, expected, ["period", *by, "delivery"], columns)
    assert got.height == expected.height
    if shape == "random":
        assert got["n"].sum() > 100  # a real comparison, not two empty frames


ratings = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 5), st.integers(-3, 12) | st.none()), min_size=1, max_size=60
)


@settings(max_examples=60)
@given(rows=ratings, seed=st.integers(0, 1000))
def test_invariants(rows, seed):
    """Order-free; values on the scale; bands add up to late; a difference is this mean minus on time's."""
    promised = MARCH + timedelta(days=5)
    orders = ms.frame(
        "orders",
        [{"order_id": f"o{i}", "customer_id": "c", "order_date": MARCH + timedelta(days=d), "promised_date": promised,
          "delivered_date": None if late is None else promised + timedelta(days=late)}
         for i, (d, _, late) in enumerate(rows)],
    )  # fmt: skip
    reviews = ms.frame(
        "reviews",
        [{"review_id": f"v{i}", "published_at": MARCH + timedelta(days=d), "source": "s", "rating": r,
          "order_id": f"o{i}"} for i, (d, r, _) in enumerate(rows)],
    )  # fmt: skip
    tables = {"orders": orders, "reviews": reviews}
    for name in ("satisfaction.review_rating", "satisfaction.rating_by_delivery"):
        got = compute(name, tables)
        assert_frame_equal(got, compute(name, ms.shuffled(tables, seed)), check_exact=False, abs_tol=1e-9)
        assert got["value"].is_between(1, 5).all()
        bounded = got.drop_nulls("ci_low")
        assert (bounded["ci_low"] <= bounded["value"] + 1e-9).all() and (
            bounded["value"] <= bounded["ci_high"] + 1e-9
        ).all()
    stars = compute("satisfaction.review_rating", tables)
    assert (stars["share_positive"] + stars["share_one_star"] <= 1 + 1e-12).all()
    assert stars["n"].sum() == len(rows)
    late = compute("satisfaction.rating_by_delivery", tables)
    bands = compute("satisfaction.rating_by_delivery", tables, lateness="bands")
    late_n = late.filter(delivery="late").group_by("period").agg(pl.col("n").sum()).sort("period")
    banded_n = bands.filter(pl.col("delivery") != "on_time").group_by("period").agg(pl.col("n").sum()).sort("period")
    assert late_n.equals(banded_n)
    assert late["n"].sum() == sum(d is not None for _, _, d in rows)
    base = late.filter(delivery="on_time").select("period", base="value")
    check = late.filter(delivery="late").join(base, on="period").drop_nulls("difference")
    assert ((check["difference"] - (check["value"] - check["base"])).abs() < 1e-9).all()
    spread = check.drop_nulls("difference_ci_low")
    assert (
        (spread["difference_ci_low"] <= spread["difference"] + 1e-9)
        & (spread["difference"] <= spread["difference_ci_high"] + 1e-9)
    ).all()
