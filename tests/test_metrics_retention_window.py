"""retention.three_month: known answers, a DuckDB SQL reference, Polars/DuckDB parity, invariants."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metrics
from tests import metric_shapes as shapes
from tests.reference import assert_matches, bucket_sql, by_sql, run_sql

NAME = "retention.three_month"
D = date


def test_known_answer_by_hand() -> None:
    # a: back after 89 days (retained); b: back after 148 days (not); c: one order (not);
    # d: first order on the last day of the data, its 90 days are not over (excluded).
    orders = shapes.frame(
        "orders",
        [
            {"order_id": "1", "customer_id": "a", "order_date": D(2024, 1, 1)},
            {"order_id": "2", "customer_id": "a", "order_date": D(2024, 3, 30)},
            {"order_id": "3", "customer_id": "b", "order_date": D(2024, 1, 5)},
            {"order_id": "4", "customer_id": "b", "order_date": D(2024, 6, 1)},
            {"order_id": "5", "customer_id": "c", "order_date": D(2024, 1, 9)},
            {"order_id": "6", "customer_id": "d", "order_date": D(2024, 9, 1)},
        ],
    )
    out = metrics.compute(NAME, {"orders": orders}, grain="all")
    assert out.select("n", "successes").row(0) == (3, 1)
    assert out.get_column("value").item() == pytest.approx(1 / 3)


def reference(orders, grain: str, by: tuple[str, ...]):
    keys = ", ".join(["customer_id", *by])
    return run_sql(
        f"""
        WITH firsts AS (
            SELECT {keys}, min(order_date) AS first FROM orders GROUP BY {keys}
        ), flagged AS (
            SELECT f.*, EXISTS (
                SELECT 1 FROM orders o
                WHERE o.customer_id = f.customer_id {"".join(f" AND o.{c} IS NOT DISTINCT FROM f.{c}" for c in by)}
                  AND o.order_date > f.first AND o.order_date <= f.first + INTERVAL 90 DAY
            ) AS returned
            FROM firsts f
            WHERE f.first <= (SELECT max(order_date) FROM orders) - INTERVAL 90 DAY
        )
        SELECT {bucket_sql("first", grain)} AS period{by_sql(by)},
               count(*) AS n, sum(CAST(returned AS BIGINT)) AS successes,
               sum(CAST(returned AS BIGINT)) / count(*) AS value
        FROM flagged GROUP BY ALL HAVING count(*) > 0
        """,
        orders=orders,
    )


@pytest.mark.parametrize("shape", shapes.SHAPES)
@pytest.mark.parametrize("grain,by", [("month", ()), ("quarter", ("region",)), ("all", ()), ("week", ())])
def test_matches_duckdb_sql_reference(shape: str, grain: str, by: tuple[str, ...]) -> None:
    orders = shapes.orders(shape)
    if shape == "empty":
        assert metrics.compute(NAME, {"orders": orders}, grain=grain, by=by).height == 0
        return
    actual = metrics.compute(NAME, {"orders": orders}, grain=grain, by=by)
    expected = reference(orders, grain, by)
    assert_matches(actual, expected, ["period", *by], ["n", "successes", "value"])


@pytest.mark.parametrize("shape", ["random", "gaps", "nulls"])
def test_same_on_polars_and_duckdb(shape: str) -> None:
    orders = shapes.orders(shape)
    on_polars = metrics.compute(NAME, {"orders": orders}, by=["region"])
    on_duckdb = metrics.compute(NAME, shapes.as_duckdb({"orders": orders}), by=["region"])
    assert_matches(on_duckdb, on_polars, ["period", "region"], ["n", "successes", "value", "ci_low", "ci_high"])


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000))
def test_rate_in_unit_interval_contains_value_and_ignores_row_order(seed: int) -> None:
    orders = shapes.orders("random", seed=seed, size=200)
    out = metrics.compute(NAME, {"orders": orders})
    assert out.filter((out["value"] < 0) | (out["value"] > 1)).is_empty()
    assert out.filter((out["ci_low"] > out["value"]) | (out["ci_high"] < out["value"])).is_empty()
    again = metrics.compute(NAME, shapes.shuffled({"orders": orders}, seed))
    assert_matches(again, out, ["period"], ["n", "successes", "value"])


def test_customers_who_ordered_before_start_are_not_new() -> None:
    # x ordered in January and again on 1 February; y first ordered on 10 February.
    orders = shapes.frame(
        "orders",
        [
            {"order_id": "1", "customer_id": "x", "order_date": D(2024, 1, 1)},
            {"order_id": "2", "customer_id": "x", "order_date": D(2024, 2, 1)},
            {"order_id": "3", "customer_id": "y", "order_date": D(2024, 2, 10)},
            {"order_id": "4", "customer_id": "z", "order_date": D(2024, 12, 31)},
        ],
    )
    out = metrics.compute(NAME, {"orders": orders}, grain="all", start=D(2024, 1, 15))
    # Only y is new after 15 January; x's 1 February order is a return, not a first order.
    assert out.select("n", "successes").row(0) == (1, 0)
    # end caps the 90-day test: by 30 April, y's 90 days (to 10 May) are not over.
    assert metrics.compute(NAME, {"orders": orders}, grain="all", start=D(2024, 1, 15), end=D(2024, 4, 30)).is_empty()
