"""Delivery: on time and lead time, as the business ships and as the customer receives."""

from __future__ import annotations

from collections.abc import Mapping

import narwhals as nw

from metrics.periods import bucket, days_between
from metrics.spec import MetricSpec, Query

_ON_TIME_RULES = """
Orders are bucketed by order_date. Orders with no promised_date are excluded.
An order counts once its promised_date is before the data's last order_date (then
its outcome is known; not {verb} by then is late). An order not yet due is excluded,
even when already {verb}: of those only the early, on-time ones would be known, which
would lift the last days' rate. 95 % interval: Wilson."""


def _on_time(date_col: str):
    def on_time(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
        done = ~nw.col(date_col).is_null()
        due = nw.col("promised_date") < nw.lit(q.as_of) if q.as_of else nw.lit(False)
        on_time = done & (nw.col(date_col) <= nw.col("promised_date"))
        return (
            frames["orders"]
            .filter(~nw.col("promised_date").is_null(), due)
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


_LEAD_TIME_RULES = """
Orders are bucketed by order_date. Only orders with a {done} count (orders not yet {verb}
have no lead time yet and are left out, so a backlog shows in the on-time metrics, not here).
Days are whole calendar days; a {done} before the order_date gives a negative value
(a data error the validation report should show) and is kept, not hidden.
value = median (linear interpolation between the two middle values for even n);
extras p90 (linear interpolation) and mean. 95 % interval for the median: normal
approximation, median ± 1.96 · sqrt(pi/2) · sd / sqrt(n) (sd = sample standard deviation);
null for n < 2."""


def _lead_time(date_col: str):
    def lead_time(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
        days, orders = nw.col("days"), frames["orders"]
        return (
            orders.filter(~nw.col(date_col).is_null())
            .with_columns(
                period=bucket("order_date", q.grain), days=days_between("order_date", date_col, orders.implementation)
            )
            .group_by("period", *q.by)
            .agg(
                n=nw.len(),
                value=days.median(),
                p90=days.quantile(0.9, interpolation="linear"),
                mean=days.mean(),
                sd=days.std(ddof=1),
            )
        )

    return lead_time


lead_time_internal = MetricSpec(
    name="delivery.lead_time_internal",
    title="Lead time to ship",
    lens="internal",
    unit="days",
    higher_is_better=False,
    requires=("orders.order_date", "orders.shipped_date"),
    time_column="orders.order_date",
    definition="Days from order to shipment, as the warehouse sees it.\n\n"
    "days = shipped_date - order_date, per shipped order; n = shipped orders."
    + _LEAD_TIME_RULES.format(done="shipped_date", verb="shipped"),
    fn=_lead_time("shipped_date"),
    twin="delivery.lead_time_customer",
    interval="median",
    extras=("p90", "mean"),
)

lead_time_customer = MetricSpec(
    name="delivery.lead_time_customer",
    title="Lead time to receipt",
    lens="customer",
    unit="days",
    higher_is_better=False,
    requires=("orders.order_date", "orders.delivered_date"),
    time_column="orders.order_date",
    definition="Days from order to the customer holding the goods.\n\n"
    "days = delivered_date - order_date, per delivered order; n = delivered orders."
    + _LEAD_TIME_RULES.format(done="delivered_date", verb="delivered"),
    fn=_lead_time("delivered_date"),
    twin="delivery.lead_time_internal",
    interval="median",
    extras=("p90", "mean"),
)
