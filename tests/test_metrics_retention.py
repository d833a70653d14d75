"""Retention metrics: known answers by hand, the DuckDB SQL reference, backends agree, invariants."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from metrics import MetricError, compute
from metrics.intervals import add_interval
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import retention as ref

D = date


def _orders(rows: list[tuple[str, date]]) -> dict[str, pl.DataFrame]:
    built = [{"order_id": f"o{i}", "customer_id": c, "order_date": d} for i, (c, d) in enumerate(rows)]
    return {"orders": ms.frame("orders", built)}


# A: Jan Feb Apr; B: Jan Mar; C: Feb Feb Mar; D: Mar. Last order 29 April, so April is still open.
HAND = _orders(
    [
        ("A", D(2024, 1, 5)), ("A", D(2024, 2, 10)), ("A", D(2024, 4, 29)),
        ("B", D(2024, 1, 31)), ("B", D(2024, 3, 1)),
        ("C", D(2024, 2, 1)), ("C", D(2024, 2, 28)), ("C", D(2024, 3, 3)),
        ("D", D(2024, 3, 15)),
    ]
)  # fmt: skip


def test_cohort_known_answer_both_modes():
    got = compute("retention.cohort", HAND)
    jan, feb, mar = D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)
    assert got.select("cohort", "period", "cohort_size", "active", "complete").rows() == [
        (jan, 0, 2, 2, True), (jan, 1, 2, 1, True), (jan, 2, 2, 1, True), (jan, 3, 2, 1, False),
        (feb, 0, 1, 1, True), (feb, 1, 1, 1, True), (feb, 2, 1, 0, False),
        (mar, 0, 1, 1, True), (mar, 1, 1, 0, False),
    ]  # fmt: skip
    assert got["value"].to_list() == [1, 0.5, 0.5, 0.5, 1, 1, 0, 1, 0]
    after = compute("retention.cohort", HAND, mode="on_or_after")
    assert after["active"].to_list() == [2, 2, 2, 1, 1, 1, 0, 1, 0]


def test_cohort_quarter_and_bad_grain():
    got = compute("retention.cohort", HAND, grain="quarter")
    assert got.select("cohort", "period", "cohort_size", "active", "complete").rows() == [
        (D(2024, 1, 1), 0, 4, 4, True),
        (D(2024, 1, 1), 1, 4, 1, False),
    ]
    with pytest.raises(MetricError, match="grain"):
        compute("retention.cohort", HAND, grain="all")


def test_repeat_and_churn_known_answers():
    repeat = compute("retention.repeat_purchase_rate", HAND)
    assert repeat.select("n", "successes").rows() == [(2, 0), (2, 1), (3, 2), (1, 1)]
    churn = compute("retention.churn", HAND)
    # Feb: of {A, B} B left; Mar: of {A, C} A left; Apr: of {B, C, D} all left. Jan has no previous month.
    assert churn.select("period", "n", "successes").rows() == [
        (D(2024, 2, 1), 2, 1),
        (D(2024, 3, 1), 2, 1),
        (D(2024, 4, 1), 3, 3),
    ]


# x grows then shrinks, y drops to 0 and comes back, z is new (excluded), w has 0 at the start (excluded).
REVENUE = {
    "revenue": ms.frame(
        "revenue",
        [
            {"customer_id": c, "month": D(2024, m, 1), "revenue": r}
            for c, m, r in [
                ("x", 1, 100.0), ("x", 2, 120.0), ("x", 3, 50.0),
                ("y", 1, 60.0), ("y", 1, 40.0), ("y", 2, 0.0), ("y", 3, 100.0),
                ("z", 2, 500.0), ("w", 1, 0.0), ("w", 2, 10.0),
            ]
        ],
    )
}  # fmt: skip


def test_grr_nrr_known_answers():
    nrr = compute("retention.nrr", REVENUE)
    grr = compute("retention.grr", REVENUE)
    assert nrr.select("n", "start_revenue").unique().rows() == [(2, 200.0)]
    assert nrr["value"].to_list() == pytest.approx([1.0, 0.6, 0.75])
    assert grr["value"].to_list() == pytest.approx([1.0, 0.5, 0.75])
    assert grr["ci_low"].is_null().all() and grr["ci_high"].is_null().all()
    quarter = compute("retention.nrr", REVENUE, grain="quarter")
    assert quarter["value"].to_list() == pytest.approx([(200 + 120 + 150) / 3 / 200])
    assert compute("retention.grr", REVENUE, grain="quarter")["value"][0] == pytest.approx(450 / 600)
    # A later window has its own starting cohort: February = x, y (0: excluded), z, w.
    feb = compute("retention.nrr", REVENUE, start=D(2024, 2, 1))
    assert feb.select("n", "start_revenue").unique().rows() == [(3, 630.0)]
    assert feb["value"].to_list() == pytest.approx([1.0, 50 / 630])


SERIES = {
    "retention.repeat_purchase_rate": ref.repeat_purchase,
    "retention.churn": ref.churn,
}
GRAINS_BY = [("month", ()), ("week", ("region",)), ("quarter", ("segment",)), ("year", ())]


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), GRAINS_BY)
def test_series_match_sql_reference_on_both_backends(name, shape, grain, by):
    tables = {"orders": ms.orders(shape)}
    expected = add_interval(SERIES[name](tables["orders"], grain, by), "wilson")
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute(name, frames, grain=grain, by=list(by))
        assert_matches(got, expected, ["period", *by], ["n", "successes", "value", "ci_low", "ci_high"])


@pytest.mark.parametrize("mode", ["return_on", "on_or_after"])
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), GRAINS_BY)
def test_cohort_matches_sql_reference_on_both_backends(mode, shape, grain, by):
    tables = {"orders": ms.orders(shape)}
    expected = ref.cohort(tables["orders"], grain, by, mode)
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute("retention.cohort", frames, grain=grain, by=list(by), mode=mode)
        assert got.columns == ["cohort", *by, "period", "cohort_size", "active", "value", "complete"]
        assert_matches(got, expected, ["cohort", *by, "period"], ["cohort_size", "active", "value", "complete"])
        assert got.equals(got.sort("cohort", *by, "period", nulls_last=True))


@pytest.mark.parametrize("gross", [True, False])
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("grain", ["month", "quarter", "all"])
def test_revenue_retention_matches_sql_reference_on_both_backends(gross, shape, grain):
    tables = {"revenue": ms.revenue(shape)}
    expected = ref.revenue_retention(tables["revenue"], grain, gross)
    name = "retention.grr" if gross else "retention.nrr"
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute(name, frames, grain=grain)
        assert_matches(got, expected, ["period"], ["n", "revenue", "start_revenue", "value"], tol=1e-9)


customers = st.sampled_from(["a", "b", "c", "d", "e"])
order_rows = st.lists(st.tuples(customers, st.dates(D(2024, 1, 1), D(2024, 8, 31))), min_size=1, max_size=40)


@settings(max_examples=40)
@given(rows=order_rows, seed=st.integers(0, 1000), grain=st.sampled_from(["week", "month", "quarter"]))
def test_order_invariants(rows, seed, grain):
    tables = _orders(rows)
    for name in ("retention.repeat_purchase_rate", "retention.churn"):
        got = compute(name, tables, grain=grain)
        assert_frame_equal(got, compute(name, ms.shuffled(tables, seed), grain=grain), check_exact=False, abs_tol=1e-9)
        assert got["value"].is_between(0, 1).all()
        assert ((got["ci_low"] <= got["value"]) & (got["value"] <= got["ci_high"])).all()
    for mode in ("return_on", "on_or_after"):
        cohorts = compute("retention.cohort", tables, grain=grain, mode=mode)
        assert_frame_equal(
            cohorts,
            compute("retention.cohort", ms.shuffled(tables, seed), grain=grain, mode=mode),
            check_exact=False,
            abs_tol=1e-9,
        )
        assert cohorts["value"].is_between(0, 1).all()
        assert (cohorts.filter(pl.col("period") == 0)["value"] == 1).all()
        assert cohorts["cohort_size"].sum() // max(cohorts.height, 1) <= 5
    after = compute("retention.cohort", tables, grain=grain, mode="on_or_after")
    assert (after["active"] >= compute("retention.cohort", tables, grain=grain)["active"]).all()
    assert (after.with_columns(d=pl.col("active").diff().over("cohort"))["d"].drop_nulls() <= 0).all()


revenue_rows = st.lists(
    st.tuples(customers, st.integers(1, 6), st.floats(0, 1000, allow_nan=False)), min_size=1, max_size=40
)


@settings(max_examples=40)
@given(rows=revenue_rows, seed=st.integers(0, 1000))
def test_revenue_invariants(rows, seed):
    frame = ms.frame("revenue", [{"customer_id": c, "month": D(2024, m, 1), "revenue": r} for c, m, r in rows])
    tables = {"revenue": frame}
    grr, nrr = compute("retention.grr", tables), compute("retention.nrr", tables)
    assert_frame_equal(grr, compute("retention.grr", ms.shuffled(tables, seed)), check_exact=False, abs_tol=1e-9)
    assert (grr["value"] <= 1 + 1e-9).all() and (grr["value"] >= 0).all()
    assert (grr["value"] <= nrr["value"] + 1e-9).all()
    if grr.height:
        assert grr["value"][0] == pytest.approx(1.0) and nrr["value"][0] == pytest.approx(1.0)


def test_orders_before_start_are_history():
    """start picks the first bucket shown; who is new or returning is judged on every order up to end."""
    mar, apr = D(2024, 3, 1), D(2024, 4, 1)
    repeat = compute("retention.repeat_purchase_rate", HAND, start=mar)
    # March: B, C, D buy; B (Jan) and C (Feb) bought before the window, so they are returning.
    assert repeat.select("period", "n", "successes").rows() == [(mar, 3, 2), (apr, 1, 1)]
    churn = compute("retention.churn", HAND, start=mar)
    # March's churn is measured against February's customers {A, C}, which lie before the window.
    assert churn.select("period", "n", "successes").rows() == [(mar, 2, 1), (apr, 3, 3)]
    cohorts = compute("retention.cohort", HAND, start=mar)
    # Only D is new in March: B and C ordered before it and belong to earlier cohorts.
    assert cohorts.select("cohort", "period", "cohort_size", "active").rows() == [(mar, 0, 1, 1), (mar, 1, 1, 0)]


def test_end_caps_what_is_seen_and_what_is_complete():
    feb, mar = D(2024, 2, 1), D(2024, 3, 1)
    cohorts = compute("retention.cohort", HAND, start=feb, end=D(2024, 3, 20))
    # March is cut at the 20th by `end`, so its cells are not complete although the data runs to 29 April.
    assert cohorts.select("cohort", "period", "cohort_size", "active", "complete").rows() == [
        (feb, 0, 1, 1, True),
        (feb, 1, 1, 1, False),
        (mar, 0, 1, 1, False),
    ]
    churn = compute("retention.churn", HAND, start=feb, end=D(2024, 3, 31))
    assert churn.select("period", "n", "successes").rows() == [(feb, 2, 1), (mar, 2, 1)]


HISTORY_METRICS = ("retention.repeat_purchase_rate", "retention.churn", "retention.cohort")


@settings(max_examples=30)
@given(rows=order_rows, start=st.dates(D(2024, 1, 1), D(2024, 8, 31)), grain=st.sampled_from(["week", "month"]))
def test_start_only_chooses_the_buckets_shown(rows, start, grain):
    """For metrics that see history, a later start drops earlier buckets and changes no number in the rest."""
    tables = _orders(rows)
    first_bucket = compute("retention.repeat_purchase_rate", _orders([("x", start)]), grain=grain)["period"][0]
    for name in HISTORY_METRICS:
        column = "cohort" if name == "retention.cohort" else "period"
        whole = compute(name, tables, grain=grain).filter(pl.col(column) >= first_bucket)
        assert_frame_equal(compute(name, tables, grain=grain, start=start), whole)


def test_filters_reach_revenue_through_the_customers_table():
    """revenue has no region column: a region filter keeps the rows of that region's customers."""
    customers = ms.frame(
        "customers",
        [{"customer_id": c, "region": r} for c, r in [("x", "West"), ("y", "East"), ("z", "West"), ("w", "East")]],
    )
    tables = {**REVENUE, "customers": customers}
    for frames in (tables, ms.as_duckdb(tables)):
        # West = x alone in the starting cohort: 100, then 120 (capped at 100 for GRR), then 50.
        grr = compute("retention.grr", frames, where={"region": ["West"]})
        nrr = compute("retention.nrr", frames, where={"region": ["West"]})
        assert grr.select("n", "start_revenue").unique().rows() == [(1, 100.0)]
        assert grr["value"].to_list() == pytest.approx([1.0, 1.0, 0.5])
        assert nrr["value"].to_list() == pytest.approx([1.0, 1.2, 0.5])
