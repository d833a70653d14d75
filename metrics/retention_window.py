"""Three-month retention: does a new customer order again within 90 days?"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import narwhals as nw

from metrics.periods import bucket, days_between
from metrics.spec import MetricSpec, Query

WINDOW_DAYS = 90


def _three_month(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    """value = customers with another order within 90 days of their first / customers whose 90 days are over."""
    keys = ["customer_id", *q.by]
    d = nw.col("order_date")
    # Per customer: first order day and the next later one (one window, one group_by); the 90-day test
    # then runs on one row per customer instead of on every order.
    per_customer = (
        frames["orders"]
        .select(*keys, later=nw.when(d > d.min().over(*keys)).then(d), order_date=d)
        .group_by(*keys)
        .agg(first=d.min(), next=nw.col("later").min())
    )
    days = days_between("first", "next", per_customer.implementation)
    per_customer = per_customer.select(*keys, "first", returned=nw.when(days <= WINDOW_DAYS).then(1).otherwise(0))
    cutoff = q.as_of - timedelta(days=WINDOW_DAYS) if q.as_of else None
    complete = per_customer.filter(nw.col("first") <= nw.lit(cutoff)) if cutoff else per_customer.head(0)
    return (
        complete.with_columns(period=bucket("first", q.grain))
        .group_by("period", *q.by)
        .agg(n=nw.len(), successes=nw.col("returned").sum())
        .with_columns(value=nw.col("successes") / nw.col("n"))
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
