"""Delivery: on time and lead time, as the business ships and as the customer receives."""

from __future__ import annotations

from collections.abc import Mapping

import narwhals as nw

from metrics.periods import bucket
from metrics.spec import MetricSpec, Query

_ON_TIME_RULES = """
Orders are bucketed by order_date. Orders with no promised_date are excluded.
An order not yet {verb} counts as late once its promised_date is before the data's
last order_date, and is excluded while it is not yet due. 95 % interval: Wilson."""


def _on_time(date_col: str):
    def on_time(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
        done = ~nw.col(date_col).is_null()
        due = nw.col("promised_date") < nw.lit(q.as_of) if q.as_of else nw.lit(False)
        on_time = done & (nw.col(date_col) <= nw.col("promised_date"))
        return (
            frames["orders"]
            .filter(~nw.col("promised_date").is_null(), done | due)
            .with_columns(period=bucket("order_date", q.grain), ok=on_time.cast(nw.Int64))
            .group_by("period", *q.by)
            .agg(n=nw.len(), successes=nw.col("ok").sum())
            .with_columns(value=nw.col("successes") / nw.col("n"))
        )

    return on_time


on_time_shipped = MetricSpec(
    name="delivery.on_time_shipped",
    title="On time as shipped",
    lens="internal",
    unit="share",
    higher_is_better=True,
    requires=("orders.order_date", "orders.promised_date", "orders.shipped_date"),
    time_column="orders.order_date",
    definition="Share of orders shipped on or before the promised date.\n\n"
    "value = orders with shipped_date <= promised_date / orders due (n)." + _ON_TIME_RULES.format(verb="shipped"),
    fn=_on_time("shipped_date"),
    twin="delivery.on_time_received",
    extras=("successes",),
)

on_time_received = MetricSpec(
    name="delivery.on_time_received",
    title="On time as received",
    lens="customer",
    unit="share",
    higher_is_better=True,
    requires=("orders.order_date", "orders.promised_date", "orders.delivered_date"),
    time_column="orders.order_date",
    definition="Share of orders the customer received on or before the promised date.\n\n"
    "value = orders with delivered_date <= promised_date / orders due (n)." + _ON_TIME_RULES.format(verb="delivered"),
    fn=_on_time("delivered_date"),
    twin="delivery.on_time_shipped",
    extras=("successes",),
)
