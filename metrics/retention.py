"""Retention: do customers come back, and does their revenue stay? Cohorts, repeat, churn, GRR, NRR."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial

import narwhals as nw
import polars as pl

from metrics.customer_parts import in_customer_parts
from metrics.errors import MetricError
from metrics.periods import bucket, bucket_index, next_bucket
from metrics.spec import Grain, MetricSpec, Query

_BY_RULE = (
    "With a breakdown (`by`), a customer is followed separately inside each group it ordered in."
    " Orders before `start` are history: they decide who is new or returning, and `start` picks the first bucket"
    " shown. Buckets are whole (the bucket holding `start` counts all its orders); orders after `end` are not seen."
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
        def last_period_counts(part: nw.LazyFrame) -> nw.LazyFrame:
            return (
                part.with_columns(i=idx("order_date"))
                .group_by(*keys)
                .agg(first=nw.col("order_date").min(), last=nw.col("i").max())
                .with_columns(cohort=bucket("first", g), cohort_idx=idx("first"))
                .with_columns(period=nw.col("last") - nw.col("cohort_idx"))
                .group_by(*group, "period")
                .agg(count=nw.len())
            )

        counts = in_customer_parts(orders, last_period_counts, add_up_by=[*group, "period"])
    elif orders.implementation.is_polars():
        counts = in_customer_parts(
            orders, lambda part: _bucket_counts(part, keys, g, ["cohort", *by, "b"]), add_up_by=["cohort", *by, "b"]
        ).with_columns(cohort_idx=idx("cohort"), period=idx("b") - idx("cohort"))
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


def _bucket_counts(orders: nw.LazyFrame, keys: list[str], grain: Grain, group: list[str]) -> nw.LazyFrame:
    """Customers per `group` of their (cohort, bucket) rows: counts that add up over parts of the customers."""
    return _buckets_per_customer(orders, keys, grain).group_by(*group).agg(count=nw.len())


def _dense(sparse: pl.DataFrame, group: list[str], by: list[str], last_idx: int | None, q: Query) -> pl.DataFrame:
    schema = {"cohort": pl.Date, **dict.fromkeys(by, pl.String), "period": pl.Int64, "cohort_size": pl.Int64}
    if sparse.height == 0 or last_idx is None or q.seen_until is None:
        extra = {"active": pl.Int64, "value": pl.Float64, "complete": pl.Boolean}
        return pl.DataFrame(schema={**schema, **extra}).cast({c: sparse.schema.get(c, pl.String) for c in by})
    sparse = sparse.with_columns(pl.col("period", "count", "cohort_idx").cast(pl.Int64))
    # Bucket b has ended by the last day seen when the day after it lies in a later bucket.
    after = pl.DataFrame({"d": [q.seen_until + timedelta(days=1)]})
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
    "cohort = bucket of the customer's first order (up to `end`); period = k = buckets since the cohort"
    " (0 = the cohort's own bucket, so value is 1 there); cohort_size = customers in the cohort;"
    " active = those who ordered in bucket cohort+k (mode return_on, the default) or in bucket cohort+k"
    " or any later one (mode on_or_after, never increasing with k); value = active / cohort_size."
    " Every period from 0 to the data's last bucket is listed (0 when nobody came back)."
    " complete = bucket cohort+k ended on or before the last day seen (the window's end, at most the data's"
    " last order_date); the last, still open,"
    " bucket understates retention. No interval. " + _BY_RULE,
    fn=_cohort,
    history=True,
    options={"mode": ("return_on", "on_or_after")},
)


# --- repeat purchase and churn -------------------------------------------------------------------


def _repeat(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    _need_grain(q, "retention.repeat_purchase_rate")
    keys, orders = ["customer_id", *q.by], frames["orders"]
    if orders.implementation.is_polars():
        # Bucket starts rise with the bucket index, so comparing the cohort's start date is the same test.
        group = ["b", *q.by, "cohort"]
        per_bucket = in_customer_parts(
            orders.select(*keys, "order_date"),
            lambda part: _bucket_counts(part, keys, q.grain, group),
            add_up_by=group,
        ).with_columns(returning=nw.when(nw.col("cohort") < nw.col("b")).then(nw.col("count")).otherwise(0))
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
    " first order falls in an earlier bucket (orders before `start` count); value = successes / n."
    " A second order in the same bucket as the first does not make a repeat customer. The data's first"
    " bucket is 0 by construction, as every customer is new there."
    " 95 % interval: Wilson. " + _BY_RULE,
    fn=_repeat,
    history=True,
    extras=("successes",),
)


def _churn(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    """Counts per bucket b: n = customers active in b, kept = those also active in b+1; churn(b+1) = n - kept,
    reported at b+1 for every b before the data's last bucket."""
    _need_grain(q, "retention.churn")
    keys, orders = ["customer_id", *q.by], frames["orders"]
    active = orders.with_columns(idx=bucket_index("order_date", q.grain, orders.implementation))
    if orders.implementation.is_polars():
        counts = _churn_counts_bitmask(active, keys, q.by)
        if counts is not None:
            return _churn_rates(counts, q)
    # One row per (customer, bucket); kept = the next bucket that customer ordered in is idx + 1. A window,
    # not a self join: joins never match null `by` values, windows group them.
    per_bucket = active.group_by(*keys, "idx").agg(first=nw.col("order_date").min())
    next_idx = nw.col("idx").shift(-1).over(*keys, order_by="idx")
    counts = (
        per_bucket.with_columns(kept=(next_idx == nw.col("idx") + 1).fill_null(False).cast(nw.Int64))
        .group_by("idx", *q.by)
        .agg(n=nw.len(), first=nw.col("first").min(), kept=nw.col("kept").sum())
    )
    return _churn_rates(counts, q)


