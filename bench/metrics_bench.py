"""Every metric vs the fastest hand-written Polars query for the same numbers, and vs the DuckDB SQL reference.

Run: .venv/bin/python -m bench.metrics_bench [--orders 10000000] [--repeat 3] [--only cohort,nps] [--metric-only]

The sample data (connectors.sample.generate: answers, reviews, notes and revenue in proportion to the
orders) is generated in a child process and handed over as Parquet, so the generator's own peak does
not count here. Each metric then runs three ways in this process, best of --repeat:
  metric  compute(name, tables) on the Polars frames, default grain (month), CIs included;
  polars  a hand-written Polars query for the same numbers (n, counts, value, extras; no CI columns);
  duckdb  the SQL of tests/reference (three_month: SQL written here) on a fresh in-memory DuckDB.
The three results are checked to agree (matched on their keys, floats within 1e-6).
Memory: `peak RSS +` is the highest resident set sampled every 2 ms while the metric ran (best run's
sampler, all runs), minus the RSS just before it: what that metric adds on top of the loaded tables.
`metric peak GB` is the highest resident set sampled while that metric ran, tables included (the 4 GB target);
the last lines print the highest of those and the whole process's peak (getrusage ru_maxrss), which also
holds the DuckDB references' memory. --metric-only skips the hand Polars and DuckDB runs.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl

if __package__ in (None, ""):  # run as a file (`make bench`): make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics import compute
from metrics.taxonomy import load_themes
from tests.reference import assert_matches, run_sql
from tests.reference import delivery as ref_delivery
from tests.reference import retention as ref_retention
from tests.reference import satisfaction as ref_satisfaction
from tests.reference import segments as ref_segments
from tests.reference import voice as ref_voice

Tables = dict[str, pl.DataFrame]
MONTH = "1mo"


# --- memory ----------------------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Samples this process's resident set every 2 ms in a thread (Polars and DuckDB release the GIL)."""

    def __enter__(self) -> PeakRss:
        self.base = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def added(self) -> int:
        return self.peak - self.base


# --- hand-written Polars -------------------------------------------------------------------------


def _month(col: str) -> pl.Expr:
    return pl.col(col).dt.month_start()


def _month_index(col: str) -> pl.Expr:
    return pl.col(col).dt.year().cast(pl.Int32) * 12 + pl.col(col).dt.month().cast(pl.Int32) - 1


def hand_on_time(done: str) -> Callable[[Tables], pl.DataFrame]:
    def run(t: Tables) -> pl.DataFrame:
        o = t["orders"]
        as_of = o.get_column("order_date").max()
        promised, finished = pl.col("promised_date"), pl.col(done)
        return (
            o.lazy()
            .filter(promised.is_not_null() & (finished.is_not_null() | (promised < as_of)))
            .group_by(period=_month("order_date"))
            .agg(n=pl.len(), successes=(finished <= promised).sum())
            .with_columns(value=pl.col("successes") / pl.col("n"))
            .collect()
        )

    return run


def hand_lead_time(done: str) -> Callable[[Tables], pl.DataFrame]:
    def run(t: Tables) -> pl.DataFrame:
        days = pl.col("days")
        return (
            t["orders"]
            .lazy()
            .filter(pl.col(done).is_not_null())
            .select(_month("order_date").alias("period"), days=(pl.col(done) - pl.col("order_date")).dt.total_days())
            .group_by("period")
            .agg(
                n=pl.len(),
                value=days.median(),
                p90=days.quantile(0.9, interpolation="linear"),
                mean=days.mean(),
                sd=days.std(),
            )
            .collect()
        )

    return run


def _active_months(t: Tables) -> pl.LazyFrame:
    """One row per customer: first month index and the list of distinct month indexes they ordered in."""
    m = _month_index("order_date")
    return t["orders"].lazy().group_by("customer_id").agg(first=m.min(), months=m.unique())


