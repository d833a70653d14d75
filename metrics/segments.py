"""Customer segments: RFM scores per customer, and how the business's own segments compare."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import narwhals as nw

from metrics import _ci
from metrics.customer_parts import in_customer_parts
from metrics.errors import MetricError, MissingData
from metrics.nps import detractor, promoter
from metrics.periods import days_since_epoch
from metrics.spec import MetricSpec, Query

RETENTION_MONTHS = 3
UNKNOWN_SEGMENT = "unknown"
MONETARY_DECIMALS = 6

# First matching rule wins (R, F, M = quintile scores 1-5; orders = the customer's order count).
RFM_RULES: tuple[tuple[str, str], ...] = (
    ("Champions", "R >= 4 and F >= 4 and M >= 4"),
    ("Loyal", "R >= 3 and F >= 4"),
    ("New", "R >= 4 and orders = 1"),
    ("Promising", "R >= 4"),
    ("At risk", "R <= 2 and F >= 3"),
    ("Needs attention", "R = 3"),
    ("Hibernating", "everyone else (R <= 2 and F <= 2)"),
)


def _no_by(name: str, q: Query) -> None:
    if q.by:
        raise MetricError(f"{name} is one row per customer or segment and takes no breakdown (by)")


def _quintile(col: str, descending: bool = False) -> nw.Expr:
    """1 + floor(5 * (rank - 1) / customers), rank = 'min' rank; ties share a score."""
    rank = nw.col(col).rank(method="min", descending=descending)
    return (1 + (5 * (rank - 1)) // nw.len()).cast(nw.Int64())


def _rfm(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    _no_by("segments.rfm", q)
    ref = q.seen_until
    ref_day = nw.lit(_days(ref)) if ref is not None else nw.col("last_day").max()
    r, f, m, count = nw.col("r_score"), nw.col("f_score"), nw.col("m_score"), nw.col("frequency")
    segment = (
        nw.when((r >= 4) & (f >= 4) & (m >= 4))
        .then(nw.lit("Champions"))
        .when((r >= 3) & (f >= 4))
        .then(nw.lit("Loyal"))
        .when((r >= 4) & (count == 1))
        .then(nw.lit("New"))
        .when(r >= 4)
        .then(nw.lit("Promising"))
        .when((r <= 2) & (f >= 3))
        .then(nw.lit("At risk"))
        .when(r == 3)
        .then(nw.lit("Needs attention"))
        .otherwise(nw.lit("Hibernating"))
    )
    orders = frames["orders"]
    totals = in_customer_parts(
        orders,
        lambda part: part.group_by("customer_id").agg(
            first_order=nw.col("order_date").min(),
            last_order=nw.col("order_date").max(),
            frequency=nw.len(),
            # Rounded to 1e-6: float sums of cents depend on the order rows are added in, and a
            # last-bit difference would split a tie in the monetary rank (so the score) at random.
            monetary=nw.col("amount").fill_null(0).sum().cast(nw.Float64()).round(MONETARY_DECIMALS),
        ),
    )
    per_customer = (
        # Day numbers on the per-customer rows: far fewer than orders. Scores rank all parts' customers.
        totals.with_columns(last_day=days_since_epoch("last_order", orders.implementation))
        .with_columns(recency_days=(ref_day - nw.col("last_day")).cast(nw.Int64()))
        .with_columns(
            r_score=_quintile("recency_days", descending=True),
            f_score=_quintile("frequency"),
            m_score=_quintile("monetary"),
        )
        .with_columns(segment=segment)
    )
    if q.options.get("rows", "customer") == "segment":
        # What the Segments page draws: a few rows, never the per-customer table (about 4M rows, 0.35 GB
        # pickled, at 20M orders) held in the app's metric cache or unpickled on every rerun.
        return (
            per_customer.group_by("segment")
            .agg(customers=nw.len().cast(nw.Int64()), revenue=nw.col("monetary").sum().cast(nw.Float64()))
            .sort("segment")
        )
    return per_customer.select(
        "customer_id",
        "first_order",
        "last_order",
        "recency_days",
        nw.col("frequency").cast(nw.Int64()),
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
    ).sort("customer_id")


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def customer_segments(frames: Mapping[str, nw.LazyFrame]) -> nw.LazyFrame:
    """customer_id -> segment: customers.segment when that column exists, else the segment on the customer's
    first order in the window (ties on the first day: alphabetically first). Null segment -> 'unknown'."""
    customers = frames.get("customers")
    if customers is not None and "segment" in customers.collect_schema().names():
        # customer_id is the customers key; min() keeps this deterministic should a source repeat it.
        mapping = customers.group_by("customer_id").agg(nw.col("segment").min())
    elif "segment" in frames["orders"].collect_schema().names():
        mapping = (
            frames["orders"]
            .filter(nw.col("order_date") == nw.col("order_date").min().over("customer_id"))
            .group_by("customer_id")
            .agg(nw.col("segment").min())
        )
    else:
        raise MissingData("segments.summary needs customers.segment or orders.segment, which the data does not have")
    return mapping.with_columns(nw.col("segment").fill_null(UNKNOWN_SEGMENT))


def _summary(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    _no_by("segments.summary", q)
    orders = frames["orders"]
    ref = q.seen_until
    ref_date = nw.lit(ref) if ref is not None else nw.col("last").max()
    has_amount = "amount" in orders.collect_schema().names()
    amount = nw.col("amount").fill_null(0) if has_amount else nw.lit(None, dtype=nw.Float64())
    day = nw.col("day")
    # Per customer: first order day and the next later one, on day numbers (integer windows run about 2x
    # faster than date ones on Polars); the 3-month test then runs on one row per customer (a calendar-month
    # offset on every order row was most of this metric's time).
    horizon = nw.col("first").dt.offset_by(f"{RETENTION_MONTHS}mo").cast(nw.Date())
    eligible = nw.col("horizon") <= ref_date
    totals = in_customer_parts(
        orders,
        lambda part: (
            part.with_columns(
                amount=amount.cast(nw.Float64()), day=days_since_epoch("order_date", orders.implementation)
            )
            .with_columns(later=nw.when(day > day.min().over("customer_id")).then(day))
            .group_by("customer_id")
            .agg(
                revenue=nw.col("amount").sum() if has_amount else nw.col("amount").max(),
                first=nw.col("order_date").min(),
                last=nw.col("order_date").max(),
                next_day=nw.col("later").min(),
            )
        ),
    )
    per_customer = (  # the reference day (the data's last order when no window) is over all parts
        totals.with_columns(horizon=horizon)
        .with_columns(horizon_day=days_since_epoch("horizon", orders.implementation))
        .with_columns(
            eligible=nw.when(eligible).then(1).otherwise(0).cast(nw.Int64()),
            retained=nw.when(eligible & (nw.col("next_day") <= nw.col("horizon_day")))
            .then(1)
            .otherwise(0)
            .cast(nw.Int64()),
        )
        .select("customer_id", "revenue", "eligible", "retained")
        .join(customer_segments(frames), on="customer_id", how="left")
        .with_columns(nw.col("segment").fill_null(UNKNOWN_SEGMENT))
    )
    by_segment = per_customer.group_by("segment").agg(
        customers=nw.len(),
        revenue=nw.col("revenue").sum(),
        revenue_mean=nw.col("revenue").mean(),
        revenue_sd=nw.col("revenue").std(),
        retention_n=nw.col("eligible").sum(),
        retained=nw.col("retained").sum(),
    )
    by_segment = _few_rows(by_segment)
    retention_low, retention_high = _ci.wilson(nw.col("retained"), nw.col("retention_n"))
    by_segment = by_segment.with_columns(
        revenue_share=_ci.ratio(nw.col("revenue"), nw.col("revenue").sum()),
        retention_3m=_ci.ratio(nw.col("retained"), nw.col("retention_n")),
        retention_ci_low=retention_low,
        retention_ci_high=retention_high,
    )
    nps = _nps_by_segment(frames, q, customer_segments(frames))
    columns = [
        "segment",
        "customers",
        "revenue",
        "revenue_share",
        "revenue_mean",
        "revenue_sd",
        "nps_n",
        "nps",
        "nps_ci_low",
        "nps_ci_high",
        "retention_n",
        "retained",
        "retention_3m",
        "retention_ci_low",
        "retention_ci_high",
    ]
    if nps is None:
        out = by_segment.with_columns(
            nps_n=nw.lit(0, dtype=nw.Int64()),
            **{c: nw.lit(None, dtype=nw.Float64()) for c in ("nps", "nps_ci_low", "nps_ci_high")},
        )
    else:
        out = by_segment.join(nps, on="segment", how="left").with_columns(nw.col("nps_n").fill_null(0))
    counts = ("customers", "nps_n", "retention_n", "retained")  # Polars UInt32 / DuckDB HUGEINT -> Int64
    floats = [c for c in columns if c not in counts and c != "segment"]
    return (
        out.select(
            "segment", *(nw.col(c).cast(nw.Int64()) for c in counts), *(nw.col(c).cast(nw.Float64()) for c in floats)
        )
        .select(columns)
        .sort("segment")
    )


def _few_rows(per_segment: nw.LazyFrame) -> nw.LazyFrame:
    """The per-segment counts (a few rows), collected before the interval math and the join of the two parts.
    On the Spark-like backends narwhals spells out every division with its zero guards, copying both sides,
    and the intervals' nested divisions made a 300 kB query that SQLFrame took minutes to build. On Polars,
    one plan ran both per-customer group-bys (orders and the NPS answers, each joined to the customers'
    segments) at once: at 20M orders 1.30 GB over the tables, one after the other 0.96 GB (8.4 -> 11.3 s)."""
    return nw.from_native(per_segment.collect().to_polars()).lazy()


def _nps_by_segment(frames: Mapping[str, nw.LazyFrame], q: Query, segments: nw.LazyFrame) -> nw.LazyFrame | None:
    responses = frames.get("responses")
    if responses is None:
        return None
    cols = responses.collect_schema().names()
    if "customer_id" not in cols and "segment" not in cols:
        return None
    preds = [nw.col("survey") == "nps"]
    if q.start is not None:
        preds.append(nw.col("responded_at") >= nw.lit(q.start))
    if q.end is not None:
        preds.append(nw.col("responded_at") <= nw.lit(q.end))
    own = nw.col("segment") if "segment" in cols else nw.lit(None, dtype=nw.String())
    answers = responses.filter(*preds).with_columns(own_segment=own.cast(nw.String()))
    if "segment" in cols:  # the customer's segment joins in under this name
        answers = answers.drop("segment")
    if "customer_id" in cols:
        answers = answers.join(segments, on="customer_id", how="left").with_columns(
            segment=nw.coalesce(nw.col("segment"), nw.col("own_segment"))
        )
    else:
        answers = answers.with_columns(segment=nw.col("own_segment"))
    counted = (
        answers.filter(~nw.col("segment").is_null())
        .group_by("segment")
        .agg(
            nps_n=nw.len(),
            promoters=promoter(nw.col("score")).cast(nw.Int64()).sum(),
            detractors=detractor(nw.col("score")).cast(nw.Int64()).sum(),
        )
    )
    n, p, d = nw.col("nps_n"), nw.col("promoters"), nw.col("detractors")
    low, high = _ci.nps(n, p, d)
    return _few_rows(counted).select("segment", "nps_n", nps=_ci.nps_value(n, p, d), nps_ci_low=low, nps_ci_high=high)


_RULES_TEXT = "\n".join(f"  {i}. {name}: {rule}" for i, (name, rule) in enumerate(RFM_RULES, 1))

rfm = MetricSpec(
    name="segments.rfm",
    title="RFM segments",
    lens="internal",
    unit="score",
    higher_is_better=True,
    requires=("orders.customer_id", "orders.order_date", "orders.amount"),
    time_column="orders.order_date",
    kind="table",
    interval="none",
    definition="One row per customer who ordered in the window: recency, frequency and monetary value, "
    "their quintile scores and a named segment.\n\n"
    "recency_days = reference day - last order date, where the reference day is the window's end (at most the "
    "data's last order date); frequency = orders; monetary = sum of amount (missing amounts count 0), "
    f"rounded to {MONETARY_DECIMALS} decimals so equal totals tie whatever order the rows are added in.\n"
    "Scores 1-5: score = 1 + floor(5 x (rank - 1) / customers) with rank the 'min' rank (ties share a rank, so "
    "equal values get equal scores): by frequency and monetary ascending, by recency_days descending "
    "(the most recent buyers score 5). Segment: the first rule that matches, in this order:\n"
    + _RULES_TEXT
    + "\n\nOption rows=segment: one row per named segment instead (segment, customers, revenue = sum of "
    "monetary), the same customers counted; what the Segments page draws.",
    fn=_rfm,
    options={"rows": ("customer", "segment")},
)

summary = MetricSpec(
    name="segments.summary",
    title="Segments compared",
    lens="customer",
    unit="ratio",
    higher_is_better=True,
    requires=("orders.customer_id", "orders.order_date"),
    optional=(
        "orders.segment",
        "orders.amount",
        "customers.segment",
        "responses.customer_id",
        "responses.survey",
        "responses.score",
        "responses.responded_at",
        "responses.segment",
    ),
    time_column="orders.order_date",
    kind="table",
    interval="none",
    definition="One row per customer segment: size, revenue, NPS and 3-month retention side by side.\n\n"
    "A customer's segment is customers.segment when the customers table has it, else the segment on their first "
    "order in the window; missing -> 'unknown'. Customers = those with an order in the window.\n"
    "revenue = sum of orders.amount; revenue_share = revenue / all segments' revenue; revenue_mean and "
    "revenue_sd = mean and sample sd of revenue per customer (null without orders.amount).\n"
    "NPS: NPS survey responses in the window, matched to a segment through customer_id (the response's own "
    "segment column when the customer is not matched); nps_n responses, nps = 100 x (promoters 9-10 - "
    "detractors 0-6) / nps_n, adjusted Wald 95 % interval.\n"
    f"3-month retention: of the customers whose first order in the window is at least {RETENTION_MONTHS} "
    "months before the reference day (the window's end, at most the data's last order date), retention_n, "
    f"the share who ordered again on a later day within {RETENTION_MONTHS} calendar months of that first order "
    "(retained / retention_n, Wilson 95 % interval).",
    fn=_summary,
)
