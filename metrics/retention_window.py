"""Three-month retention: does a new customer order again within 90 days?"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import narwhals as nw
import polars as pl

from metrics.periods import bucket, days_between
from metrics.spec import MetricSpec, Query

WINDOW_DAYS = 90


def _three_month(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    """value = customers with another order within 90 days of their first / customers whose 90 days are over."""
    keys = ["customer_id", *q.by]
    orders = frames["orders"].select(*keys, "order_date")
    if orders.implementation.is_polars():
        per_customer = _per_customer_polars(orders, keys)
    else:
        orders = orders.with_columns(first=nw.col("order_date").min().over(*keys))
        days = days_between("first", "order_date", orders.implementation)
        returned = ((days > 0) & (days <= WINDOW_DAYS)).cast(nw.Int64)
        per_customer = (
            orders.with_columns(returned=returned)
            .group_by(*keys)
            .agg(first=nw.col("first").min(), returned=nw.col("returned").max())
        )
    cutoff = q.as_of - timedelta(days=WINDOW_DAYS) if q.as_of else None
    complete = per_customer.filter(nw.col("first") <= nw.lit(cutoff)) if cutoff else per_customer.head(0)
    return (
        complete.with_columns(period=bucket("first", q.grain))
        .group_by("period", *q.by)
        .agg(n=nw.len(), successes=nw.col("returned").sum())
        .with_columns(value=nw.col("successes") / nw.col("n"))
    )


def _per_customer_polars(orders: nw.LazyFrame, keys: list[str]) -> nw.LazyFrame:
    """Polars only: first order and the next later order day in one group_by (no window over all orders);
    returned when that next day is within the window. narwhals cannot filter inside an aggregation."""
    d = pl.col("order_date")
    firsts = orders.to_native().group_by(keys).agg(d.min().alias("first"), d.filter(d > d.min()).min().alias("next"))
    days = days_between("first", "next")
    return nw.from_native(firsts).select(
        *keys, "first", returned=nw.when(days <= WINDOW_DAYS).then(1).otherwise(0).cast(nw.Int64)
    )


three_month = MetricSpec(
    name="retention.three_month",
    title="3-month retention",
    lens="customer",
    unit="share",
    higher_is_better=True,
    requires=("orders.customer_id", "orders.order_date"),
    time_column="orders.order_date",
    definition=(
        "Share of new customers who order again within 90 days of their first order.\n\n"
        "value = customers with a second order 1-90 days after their first / customers (n).\n"
        "Customers are bucketed by the period of their first order in the selected window. Only customers whose\n"
        "90 days have passed by the data's last order date count (newer ones are not yet known). Orders before\n"
        "`start` are not seen, so a returning customer's first order in the window counts as first.\n"
        "95 % interval: Wilson."
    ),
    fn=_three_month,
    extras=("successes",),
)
