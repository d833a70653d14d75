"""Per-customer metrics give the same answer when Polars runs them over parts of the customers.

metrics.customer_parts splits the orders by a hash of customer_id (one part per PART_ROWS orders) so a
per-customer group_by holds one part's customers at a time. Here PART_ROWS is set so small that the
shapes' few hundred orders make many parts, and every metric that uses the split must equal its run in
one part (the default at this size), with and without a breakdown, nulls in the keys included.
"""

from __future__ import annotations

from datetime import date

import narwhals as nw
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from metrics import compute, customer_parts
from tests import metric_shapes as ms

SPLIT = (
    ("retention.cohort", {"mode": "return_on"}, ("month", "quarter")),
    ("retention.cohort", {"mode": "on_or_after"}, ("month",)),
    ("retention.repeat_purchase_rate", {}, ("month", "week")),
    ("retention.churn", {}, ("month",)),  # month: the bitmask path, which is the one split
    ("retention.three_month", {}, ("month",)),
)
TABLES = (("segments.rfm", {"rows": "customer"}), ("segments.rfm", {"rows": "segment"}), ("segments.summary", {}))


def _both(monkeypatch, name: str, tables: dict, **kwargs) -> tuple[pl.DataFrame, pl.DataFrame]:
    whole = compute(name, tables, **kwargs)
    monkeypatch.setattr(customer_parts, "PART_ROWS", 7)
    split = compute(name, tables, **kwargs)
    monkeypatch.undo()
    return whole, split


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(df.columns, nulls_last=True)


def _with_unknown_customers(orders: pl.DataFrame) -> pl.DataFrame:
    """A few orders with no customer_id: they must be counted once, as one customer, in every part count."""
    extra = orders.head(5).with_columns(
        customer_id=pl.lit(None, dtype=pl.String), order_id=pl.format("x{}", pl.int_range(5))
    )
    return pl.concat([orders, extra])


@pytest.mark.parametrize(("name", "options", "grains"), SPLIT, ids=[f"{n}-{o}" for n, o, _ in SPLIT])
@pytest.mark.parametrize("shape", ["gaps", "ties", "nulls", "random"])
@pytest.mark.parametrize("by", [(), ("region",)])
def test_split_series_equal_one_part(monkeypatch, name, options, grains, shape, by):
    tables = {"orders": _with_unknown_customers(ms.orders(shape, seed=5))}
    for grain in grains:
        whole, split = _both(monkeypatch, name, tables, grain=grain, by=list(by), **options)
        assert whole.height > 0 or shape == "ties"  # ties spans 60 days: no customer's 90 days are over
        assert_frame_equal(_sorted(split), _sorted(whole), check_exact=False, abs_tol=1e-12)


@pytest.mark.parametrize(("name", "options"), TABLES, ids=[f"{n}-{o}" for n, o in TABLES])
@pytest.mark.parametrize("shape", ["gaps", "ties", "nulls", "random"])
def test_split_tables_equal_one_part(monkeypatch, name, options, shape):
    tables = ms.tables(shape, seed=5)
    tables["orders"] = _with_unknown_customers(tables["orders"])
    for window in ({}, {"start": date(2024, 2, 1), "end": date(2024, 9, 30)}):
        whole, split = _both(monkeypatch, name, tables, **window, **options)
        assert whole.height > 0
        assert_frame_equal(_sorted(split), _sorted(whole), check_exact=False, abs_tol=1e-9)


def test_parts_hold_each_customer_once_and_counts_add_up():
    """Known answer: 3 customers (one of them the null id) with 2, 1 and 3 orders; in 4 parts every customer's
    rows stay together (a per-customer table stacks to 3 rows) and order counts add up to 6."""
    orders = pl.DataFrame({"customer_id": ["a", "a", "b", None, None, None]}).lazy()
    lazy = nw.from_native(orders)
    per_customer = customer_parts.in_customer_parts(
        lazy, lambda part: part.group_by("customer_id").agg(orders=nw.len()), parts=4
    )
    got = per_customer.collect().to_polars().sort("customer_id", nulls_last=True)
    assert got.rows() == [("a", 2), ("b", 1), (None, 3)]
    total = customer_parts.in_customer_parts(lazy, lambda part: part.select(orders=nw.len()), add_up_by=[], parts=4)
    assert total.collect().item() == 6


def test_part_count_follows_the_row_count(monkeypatch):
    orders = nw.from_native(pl.DataFrame({"customer_id": [str(i) for i in range(10)]}).lazy())
    assert customer_parts.part_count(orders) == 1
    monkeypatch.setattr(customer_parts, "PART_ROWS", 4)
    assert customer_parts.part_count(orders) == 3  # 10 rows, 4 per part, rounded up
    duck = nw.from_native(ms.as_duckdb({"o": ms.orders("random")})["o"])
    assert customer_parts.part_count(duck) == 1  # other engines run the step once, in the engine