def _churn_rates(counts: nw.LazyFrame, q: Query) -> nw.LazyFrame:
    """counts: idx, *by, first (a date in bucket idx), n, kept (null = 0) -> the churn series at idx + 1."""
    return (
        counts.filter(nw.col("idx") < nw.col("idx").max())  # the data's last bucket has no next bucket
        .select(
            next_bucket("first", q.grain).alias("period"),
            *q.by,
            n=nw.col("n"),
            successes=nw.col("n") - nw.col("kept").fill_null(0),
        )
        .with_columns(value=nw.col("successes") / nw.col("n"))
    )


_MASK_BITS = 62  # buckets one Int64 bitmask can hold (2**62 stays positive)


def _churn_counts_bitmask(active: nw.LazyFrame, keys: list[str], by: tuple[str, ...]) -> nw.LazyFrame | None:
    """Polars only, when the data spans at most 62 buckets: one group_by per customer ORs a bit per bucket
    they ordered in (no per-customer lists, no join), then every bucket's n and kept are bit tests on that
    one column. About 1.7x faster than the semi join at 2M orders; None (use the join) for longer spans."""
    native = active.to_native()
    buckets = native.group_by("idx").agg(first=pl.col("order_date").min()).sort("idx").collect()
    if buckets.height == 0 or buckets["idx"].max() - buckets["idx"].min() >= _MASK_BITS:
        return None
    low = buckets["idx"].min()
    bit = pl.lit(2, dtype=pl.Int64).pow(pl.col("idx") - low).cast(pl.Int64)
    aggs = []
    for b in buckets["idx"]:
        this, both = 1 << (b - low), 3 << (b - low)
        aggs += [
            ((pl.col("mask") & this) != 0).sum().alias(f"n{b}"),
            ((pl.col("mask") & both) == both).sum().alias(f"kept{b}"),
        ]

    def bucket_counts(part: nw.LazyFrame) -> nw.LazyFrame:
        masks = part.to_native().group_by(keys).agg(mask=bit.bitwise_or())
        return nw.from_native(masks.group_by(list(by)).agg(aggs) if by else masks.select(aggs))

    wide = in_customer_parts(active, bucket_counts, add_up_by=by).collect().to_polars()
    long = pl.concat(
        [
            wide.select(*by, idx=pl.lit(b), first=pl.lit(first), n=f"n{b}", kept=f"kept{b}")
            for b, first in buckets.iter_rows()
        ]
    ).filter(pl.col("n") > 0)
    return nw.from_native(long.lazy())


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
    history=True,
    extras=("successes",),
)


# --- revenue retention ---------------------------------------------------------------------------


def _revenue_retention(gross: bool):
    def retention(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
        by, raw = list(q.by), frames["revenue"]
        # The cohort is picked from the first month's rows alone, and only its customers' rows are summed
        # further: no per-customer-month sums over the whole table (NRR needs none at all).
        in_first = raw.filter(nw.col("month") == nw.col("month").min())
        start = in_first.group_by("customer_id", *by).agg(start=nw.col("revenue").sum()).filter(nw.col("start") > 0)
        cohort = raw.join(start, on=["customer_id", *by], how="inner")
        if gross:  # cap each customer's month at its starting revenue
            per_customer = cohort.group_by("customer_id", *by, "month").agg(
                nw.col("revenue").sum(), nw.col("start").min()
            )
            kept = per_customer.group_by("month", *by).agg(kept=nw.min_horizontal("revenue", "start").sum())
        else:
            kept = cohort.group_by("month", *by).agg(kept=nw.col("revenue").sum())
        sizes = {"n": nw.len(), "start_revenue": nw.col("start").sum()}
        totals = start.group_by(*by).agg(**sizes) if by else start.select(**sizes)
        monthly = (
            raw.select("month", *by)
            .unique()
            .join(kept, on=["month", *by], how="left")
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