def hand_cohort(t: Tables) -> pl.DataFrame:
    o = t["orders"]
    as_of = o.get_column("order_date").max()
    last = as_of.year * 12 + as_of.month - 1
    opened = (as_of + timedelta(days=1)).year * 12 + (as_of + timedelta(days=1)).month - 1
    counts = (
        _active_months(t)
        .explode("months")
        .group_by("first", period=pl.col("months") - pl.col("first"))
        .agg(active=pl.len())
        .collect()
    )
    sizes = counts.filter(pl.col("period") == 0).select("first", cohort_size="active")
    grid = sizes.with_columns(period=pl.int_ranges(0, last - pl.col("first") + 1, dtype=pl.Int32)).explode("period")
    return (
        grid.join(counts, on=["first", "period"], how="left")
        .with_columns(
            pl.col("active").fill_null(0),
            cohort=pl.date(pl.col("first") // 12, pl.col("first") % 12 + 1, 1),
            complete=pl.col("first") + pl.col("period") < opened,
        )
        .with_columns(value=pl.col("active") / pl.col("cohort_size"))
    )


def hand_repeat(t: Tables) -> pl.DataFrame:
    return (
        _active_months(t)
        .explode("months")
        .group_by(period=pl.col("months"))
        .agg(n=pl.len(), successes=(pl.col("months") > pl.col("first")).sum())
        .with_columns(
            period=pl.date(pl.col("period") // 12, pl.col("period") % 12 + 1, 1),
            value=pl.col("successes") / pl.col("n"),
        )
        .collect()
    )


def hand_churn(t: Tables) -> pl.DataFrame:
    """One bitmask per customer (a bit per month they ordered in), then per month two bit tests."""
    months = _month_index("order_date")
    low, high = t["orders"].select(months.min().alias("low"), months.max().alias("high")).row(0)
    bit = pl.lit(2, dtype=pl.Int64).pow(months - low).cast(pl.Int64)
    masks = t["orders"].lazy().group_by("customer_id").agg(mask=bit.bitwise_or())
    aggs = []
    for b in range(high - low):  # the last month has no next month
        aggs += [
            ((pl.col("mask") & (1 << b)) != 0).sum().alias(f"n{b}"),
            ((pl.col("mask") & (3 << b)) == 3 << b).sum().alias(f"kept{b}"),
        ]
    wide = masks.select(aggs).collect()
    idx = pl.int_range(low + 1, high + 1, eager=True)
    n = pl.Series([wide[f"n{b}"][0] for b in range(high - low)])
    kept = pl.Series([wide[f"kept{b}"][0] for b in range(high - low)])
    return (
        pl.DataFrame({"idx": idx, "n": n, "successes": n - kept})
        .filter(pl.col("n") > 0)
        .with_columns(
            period=pl.date(pl.col("idx") // 12, pl.col("idx") % 12 + 1, 1),
            value=pl.col("successes") / pl.col("n"),
        )
    )


def hand_three_month(t: Tables) -> pl.DataFrame:
    """Day numbers (a Polars Date cast to Int32 is free): integer windows run ~2x faster than date ones."""
    o = t["orders"]
    cutoff = o.get_column("order_date").max() - timedelta(days=90)
    day = pl.col("day")
    return (
        o.lazy()
        .select("customer_id", day=pl.col("order_date").cast(pl.Int32))
        .with_columns(later=pl.when(day > day.min().over("customer_id")).then(day))
        .group_by("customer_id")
        .agg(first=day.min(), second=pl.col("later").min())
        .filter(pl.col("first") <= pl.lit(cutoff).cast(pl.Int32))
        .group_by(period=pl.col("first").cast(pl.Date).dt.month_start())
        .agg(n=pl.len(), successes=(pl.col("second") - pl.col("first") <= 90).sum())
        .with_columns(value=pl.col("successes") / pl.col("n"))
        .collect()
    )


def hand_revenue(gross: bool) -> Callable[[Tables], pl.DataFrame]:
    """The starting cohort from the first month's rows; only its customers' rows are summed further."""

    def run(t: Tables) -> pl.DataFrame:
        raw = t["revenue"].lazy()
        m0 = t["revenue"].get_column("month").min()
        start = (
            raw.filter(pl.col("month") == m0)
            .group_by("customer_id")
            .agg(start=pl.col("revenue").sum())
            .filter(pl.col("start") > 0)
        )
        cohort = raw.join(start, on="customer_id")
        if gross:
            per_customer = cohort.group_by("customer_id", "month").agg(pl.col("revenue").sum(), pl.col("start").first())
            per_month = per_customer.group_by("month").agg(kept=pl.min_horizontal("revenue", "start").sum())
        else:
            per_month = cohort.group_by("month").agg(kept=pl.col("revenue").sum())
        totals = start.select(n=pl.len(), start_revenue=pl.col("start").sum())
        return (
            raw.select("month")
            .unique()
            .join(per_month, on="month", how="left")
            .select(period="month", revenue=pl.col("kept").fill_null(0.0))
            .join(totals, how="cross")
            .with_columns(value=pl.col("revenue") / pl.col("start_revenue"))
            .collect()
        )

    return run


def _answers(t: Tables, survey: str, low: int, high: int) -> pl.LazyFrame:
    score = pl.col("score")
    return t["responses"].lazy().filter((pl.col("survey") == survey) & score.is_between(low, high))


def hand_nps(t: Tables) -> pl.DataFrame:
    s = pl.col("score")
    return (
        _answers(t, "nps", 0, 10)
        .group_by(period=_month("responded_at"))
        .agg(n=pl.len(), promoters=(s >= 9).sum(), passives=s.is_between(7, 8).sum(), detractors=(s <= 6).sum())
        .with_columns(value=100 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n"))
        .collect()
    )


def hand_csat(t: Tables) -> pl.DataFrame:
    return (
        _answers(t, "csat", 1, 5)
        .group_by(period=_month("responded_at"))
        .agg(n=pl.len(), successes=(pl.col("score") >= 4).sum())
        .with_columns(value=pl.col("successes") / pl.col("n"))
        .collect()
    )


def hand_ces(t: Tables) -> pl.DataFrame:
    s = pl.col("score")
    return (
        _answers(t, "ces", 1, 7)
        .group_by(period=_month("responded_at"))
        .agg(n=pl.len(), value=s.mean(), sd=s.std(), share_easy=(s >= 5).mean())
        .collect()
    )


def hand_review_rating(t: Tables) -> pl.DataFrame:
    r = pl.col("rating")
    return (
        t["reviews"]
        .lazy()
        .filter(r.is_between(1, 5))
        .group_by(period=_month("published_at"))
        .agg(n=pl.len(), value=r.mean(), sd=r.std(), positive=(r >= 4).sum(), one_star=(r == 1).sum())
        .collect()
    )


def hand_rating_by_delivery(t: Tables) -> pl.DataFrame:
    delivered = pl.col("delivered_date").is_not_null() & pl.col("promised_date").is_not_null()
    late = pl.col("delivered_date") > pl.col("promised_date")
    orders = t["orders"].lazy().filter(delivered).select("order_id", period=_month("order_date"), late=late)
    reviews = t["reviews"].lazy().filter(pl.col("order_id").is_not_null(), pl.col("rating").is_between(1, 5))
    return (
        reviews.select("order_id", "rating")
        .join(orders, on="order_id")
        .group_by("period", delivery=pl.when("late").then(pl.lit("late")).otherwise(pl.lit("on_time")))
        .agg(n=pl.len(), value=pl.col("rating").mean(), sd=pl.col("rating").std())
        .collect()
    )


def hand_rfm(t: Tables) -> pl.DataFrame:
    o = t["orders"]
    ref = o.get_column("order_date").max()

    def score(col: str, descending: bool = False) -> pl.Expr:
        rank = pl.col(col).rank("min", descending=descending)
        return (1 + 5 * (rank - 1) // pl.len()).cast(pl.Int64)

    r, f, m, orders = pl.col("r_score"), pl.col("f_score"), pl.col("m_score"), pl.col("frequency")
    segment = (
        pl.when((r >= 4) & (f >= 4) & (m >= 4))
        .then(pl.lit("Champions"))
        .when((r >= 3) & (f >= 4))
        .then(pl.lit("Loyal"))
        .when((r >= 4) & (orders == 1))
        .then(pl.lit("New"))
        .when(r >= 4)
        .then(pl.lit("Promising"))
        .when((r <= 2) & (f >= 3))
        .then(pl.lit("At risk"))
        .when(r == 3)
        .then(pl.lit("Needs attention"))
        .otherwise(pl.lit("Hibernating"))
    )
    return (
        o.lazy()
        .group_by("customer_id")
        .agg(
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
            frequency=pl.len(),
            monetary=pl.col("amount").fill_null(0).sum().round(6),
        )
        .with_columns(recency_days=(pl.lit(ref) - pl.col("last_order")).dt.total_days())
        .with_columns(r_score=score("recency_days", True), f_score=score("frequency"), m_score=score("monetary"))
        .with_columns(segment=segment)
        .sort("customer_id")
        .collect()
    )


def hand_summary(t: Tables) -> pl.DataFrame:
    o, ref = t["orders"], t["orders"].get_column("order_date").max()
    d = pl.col("order_date")
    horizon = pl.col("first").dt.offset_by("3mo")
    segments = t["customers"].lazy().select("customer_id", pl.col("segment").fill_null("unknown"))
    per_customer = (
        o.lazy()
        .select("customer_id", "amount", d, later=pl.when(d > d.min().over("customer_id")).then(d))
        .group_by("customer_id")
        .agg(revenue=pl.col("amount").fill_null(0).sum(), first=d.min(), second=pl.col("later").min())
        .with_columns(
            eligible=horizon <= ref, retained=(pl.col("second") <= horizon).fill_null(False) & (horizon <= ref)
        )
        .join(segments, on="customer_id", how="left")
        .with_columns(pl.col("segment").fill_null("unknown"))
    )
    by_segment = per_customer.group_by("segment").agg(
        customers=pl.len(),
        revenue=pl.col("revenue").sum(),
        revenue_mean=pl.col("revenue").mean(),
        revenue_sd=pl.col("revenue").std(),
        retention_n=pl.col("eligible").sum(),
        retained=pl.col("retained").sum(),
    )
    score = pl.col("score")
    nps = (
        t["responses"]
        .lazy()
        .filter(pl.col("survey") == "nps")
        .join(segments.rename({"segment": "cust_segment"}), on="customer_id", how="left")
        .with_columns(segment=pl.coalesce("cust_segment", "segment"))
        .filter(pl.col("segment").is_not_null())
        .group_by("segment")
        .agg(nps_n=pl.len(), promoters=(score >= 9).sum(), detractors=(score <= 6).sum())
    )
    return (
        by_segment.join(nps, on="segment", how="left")
        .with_columns(
            pl.col("nps_n").fill_null(0),
            revenue_share=pl.col("revenue") / pl.col("revenue").sum(),
            retention_3m=pl.col("retained") / pl.col("retention_n"),
            nps=100 * (pl.col("promoters") - pl.col("detractors")) / pl.col("nps_n"),
        )
        .collect()
    )


def _texts(t: Tables) -> pl.LazyFrame:
    r = t["responses"].lazy()
    return pl.concat(
        [
            r.select(
                period=_month("responded_at"),
                source=pl.col("source").fill_null("survey"),
                text="comment",
                score=pl.when(pl.col("survey") == "nps").then(pl.col("score")).cast(pl.Float64),
            ),
            t["reviews"].lazy().select(period=_month("published_at"), source="source", text="text", score="rating"),
            t["notes"].lazy().select(period=_month("written_at"), source=pl.lit("notes"), text="text", score=None),
        ],
        how="vertical_relaxed",
    ).filter(pl.col("text").str.strip_chars().str.len_chars() > 0)


def hand_themes(t: Tables) -> pl.DataFrame:
    """One pass: every theme's hit as a column, one group_by, then one row per theme."""
    themes = load_themes()
    hits = {th.id: pl.col("text").str.contains(th.pattern) for th in themes}
    aggs = [pl.len().alias("n")]
    for tid in hits:
        aggs += [pl.col(tid).sum().alias(f"{tid}.value"), pl.col("score").filter(pl.col(tid)).mean().alias(f"{tid}.m")]
    wide = _texts(t).with_columns(**hits).group_by("period", "source").agg(aggs).collect()
    long = pl.concat(
        [
            wide.select(
                "period", "source", "n", theme=pl.lit(tid), value=f"{tid}.value", mean_score=f"{tid}.m"
            ).with_columns(pl.col("value").cast(pl.Int64))
            for tid in hits
        ]
    )
    return long.with_columns(share=pl.col("value") / pl.col("n"))


def hand_theme_impact(t: Tables) -> pl.DataFrame:
    themes = load_themes()
    s = pl.col("score")
    comments = (
        t["responses"]
        .lazy()
        .filter((pl.col("survey") == "nps") & (pl.col("comment").str.strip_chars().str.len_chars() > 0))
        .select(period=_month("responded_at"), promoter=s >= 9, detractor=s <= 6, comment="comment")
        .with_columns(**{th.id: pl.col("comment").str.contains(th.pattern) for th in themes})
    )
    aggs = []
    for th in themes:
        hit = pl.col(th.id)
        for suffix, cond in (("", hit), ("_without", ~hit)):
            aggs += [
                cond.sum().alias(f"{th.id}.n{suffix}"),
                (cond & pl.col("promoter")).sum().alias(f"{th.id}.promoters{suffix}"),
                (cond & pl.col("detractor")).sum().alias(f"{th.id}.detractors{suffix}"),
            ]
    wide = comments.group_by("period").agg(aggs).collect()
    cols = ("n", "promoters", "detractors", "n_without", "promoters_without", "detractors_without")
    long = pl.concat([wide.select("period", theme=pl.lit(th.id), **{c: f"{th.id}.{c}" for c in cols}) for th in themes])
    # Counts are UInt32: cast before subtracting, or promoters - detractors wraps around below 0.
    nps = lambda n, p, d: pl.when(pl.col(n) > 0).then(  # noqa: E731
        100 * (pl.col(p).cast(pl.Int64) - pl.col(d).cast(pl.Int64)) / pl.col(n)
    )
    return long.with_columns(
        value=nps("n", "promoters", "detractors"),
        nps_without=nps("n_without", "promoters_without", "detractors_without"),
    ).with_columns(impact=pl.col("value") - pl.col("nps_without"))


# --- DuckDB ----------------------------------------------------------------------------------------

THREE_MONTH_SQL = """
WITH f AS (SELECT customer_id, min(order_date) AS first FROM orders GROUP BY 1),
r AS (SELECT f.customer_id, f.first,
             bool_or(o.order_date > f.first AND o.order_date <= f.first + 90) AS returned
      FROM orders o JOIN f USING (customer_id) GROUP BY 1, 2)
SELECT CAST(date_trunc('month', first) AS DATE) AS period, count(*) AS n,
       count(*) FILTER (WHERE returned) AS successes, successes / n AS value
FROM r WHERE first <= (SELECT max(order_date) FROM orders) - 90
GROUP BY 1
"""


def _duck(name: str, t: Tables) -> pl.DataFrame:
    o, themes = t["orders"], load_themes()
    calls: dict[str, Callable[[], pl.DataFrame]] = {
        "delivery.on_time_shipped": lambda: ref_delivery.on_time(o, "shipped_date", "month"),
        "delivery.on_time_received": lambda: ref_delivery.on_time(o, "delivered_date", "month"),
        "delivery.lead_time_internal": lambda: ref_delivery.lead_time(o, "shipped_date", "month"),
        "delivery.lead_time_customer": lambda: ref_delivery.lead_time(o, "delivered_date", "month"),
        "retention.cohort": lambda: ref_retention.cohort(o, "month"),
        "retention.repeat_purchase_rate": lambda: ref_retention.repeat_purchase(o, "month"),
        "retention.churn": lambda: ref_retention.churn(o, "month"),
        "retention.three_month": lambda: run_sql(THREE_MONTH_SQL, orders=o),
        "retention.grr": lambda: ref_retention.revenue_retention(t["revenue"], "month", gross=True),
        "retention.nrr": lambda: ref_retention.revenue_retention(t["revenue"], "month", gross=False),
        "satisfaction.nps": lambda: ref_satisfaction.nps(t["responses"], "month"),
        "satisfaction.csat": lambda: ref_satisfaction.csat(t["responses"], "month"),
        "satisfaction.ces": lambda: ref_satisfaction.ces(t["responses"], "month"),
        "satisfaction.review_rating": lambda: ref_satisfaction.review_rating(t["reviews"], "month"),
        "satisfaction.rating_by_delivery": lambda: ref_satisfaction.rating_by_delivery(o, t["reviews"], "month"),
        "segments.rfm": lambda: ref_segments.rfm(o),
        "segments.summary": lambda: ref_segments.summary(o, t["responses"], t["customers"]),
        "voice.themes": lambda: ref_voice.themes({k: t[k] for k in ("responses", "reviews", "notes")}, themes, "month"),
        "voice.theme_impact": lambda: ref_voice.theme_impact(t["responses"], themes, "month"),
    }
    return calls[name]()


# --- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    hand: Callable[[Tables], pl.DataFrame]
    key: tuple[str, ...]  # columns the three results are matched on
    check: tuple[str, ...]  # columns that must agree
    rename: tuple[tuple[str, str], ...] = ()  # metric column -> hand/duckdb column, where they differ


SERIES = ("period",)
CASES: dict[str, Case] = {
    "delivery.on_time_shipped": Case(hand_on_time("shipped_date"), SERIES, ("n", "successes", "value")),
    "delivery.on_time_received": Case(hand_on_time("delivered_date"), SERIES, ("n", "successes", "value")),
    "delivery.lead_time_internal": Case(hand_lead_time("shipped_date"), SERIES, ("n", "value", "p90", "mean")),
    "delivery.lead_time_customer": Case(hand_lead_time("delivered_date"), SERIES, ("n", "value", "p90", "mean")),
    "retention.cohort": Case(hand_cohort, ("cohort", "period"), ("cohort_size", "active", "value", "complete")),
    "retention.repeat_purchase_rate": Case(hand_repeat, SERIES, ("n", "successes", "value")),
    "retention.churn": Case(hand_churn, SERIES, ("n", "successes", "value")),
    "retention.three_month": Case(hand_three_month, SERIES, ("n", "successes", "value")),
    "retention.grr": Case(hand_revenue(True), SERIES, ("n", "revenue", "start_revenue", "value")),
    "retention.nrr": Case(hand_revenue(False), SERIES, ("n", "revenue", "start_revenue", "value")),
    "satisfaction.nps": Case(hand_nps, SERIES, ("n", "promoters", "passives", "detractors", "value")),
    "satisfaction.csat": Case(hand_csat, SERIES, ("n", "successes", "value")),
    "satisfaction.ces": Case(hand_ces, SERIES, ("n", "value", "share_easy")),
    "satisfaction.review_rating": Case(hand_review_rating, SERIES, ("n", "value", "positive", "one_star")),
    "satisfaction.rating_by_delivery": Case(hand_rating_by_delivery, ("period", "delivery"), ("n", "value")),
    "segments.rfm": Case(
        hand_rfm,
        ("customer_id",),
        ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"),
    ),
    "segments.summary": Case(
        hand_summary, ("segment",), ("customers", "revenue", "revenue_sd", "retention_n", "retained", "nps_n", "nps")
    ),
    "voice.themes": Case(hand_themes, ("period", "source", "theme"), ("n", "value", "mean_score", "share")),
    "voice.theme_impact": Case(hand_theme_impact, ("period", "theme"), ("n", "promoters", "n_without", "value")),
}


@dataclass(frozen=True)
class Timed:
    seconds: float  # best of the runs
    added: int  # highest RSS above the RSS just before a run, bytes
    peak: int  # highest RSS seen during any run, tables included, bytes
    out: pl.DataFrame


MIN_SECONDS, MAX_RUNS = 0.5, 25  # quick queries run until 0.5 s is spent: best-of-3 of 20 ms is mostly noise


def _best(fn: Callable[[], pl.DataFrame], repeat: int) -> Timed:
    best, added, peak, out, runs, spent = float("inf"), 0, 0, None, 0, 0.0
    while runs < repeat or (spent < MIN_SECONDS and runs < MAX_RUNS):
        runs += 1
        gc.collect()
        with PeakRss() as mem:
            start = time.perf_counter()
            out = fn()
            took = time.perf_counter() - start
            best, spent = min(best, took), spent + took
        added, peak = max(added, mem.added), max(peak, mem.peak)
    return Timed(best, added, peak, out)


def _agrees(metric: pl.DataFrame, other: pl.DataFrame, case: Case) -> str:
    try:
        assert_matches(metric, other, list(case.key), list(case.check), tol=1e-6)
    except (AssertionError, pl.exceptions.PolarsError) as err:
        return "DIFF: " + str(err).splitlines()[0][:60]
    return "ok"


def _generate(n_orders: int, folder: str) -> None:
    from connectors.sample import generate

    for name, frame in generate(n_orders=n_orders).items():
        frame.write_parquet(Path(folder) / f"{name}.parquet")
    print(f"generator peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB", flush=True)


def load(n_orders: int) -> Tables:
    with tempfile.TemporaryDirectory() as folder:
        child = multiprocessing.get_context("spawn").Process(target=_generate, args=(n_orders, folder))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"sample generation failed (exit {child.exitcode})")
        return {p.stem: pl.read_parquet(p) for p in sorted(Path(folder).glob("*.parquet"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000, help="sample orders (default 10,000,000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per variant (more for quick ones, up to 0.5 s); the best counts"
    )
    parser.add_argument("--only", default="", help="comma-separated substrings of metric names to run")
    parser.add_argument(
        "--metric-only",
        action="store_true",
        help="run the metrics alone (no hand Polars, no DuckDB): the last line is then the metrics' own peak",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # rows appear as they are measured, even into a file
    start = time.perf_counter()
    tables = load(args.orders)
    rows = ", ".join(f"{k} {v.height:,}" for k, v in tables.items())
    print(f"data: {rows} ({time.perf_counter() - start:.0f} s)")
    print(f"polars {pl.__version__}, duckdb {duckdb.__version__}, {os.cpu_count()} CPUs, best of {args.repeat}")
    wanted = [s for s in args.only.split(",") if s]
    if args.metric_only:
        print(f"{'metric':32} {'metric s':>9} {'peak RSS + (MB)':>52} {'metric peak GB':>15}")
    else:
        header = f"{'metric':32} {'metric s':>9} {'polars s':>9} {'duckdb s':>9} {'/polars':>8} {'/duckdb':>8}"
        print(header + f" {'peak RSS + (MB) m/p/d':>22} {'metric peak GB':>15}  agree (polars, duckdb)")
    metric_peak = 0
    for name, case in CASES.items():
        if wanted and not any(w in name for w in wanted):
            continue
        m = _best(lambda name=name: compute(name, tables), args.repeat)
        metric_peak = max(metric_peak, m.peak)
        if args.metric_only:
            print(f"{name:32} {m.seconds:9.3f} {m.added / 2**20:>52.0f} {m.peak / 2**30:15.2f}")
            continue
        p = _best(lambda case=case: case.hand(tables), args.repeat)
        d = _best(lambda name=name: _duck(name, tables), args.repeat)
        mem = f"{m.added / 2**20:.0f}/{p.added / 2**20:.0f}/{d.added / 2**20:.0f}"
        agree = f"{_agrees(m.out, p.out, case)}, {_agrees(m.out, d.out, case)}"
        ratios = f"{m.seconds / p.seconds:8.2f} {m.seconds / d.seconds:8.2f}"
        print(
            f"{name:32} {m.seconds:9.3f} {p.seconds:9.3f} {d.seconds:9.3f} {ratios} {mem:>22}"
            f" {m.peak / 2**30:15.2f}  {agree}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"highest resident set while a metric ran (tables included): {metric_peak / 2**30:.2f} GB")
    print(f"process peak RSS (ru_maxrss, tables loaded + every run): {peak:.2f} GB")


if __name__ == "__main__":
    main()
