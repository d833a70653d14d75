"""Retention: do customers come back, and does their revenue stay? Cohorts, repeat, churn, GRR, NRR."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial

import narwhals as nw
import polars as pl

from metrics.errors import MetricError
from metrics.periods import bucket, bucket_index, next_bucket
from metrics.spec import Grain, MetricSpec, Query

_BY_RULE = (
    "With a breakdown (`by`), a customer is followed separately inside each group it ordered in."
    " The window is the selected data: orders before `start` are not seen."
)


def _need_grain(q: Query, name: str) -> None:
    if q.grain == "all":
        raise MetricError(f"{name} compares buckets over time: pick a grain other than 'all'")


# --- cohort matrix -------------------------------------------------------------------------------


def _cohort(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    """Counts in the backend (group_bys), then the small cohort x period result is made dense in
    Polars, because a period where nobody came back has no rows to count but must show as 0."""
    _need_grain(q, "retention.cohort")
    g, by = q.grain, list(q.by)
    keys = ["customer_id", *by]
    orders = frames["orders"].select(*keys, "order_date")
    idx = partial(bucket_index, grain=g, backend=orders.implementation)
    group = ["cohort", "cohort_idx", *by]
    if q.options.get("mode", "return_on") != "return_on":
        # on_or_after: count customers by their last period; active(k) = customers whose last is >= k
        counts = (
            orders.with_columns(i=idx("order_date"))
            .group_by(*keys)
            .agg(first=nw.col("order_date").min(), last=nw.col("i").max())
            .with_columns(cohort=bucket("first", g), cohort_idx=idx("first"))
            .with_columns(period=nw.col("last") - nw.col("cohort_idx"))
            .group_by(*group, "period")
            .agg(count=nw.len())
        )
    elif orders.implementation.is_polars():
        counts = (
            _buckets_per_customer(orders, keys, g)
            .group_by("cohort", *by, "b")
            .agg(count=nw.len())
            .with_columns(cohort_idx=idx("cohort"), period=idx("b") - idx("cohort"))
        )
    else:
        counts = (
            orders.with_columns(first=nw.col("order_date").min().over(*keys))
            .with_columns(cohort=bucket("first", g), cohort_idx=idx("first"), period=idx("order_date") - idx("first"))
            .select(*keys, "cohort", "cohort_idx", "period")
            .unique()
            .group_by(*group, "period")
            .agg(count=nw.len())
        )
    sparse = counts.select(*group, "period", "count").collect().to_polars()
    # Every order's bucket is some cohort + period, so the data's last bucket is the largest sum.
    last_idx = sparse.select((pl.col("cohort_idx") + pl.col("period")).max()).item()
    return nw.from_native(_dense(sparse, group, by, last_idx, q)).lazy()


def _buckets_per_customer(orders: nw.LazyFrame, keys: list[str], grain: Grain) -> nw.LazyFrame:
    """Polars only: one row per (customer, bucket they ordered in), with the customer's cohort (the bucket
    of their first order) and `b` (the bucket). One group_by per customer collecting its distinct buckets
    as a list, then explode: about 2x faster than a window + unique (narwhals has no list aggregation)."""
    per_customer = (
        orders.with_columns(b=bucket("order_date", grain))
        .to_native()
        .group_by(keys)
        .agg(pl.col("order_date").min().alias("first"), pl.col("b").unique())
    )
    with_cohort = nw.from_native(per_customer).with_columns(cohort=bucket("first", grain)).drop("first")
    return nw.from_native(with_cohort.to_native().explode("b"))


def _dense(sparse: pl.DataFrame, group: list[str], by: list[str], last_idx: int | None, q: Query) -> pl.DataFrame:
    schema = {"cohort": pl.Date, **dict.fromkeys(by, pl.String), "period": pl.Int64, "cohort_size": pl.Int64}
    if sparse.height == 0 or last_idx is None or q.as_of is None:
        extra = {"active": pl.Int64, "value": pl.Float64, "complete": pl.Boolean}
        return pl.DataFrame(schema={**schema, **extra}).cast({c: sparse.schema.get(c, pl.String) for c in by})
    sparse = sparse.with_columns(pl.col("period", "count", "cohort_idx").cast(pl.Int64))
    # Bucket b has ended by the data's last date when the day after as_of lies in a later bucket.
    after = pl.DataFrame({"d": [q.as_of + timedelta(days=1)]})
    open_idx = nw.from_native(after).select(bucket_index("d", q.grain)).item()
    cohorts = sparse.group_by(group).agg(cohort_size=pl.col("count").filter(pl.col("period") == 0).sum())
    if q.options.get("mode", "return_on") != "return_on":
        cohorts = sparse.group_by(group).agg(cohort_size=pl.col("count").sum())
    grid = cohorts.with_columns(period=pl.int_ranges(0, last_idx - pl.col("cohort_idx") + 1)).explode("period")
    out = grid.join(sparse, on=[*group, "period"], how="left", nulls_equal=True).with_columns(
        pl.col("count").fill_null(0)
    )
    if q.options.get("mode", "return_on") == "return_on":
        out = out.rename({"count": "active"})
    else:
        out = out.sort("period").with_columns(active=pl.col("count").cum_sum(reverse=True).over(group))
    return (
        out.with_columns(
            value=pl.col("active") / pl.col("cohort_size"),
            complete=pl.col("cohort_idx") + pl.col("period") < open_idx,
        )
        .select("cohort", *by, "period", "cohort_size", "active", "value", "complete")
        .sort("cohort", *by, "period", nulls_last=True)
    )


cohort = MetricSpec(
    name="retention.cohort",
    title="Cohort retention",
    lens="customer",
    unit="share",
    higher_is_better=True,
    requires=("orders.customer_id", "orders.order_date"),
    time_column="orders.order_date",
    kind="cohort",
    interval="none",
    definition="Of the customers who first ordered in a bucket (their cohort), the share still ordering"
    " k buckets later.\n\n"
    "cohort = bucket of the customer's first order in the window; period = k = buckets since the cohort"
    " (0 = the cohort's own bucket, so value is 1 there); cohort_size = customers in the cohort;"
    " active = those who ordered in bucket cohort+k (mode return_on, the default) or in bucket cohort+k"
    " or any later one (mode on_or_after, never increasing with k); value = active / cohort_size."
    " Every period from 0 to the data's last bucket is listed (0 when nobody came back)."
    " complete = bucket cohort+k ended on or before the data's last order_date; the last, still open,"
    " bucket understates retention. No interval. " + _BY_RULE,
    fn=_cohort,
    options={"mode": ("return_on", "on_or_after")},
)


# --- repeat purchase and churn -------------------------------------------------------------------


def _repeat(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    _need_grain(q, "retention.repeat_purchase_rate")
    keys, orders = ["customer_id", *q.by], frames["orders"]
    if orders.implementation.is_polars():
        # Bucket starts rise with the bucket index, so comparing the cohort's start date is the same test.
        per_bucket = (
            _buckets_per_customer(orders.select(*keys, "order_date"), keys, q.grain)
            .group_by("b", *q.by, "cohort")
            .agg(count=nw.len())
            .with_columns(returning=nw.when(nw.col("cohort") < nw.col("b")).then(nw.col("count")).otherwise(0))
        )
        return (
            per_bucket.group_by("b", *q.by)
            .agg(n=nw.col("count").sum(), successes=nw.col("returning").sum())
            .rename({"b": "period"})
            .with_columns(value=nw.col("successes") / nw.col("n"))
        )
    idx = partial(bucket_index, grain=q.grain, backend=orders.implementation)
    return (
        orders.with_columns(first=nw.col("order_date").min().over(*keys))
        .with_columns(period=bucket("order_date", q.grain), returning=(idx("first") < idx("order_date")).cast(nw.Int64))
        .select(*keys, "period", "returning")
        .unique()
        .group_by("period", *q.by)
        .agg(n=nw.len(), successes=nw.col("returning").sum())
        .with_columns(value=nw.col("successes") / nw.col("n"))
    )


repeat_purchase_rate = MetricSpec(
    name="retention.repeat_purchase_rate",
    title="Repeat purchase rate",
    lens="customer",
    unit="share",
    higher_is_better=True,
    requires=("orders.customer_id", "orders.order_date"),
    time_column="orders.order_date",
    definition="Share of the customers buying in a bucket who had bought in an earlier bucket.\n\n"
    "n = distinct customers with at least one order in the bucket; successes = those of them whose"
    " first order in the window falls in an earlier bucket; value = successes / n. A second order in"
    " the same bucket as the first does not make a repeat customer. The window's first bucket is 0 by"
    " construction and early buckets understate repeat buying (history before `start` is not seen)."
    " 95 % interval: Wilson. " + _BY_RULE,
    fn=_repeat,
    extras=("successes",),
)


def _churn(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    _need_grain(q, "retention.churn")
    g, keys, orders = q.grain, ["customer_id", *q.by], frames["orders"]
    if orders.implementation.is_polars():
        return _churn_polars(orders.select(*keys, "order_date"), keys, q)
    active = (
        orders.with_columns(
            idx=bucket_index("order_date", g, orders.implementation), period=next_bucket("order_date", g)
        )
        .select(*keys, "idx", "period")
        .unique()
    )
    next_idx = nw.col("idx").shift(-1).over(*keys, order_by="idx")
    return (
        active.with_columns(
            churned=(next_idx.is_null() | (next_idx != nw.col("idx") + 1)).cast(nw.Int64),
            last_idx=nw.col("idx").max(),
        )
        .filter(nw.col("idx") < nw.col("last_idx"))  # the data's last bucket has no next bucket to look at
        .group_by("period", *q.by)
        .agg(n=nw.len(), successes=nw.col("churned").sum())
        .with_columns(value=nw.col("successes") / nw.col("n"))
    )


def _churn_polars(orders: nw.LazyFrame, keys: list[str], q: Query) -> nw.LazyFrame:
    """Polars only: each customer's distinct buckets as a sorted list, paired with the next one by a list
    shift (no window over all orders), counted per (bucket, next bucket) and only then tested."""
    pairs = (
        orders.with_columns(b=bucket("order_date", q.grain))
        .to_native()
        .group_by(keys)
        .agg(pl.col("b").unique().sort())
        .with_columns(nxt=pl.col("b").list.shift(-1))
        .explode("b", "nxt")
        .group_by("b", *q.by, "nxt")
        .agg(count=pl.len())
    )
    churned = nw.col("nxt").is_null() | (nw.col("nxt") != nw.col("period"))
    return (
        nw.from_native(pairs)
        .with_columns(period=next_bucket("b", q.grain), last=nw.col("b").max())
        .filter(nw.col("b") < nw.col("last"))  # the data's last bucket has no next bucket to look at
        .with_columns(churned=nw.when(churned).then(nw.col("count")).otherwise(0))
        .group_by("period", *q.by)
        .agg(n=nw.col("count").sum(), successes=nw.col("churned").sum())
        .with_columns(value=nw.col("successes") / nw.col("n"))
    )


churn = MetricSpec(
    name="retention.churn",
    title="Customer churn",
    lens="customer",
    unit="share",
    higher_is_better=False,
    requires=("orders.customer_id", "orders.order_date"),
    time_column="orders.order_date",
    definition="Logo churn: share of the previous bucket's customers who did not order in this bucket.\n\n"
    "A customer is active in a bucket if they ordered in it. For bucket b: n = customers active in b-1;"
    " successes = those of them not active in b (churned); value = successes / n. Listed from the"
    " window's second bucket to the data's last bucket (a bucket with no orders at all has churn 1);"
    " the last bucket may still be open, so its churn is an upper bound. 95 % interval: Wilson. " + _BY_RULE,
    fn=_churn,
    extras=("successes",),
)


# --- revenue retention ---------------------------------------------------------------------------


def _revenue_retention(gross: bool):
    def retention(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
        by = list(q.by)
        rev = frames["revenue"].group_by("customer_id", "month", *by).agg(revenue=nw.col("revenue").sum())
        first = rev.with_columns(m0=nw.col("month").min()).filter(nw.col("month") == nw.col("m0"))
        start = first.filter(nw.col("revenue") > 0).select("customer_id", *by, start=nw.col("revenue"))
        kept = nw.min_horizontal("revenue", "start") if gross else nw.col("revenue")
        cohort_rev = (
            rev.join(start, on=["customer_id", *by], how="inner")
            .with_columns(kept=kept)
            .group_by("month", *by)
            .agg(kept=nw.col("kept").sum())
        )
        months = rev.select("month", *by).unique()
        totals = start.group_by(*by).agg(n=nw.len(), start_revenue=nw.col("start").sum()) if by else None
        if totals is None:
            totals = start.select(n=nw.len(), start_revenue=nw.col("start").sum())
        monthly = (
            months.join(cohort_rev, on=["month", *by], how="left")
            .with_columns(nw.col("kept").fill_null(0.0), period=bucket("month", q.grain))
            .group_by("period", *by)
            .agg(revenue=nw.col("kept").mean())
        )
        joined = monthly.join(totals, on=by, how="inner") if by else monthly.join(totals, how="cross")
        return joined.filter(nw.col("n") > 0).with_columns(value=nw.col("revenue") / nw.col("start_revenue"))

    return retention


_REVENUE_RULES = """
Revenue is summed per customer and month first. The starting cohort is the customers with
revenue > 0 in the window's first month (month = min(month) of the selected data); customers
who start later are new and never count. n = cohort size; start_revenue = the cohort's revenue
in that month. For each bucket, revenue = the cohort's {what} revenue per month, averaged over the
months of the bucket that appear in the data (so quarters and years read as a monthly run rate);
value = revenue / start_revenue (1 in the first month). {cap}No sound interval for a ratio of
skewed sums on a fixed cohort: ci_low and ci_high are null. With `by`, each group has its own cohort."""

grr = MetricSpec(
    name="retention.grr",
    title="Gross revenue retention",
    lens="customer",
    unit="ratio",
    higher_is_better=True,
    requires=("revenue.customer_id", "revenue.month", "revenue.revenue"),
    time_column="revenue.month",
    definition="How much of the starting customers' revenue we keep, ignoring expansion.\n\n"
    + _REVENUE_RULES.format(
        what="capped",
        cap="Each customer's monthly revenue is capped at its starting revenue (upsell does not count,"
        " churn and downgrades do), so GRR <= 1. ",
    ),
    fn=_revenue_retention(gross=True),
    twin="retention.nrr",
    interval="none",
    extras=("revenue", "start_revenue"),
)

nrr = MetricSpec(
    name="retention.nrr",
    title="Net revenue retention",
    lens="customer",
    unit="ratio",
    higher_is_better=True,
    requires=("revenue.customer_id", "revenue.month", "revenue.revenue"),
    time_column="revenue.month",
    definition="How the starting customers' revenue grew or shrank, expansion included.\n\n"
    + _REVENUE_RULES.format(what="total", cap="Expansion counts, so NRR can exceed 1. "),
    fn=_revenue_retention(gross=False),
    twin="retention.grr",
    interval="none",
    extras=("revenue", "start_revenue"),
)
