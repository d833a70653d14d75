"""Star ratings as customers leave them, and what a late delivery costs in those stars."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl

from connectors.contract import RATING_RANGE, SURVEY_RANGES
from metrics.errors import MissingData
from metrics.intervals import t_quantile, wilson
from metrics.periods import bucket, days_since_epoch
from metrics.spec import MetricSpec, Query

POSITIVE_MIN = 4  # 4-5 stars count as a positive review
ON_TIME, LATE = "on_time", "late"
# Days-late bands (delivered_date - promised_date), inclusive upper bounds; the last band is open.
LATE_BANDS: tuple[tuple[str, int | None], ...] = (("late_1_2", 2), ("late_3_7", 7), ("late_8_plus", None))
DELIVERY_KEYS: tuple[str, ...] = (ON_TIME, LATE, *(name for name, _ in LATE_BANDS))


def _review_rating(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    rating = nw.col("rating")
    low, high = RATING_RANGE
    counted = (
        frames["reviews"]
        .filter(rating.is_between(low, high))
        .with_columns(period=bucket("published_at", q.grain))
        .group_by("period", *q.by)
        .agg(
            n=nw.len(),
            value=rating.mean(),
            sd=rating.std(ddof=1),
            # Summed as integers: Spark cannot sum booleans.
            positive=(rating >= POSITIVE_MIN).cast(nw.Int64()).sum(),
            one_star=(rating == low).cast(nw.Int64()).sum(),
        )
        .collect()
        .to_polars()  # one row per period: the shares and their interval are cheaper here than planned lazily
        .with_columns(pl.col("positive", "one_star").cast(pl.Int64))  # UInt32 from Polars, HUGEINT from DuckDB
    )
    positive_low, positive_high = wilson("positive", "n")
    shares = counted.with_columns(
        share_positive=pl.col("positive") / pl.col("n"),
        positive_ci_low=positive_low,
        positive_ci_high=positive_high,
        share_one_star=pl.col("one_star") / pl.col("n"),
    )
    return nw.from_native(shares).lazy()


review_rating = MetricSpec(
    name="satisfaction.review_rating",
    title="Review rating (stars)",
    lens="customer",
    unit="mean",
    higher_is_better=True,
    requires=("reviews.published_at", "reviews.rating"),
    time_column="reviews.published_at",
    definition="The stars customers give in public reviews (Trustpilot, Google, marketplaces), 1 to 5.\n\n"
    "value = mean rating of the reviews published in the period; n = reviews, star-only reviews included "
    "(most reviews have no text; they count here, unlike in the voice metrics). A rating outside 1-5 is not "
    "counted (validation quarantines such rows). Extras: share_positive = reviews with 4 or 5 stars (positive) "
    "/ n, with a 95 % Wilson interval (positive_ci_low, positive_ci_high); share_one_star = 1-star reviews "
    "(one_star) / n. Break it down by reviews.source (the site) or region.\n"
    "95 % interval: Student t on the mean, mean ± t(0.975, n-1) · sd / sqrt(n); null for n < 2.",
    fn=_review_rating,
    interval="t",
    extras=("share_positive", "positive_ci_low", "positive_ci_high", "share_one_star", "positive", "one_star"),
)


# --- Rating by delivery ------------------------------------------------------------------------------------


def delivery_status(frame: nw.LazyFrame) -> nw.LazyFrame:
    """The rows of `frame` (orders, or feedback joined to them) whose order was delivered and had a promise,
    plus days_late (delivered_date - promised_date, <= 0 when on time) and `late` (received after the promised
    date). The one home of "late" for feedback."""
    backend = frame.implementation
    # Day numbers, not a date difference: free on Polars (a Date is stored as one), integer-only on Spark.
    days_late = days_since_epoch("delivered_date", backend) - days_since_epoch("promised_date", backend)
    return (
        frame.filter(~nw.col("delivered_date").is_null(), ~nw.col("promised_date").is_null())
        .with_columns(days_late=days_late.cast(nw.Int64()))
        .with_columns(late=nw.col("days_late") > 0)
    )


def _delivery_key(bands: bool) -> nw.Expr:
    days = nw.col("days_late")
    if not bands:
        return nw.when(days > 0).then(nw.lit(LATE)).otherwise(nw.lit(ON_TIME))
    key: Any = nw.when(days <= 0).then(nw.lit(ON_TIME))  # a When, then a Then: one name for the chain
    for name, upper in LATE_BANDS:
        key = key.when(days <= upper).then(nw.lit(name)) if upper is not None else key.otherwise(nw.lit(name))
    return key


# feedback option -> (table, date column, score column, the rows that count)
FEEDBACK: dict[str, tuple[str, str, str, nw.Expr]] = {
    "reviews": ("reviews", "published_at", "rating", nw.col("rating").is_between(*RATING_RANGE)),
    "nps": (
        "responses",
        "responded_at",
        "score",
        (nw.col("survey") == "nps") & nw.col("score").is_between(*SURVEY_RANGES["nps"]),
    ),
}


def _linked_feedback(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    """One row per feedback on a delivered order with a promise: period (of the order), *by, days_late, score."""
    table, _, score_col, counts = FEEDBACK[q.options["feedback"]]
    if table not in frames:
        raise MissingData(f"rating by delivery with feedback={q.options['feedback']} needs the {table} table")
    feedback = frames[table]
    have = feedback.collect_schema().names()
    needed = ["order_id", score_col, *(["survey"] if table == "responses" else [])]
    if missing := [c for c in needed if c not in have]:
        raise MissingData(f"rating by delivery needs {', '.join(f'{table}.{c}' for c in missing)}")
    orders = frames["orders"]
    order_cols = orders.collect_schema().names()
    from_orders = [c for c in q.by if c in order_cols]  # a region or segment is the order's, when it has one
    from_feedback = [c for c in q.by if c not in from_orders]
    if lost := [c for c in from_feedback if c not in have]:
        raise MissingData(
            f"cannot break rating by delivery down by {', '.join(lost)}: neither orders nor {table} have it"
        )
    scored = feedback.filter(~nw.col("order_id").is_null(), counts).select(
        "order_id", *from_feedback, score=nw.col(score_col)
    )
    # Join first: far fewer feedback rows than orders, so lateness is worked out only for the reviewed ones.
    dates = orders.select("order_id", "order_date", "promised_date", "delivered_date", *from_orders)
    return delivery_status(scored.join(dates, on="order_id", how="inner")).with_columns(
        period=bucket("order_date", q.grain)
    )


def _rating_by_delivery(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    score = nw.col("score")
    groups = (
        _linked_feedback(frames, q)
        .with_columns(delivery=_delivery_key(q.options["lateness"] == "bands"))
        .group_by("period", *q.by, "delivery")
        .agg(n=nw.len(), value=score.mean(), sd=score.std(ddof=1))
        .collect()
        .to_polars()  # a few rows per period: the difference to on time is worked out here, in Polars
        .with_columns(pl.col("n").cast(pl.Int64))
    )
    return nw.from_native(with_difference(groups, ["period", *q.by])).lazy()


def with_difference(groups: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Each late row's mean minus the on-time mean of the same keys, with a 95 % Welch interval:
    se = sqrt(sd1²/n1 + sd2²/n2), df by Welch-Satterthwaite (rounded down), t(0.975, df) · se.
    Null on the on-time rows and where either side has fewer than 2 answers."""
    on_time = groups.filter(pl.col("delivery") == ON_TIME).select(*keys, base_n="n", base_value="value", base_sd="sd")
    joined = groups.join(on_time, on=keys, how="left", nulls_equal=True)
    var_late = pl.col("sd") ** 2 / pl.col("n")
    var_base = pl.col("base_sd") ** 2 / pl.col("base_n")
    se = (var_late + var_base).sqrt()
    df = (var_late + var_base) ** 2 / (var_late**2 / (pl.col("n") - 1) + var_base**2 / (pl.col("base_n") - 1))
    comparable = (pl.col("delivery") != ON_TIME) & (pl.col("n") >= 2) & (pl.col("base_n") >= 2)
    difference = pl.when(pl.col("delivery") != ON_TIME).then(pl.col("value") - pl.col("base_value"))
    # Identical answers on both sides (se = 0) give no spread to estimate: the interval is the point.
    half = pl.when(se > 0).then(t_quantile(df.floor()) * se).otherwise(0.0)
    return joined.with_columns(
        difference=difference,
        difference_ci_low=pl.when(comparable).then(difference - half),
        difference_ci_high=pl.when(comparable).then(difference + half),
    ).drop("base_n", "base_value", "base_sd")


rating_by_delivery = MetricSpec(
    name="satisfaction.rating_by_delivery",
    title="Rating: on time vs late",
    lens="customer",
    unit="mean",
    higher_is_better=True,
    requires=("orders.order_id", "orders.order_date", "orders.promised_date", "orders.delivered_date"),
    optional=(
        "reviews.order_id",
        "reviews.rating",
        "responses.order_id",
        "responses.survey",
        "responses.score",
    ),
    time_column="orders.order_date",
    keys=("delivery",),
    definition="What a late delivery costs in the customer's own grades: the rating of orders received on time "
    "next to the rating of orders received late.\n\n"
    "Feedback linked to an order (order_id) that was delivered and had a promised date; feedback on other "
    "orders, or without an order_id, is left out. feedback=reviews (default): review stars 1-5; feedback=nps: "
    "NPS answers' 0-10 scores (survey = 'nps'). Each row is one period (of the order's order_date, which "
    "start/end apply to) x delivery: on_time when delivered_date <= promised_date, late otherwise; with "
    "lateness=bands the late orders split by days late (delivered_date - promised_date) into late_1_2 (1-2 "
    "days), late_3_7 (3-7) and late_8_plus (8 or more). A region or segment breakdown uses the order's.\n"
    "n = feedback rows (an order reviewed twice counts twice); value = mean score; 95 % interval: Student t, "
    "mean ± t(0.975, n-1) · sd / sqrt(n), null for n < 2. difference = this row's mean - the on-time mean of "
    "the same period (negative: late orders are rated lower), null on on-time rows; difference_ci_low/high: "
    "95 % Welch interval, t(0.975, df) · sqrt(sd1²/n1 + sd2²/n2) with Welch-Satterthwaite df rounded down, "
    "null when either side has fewer than 2 answers.",
    fn=_rating_by_delivery,
    interval="t",
    extras=("difference", "difference_ci_low", "difference_ci_high"),
    options={"feedback": tuple(FEEDBACK), "lateness": ("late", "bands")},
    min_n=30,
)


@dataclass(frozen=True)
class LateCost:
    """Late orders' rating minus on-time orders', over a whole window, with its 95 % interval."""

    difference: float
    ci_low: float
    ci_high: float
    late_n: int
    on_time_n: int

    @property
    def clear(self) -> bool:
        """True when the interval leaves out zero: late orders are rated differently, not by chance."""
        return self.ci_high < 0 or self.ci_low > 0


def late_cost(frame: pl.DataFrame, min_n: int) -> LateCost | None:
    """From rating_by_delivery at grain 'all' (lateness=late, no breakdown): the cost of lateness, or None
    when either side has fewer than `min_n` answers or the difference has no interval."""
    rows = {row["delivery"]: row for row in frame.to_dicts()}
    late, on_time = rows.get(LATE), rows.get(ON_TIME)
    if late is None or on_time is None or min(late["n"], on_time["n"]) < min_n:
        return None
    if late["difference_ci_low"] is None or late["difference_ci_high"] is None:
        return None
    return LateCost(late["difference"], late["difference_ci_low"], late["difference_ci_high"], late["n"], on_time["n"])
