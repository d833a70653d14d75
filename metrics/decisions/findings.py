"""What the last finished period says: significant changes, twin gaps and the fastest-rising complaint theme.

Every comparison reads finished buckets only and uses metrics.analysis.change (two 95 % intervals apart),
the same rule as the dashboard's "What changed".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import narwhals as nw
import polars as pl

import metrics
from metrics.analysis import change, periods
from metrics.analysis import units as fmt
from metrics.analysis.headline import TWIN_PAIRS, WATCHED
from metrics.decisions.targets import Target
from metrics.interval_formulas import wilson
from metrics.periods import bucket
from metrics.ratings import delivery_status
from metrics.spec import Grain, MetricSpec

# The KPIs the digest watches: the overview's twin pairs (inside-out first) and customer-only KPIs.
BREAKDOWN = "region"  # changes are read overall and per region
RULE = "the 95 % intervals of the two periods do not overlap, the rule the dashboard uses"


@dataclass(frozen=True)
class Change:
    """A significant change of one metric, overall (region None) or in one region."""

    spec: MetricSpec
    region: str | None
    before: Mapping[str, Any]
    now: Mapping[str, Any]

    @property
    def delta(self) -> float:
        return self.now["value"] - self.before["value"]

    @property
    def good(self) -> bool:
        return (self.delta > 0) == self.spec.higher_is_better

    @property
    def strength(self) -> float:
        """The change in standard errors (each interval's half-width / 1.96): how far beyond its noise."""
        se = [(r["ci_high"] - r["ci_low"]) / (2 * 1.96) for r in (self.before, self.now)]
        spread = math.sqrt(se[0] ** 2 + se[1] ** 2)
        return abs(self.delta) / spread if spread > 0 else math.inf


def last_finished(through: date, grain: str) -> date:
    """Start of the last bucket at `grain` that ends on or before `through` (the metrics' own bucketing)."""
    start = bucket_start(through, grain)
    if periods.last_day(start, grain) <= through:
        return start
    return bucket_start(start - timedelta(days=1), grain)


_STEP = {"day": (1, "d"), "week": (1, "w"), "month": (1, "mo"), "quarter": (3, "mo"), "year": (1, "y")}


def periods_back(start: date, grain: str, k: int) -> date:
    """The start of the bucket `k` buckets before the one starting on `start`."""
    size, unit = _STEP[grain]
    return pl.select(pl.lit(start).dt.offset_by(f"-{k * size}{unit}")).item()


def bucket_start(day: date, grain: str) -> date:
    """The start of the bucket holding `day`, as metric results name it."""
    return nw.from_native(pl.DataFrame({"d": [day]})).select(bucket("d", cast(Grain, grain))).item()


def series(
    name: str, tables: Mapping[str, Any], grain: str, through: date, by: tuple[str, ...] = (), **kw: Any
) -> pl.DataFrame:
    """The metric at `grain`, buckets after `through`'s period dropped, each marked complete or open."""
    frame = metrics.compute(name, tables, grain=grain, by=by, end=through, **kw)
    return periods.mark_complete(frame, grain, through)


def changes(
    tables: Mapping[str, Any], grain: str, through: date, names: tuple[str, ...] = WATCHED
) -> tuple[list[Change], dict[str, str]]:
    """Significant changes into the last finished period, overall and per region, strongest first; and the
    metrics the data cannot feed (title: reason), so the digest names them instead of calling them steady."""
    period = last_finished(through, grain)
    found: list[Change] = []
    unread: dict[str, str] = {}
    for name in names:
        spec = metrics.spec(name)
        try:
            overall = series(name, tables, grain, through)
            split = series(name, tables, grain, through, by=(BREAKDOWN,))
        except metrics.MetricError as err:
            unread[spec.title] = str(err)
            continue
        groups: list[tuple[str | None, pl.DataFrame]] = [(None, overall)]
        groups += [(key[0], rows) for key, rows in split.partition_by(BREAKDOWN, as_dict=True).items()]
        for region, rows in groups:
            moved = change.significant_change(rows.filter(pl.col("period") <= period), spec.min_n)
            if moved and moved[1]["period"] == period:
                found.append(Change(spec, region, moved[0], moved[1]))
    return sorted(found, key=lambda c: (-c.strength, c.spec.name, c.region or "")), unread


def unchanged(found: list[Change], unread: Mapping[str, str], names: tuple[str, ...] = WATCHED) -> list[str]:
    """Titles of the watched metrics read with no significant change overall (what did *not* move)."""
    moved = {c.spec.name for c in found if c.region is None}
    titles = [metrics.spec(name).title for name in names if name not in moved]
    return [t for t in titles if t not in unread]


@dataclass(frozen=True)
class Gap:
    """A twin pair in the last finished period: how much better the inside-out view looks than customers'."""

    inside: MetricSpec
    outside: MetricSpec
    inside_value: float
    outside_value: float

    @property
    def gap(self) -> float:
        """Inside-out minus customer lens, signed so that positive means the inside view flatters us."""
        diff = self.inside_value - self.outside_value
        return diff if self.outside.higher_is_better else -diff


def gaps(tables: Mapping[str, Any], grain: str, through: date, region: str | None = None) -> list[Gap]:
    """Each twin pair's values in the last finished period (overall, or in one region); a pair is left out
    when either lens has fewer than its metric's min_n observations then."""
    period = last_finished(through, grain)
    where = {BREAKDOWN: [region]} if region else None
    out = []
    for internal, customer in TWIN_PAIRS:
        try:
            frames = [
                series(n, tables, grain, through, where=where)
                .filter(pl.col("n") >= metrics.spec(n).min_n)
                .with_columns(lens=pl.lit(n))
                for n in (internal, customer)
            ]
        except metrics.MetricError:
            continue
        twins = pl.concat(frames, how="diagonal_relaxed").filter(pl.col("period") == period)
        latest = change.latest_gap(twins, internal, customer)
        if latest is not None and latest["complete"]:
            out.append(Gap(metrics.spec(internal), metrics.spec(customer), latest["inside"], latest["outside"]))
    return out


@dataclass(frozen=True)
class RisingTheme:
    label: str
    before: float  # share of texts mentioning it over the comparison periods
    now: float  # ... in the last finished period
    texts: int
    significant: bool
    verbatim: str | None


RISING_BASELINE = 3  # the last finished period is compared with the 3 finished periods before it
VERBATIM_CHARS = 240


def rising_theme(tables: Mapping[str, Any], grain: str, through: date) -> RisingTheme | None:
    """The theme whose share of customer texts rose most into the last finished period, with one verbatim."""
    period = last_finished(through, grain)
    try:
        themes = series("voice.themes", tables, grain, through).filter(pl.col("complete"))
    except metrics.MetricError:
        return None
    starts = themes.get_column("period").unique().sort()
    starts = starts.filter(starts <= period).tail(RISING_BASELINE + 1)
    if starts.len() < 2 or starts[-1] != period:
        return None
    window = pl.when(pl.col("period") == period).then(pl.lit("now")).otherwise(pl.lit("before"))
    sums = (
        themes.filter(pl.col("period").is_in(starts.implode()))
        .group_by("theme", "label", window.alias("window"))
        .agg(mentions=pl.col("value").sum(), texts=pl.col("n").sum())
        .with_columns(interval_rows(pl.col("mentions"), pl.col("texts")))
        .pivot("window", index=["theme", "label"], values=["share", "low", "high", "texts"])
        .drop_nulls()
        .with_columns(rise=pl.col("share_now") - pl.col("share_before"))
        .sort("rise", "theme", descending=[True, False])
    )
    if sums.is_empty() or sums.item(0, "rise") <= 0:
        return None
    top = sums.row(0, named=True)
    significant = not change.overlaps(
        {"ci_low": top["low_now"], "ci_high": top["high_now"]},
        {"ci_low": top["low_before"], "ci_high": top["high_before"]},
    )
    return RisingTheme(
        top["label"],
        top["share_before"],
        top["share_now"],
        top["texts_now"],
        significant,
        _verbatim(tables, top["theme"], period, periods.last_day(period, grain)),
    )


def interval_rows(successes: pl.Expr, n: pl.Expr) -> list[pl.Expr]:
    """share, low, high: the Wilson 95 % interval the metrics use for shares."""
    k, total = successes.cast(pl.Float64), n.cast(pl.Float64)
    low, high = wilson(k, total, pl.when)
    return [(k / total).alias("share"), low.alias("low"), high.alias("high")]


def _verbatim(tables: Mapping[str, Any], theme_id: str, start: date, end: date) -> str | None:
    """The lowest-scored text of the period that mentions the theme (the one that says most), shortened."""
    from metrics.spec import Query
    from metrics.taxonomy import load_themes
    from metrics.voice import TEXT_SOURCES, texts

    pattern = next(t.pattern for t in load_themes() if t.id == theme_id)
    frames = {t: nw.from_native(tables[t]).lazy() for t in TEXT_SOURCES if t in tables}
    found = (
        texts(frames, Query(grain="month", start=start, end=end))
        .filter(nw.col("text").str.contains(pattern))
        .collect()
        .to_polars()
        .sort("score", "text", nulls_last=True)
    )
    if found.is_empty():
        return None
    text = " ".join(found.item(0, "text").split())
    return text if len(text) <= VERBATIM_CHARS else text[: VERBATIM_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class TargetReading:
    target: Target
    value: float
    n: int

    @property
    def line(self) -> str:
        spec = metrics.spec(self.target.metric)
        where = " and ".join(", ".join(v) for v in self.target.where.values())
        verdict = "met" if self.target.met(self.value) else "missed"
        return (
            f"{spec.title}{' in ' + where if where else ''}: {fmt.value(self.value, spec.unit)} (n = {self.n:,}) vs "
            f"target {fmt.value(self.target.goal, spec.unit)}, {fmt.delta(self.target.distance(self.value), spec.unit)}"
            f" ({verdict})"
        )


def target_readings(
    tables: Mapping[str, Any], grain: str, through: date, goals: tuple[Target, ...]
) -> list[TargetReading]:
    """Each goal against its view's value in the last finished period (left out below the metric's min_n)."""
    period = last_finished(through, grain)
    out = []
    for goal in goals:
        try:
            rows = series(goal.metric, tables, grain, through, where={k: list(v) for k, v in goal.where.items()})
        except metrics.MetricError:
            continue
        now = rows.filter(pl.col("period") == period, pl.col("n") >= metrics.spec(goal.metric).min_n)
        if now.height:
            out.append(TargetReading(goal, now.item(0, "value"), now.item(0, "n")))
    return out


@dataclass(frozen=True)
class LateReview:
    """What a late delivery sounds like: one review of an order that arrived after its promised date."""

    text: str
    published: date
    source: str
    days_late: int
    stars: int

    @property
    def line(self) -> str:
        days = f"{self.days_late} day{'' if self.days_late == 1 else 's'} late"
        text = " ".join(self.text.split())
        text = text if len(text) <= VERBATIM_CHARS else text[: VERBATIM_CHARS - 1].rstrip() + "…"
        return f"“{text}” ({self.published:%Y-%m-%d}, {self.source}, {days}, {self.stars} of 5 stars)"


def late_order_review(tables: Mapping[str, Any], start: date, end: date) -> LateReview | None:
    """The lowest-rated review with text published in [start, end] about an order received late (the newest
    among equals); None when reviews name no late order (no order_id, no text, or none was late)."""
    if "reviews" not in tables or "orders" not in tables:
        return None
    reviews = nw.from_native(tables["reviews"]).lazy()
    orders = nw.from_native(tables["orders"]).lazy()
    needed = {"order_id", "text"}, {"order_id", "promised_date", "delivered_date"}
    if not needed[0] <= set(reviews.collect_schema().names()) or not needed[1] <= set(orders.collect_schema().names()):
        return None
    written = reviews.filter(
        ~nw.col("order_id").is_null(),
        ~nw.col("text").is_null(),
        nw.col("published_at") >= nw.lit(start),
        nw.col("published_at") <= nw.lit(end),
    ).select("order_id", "text", "published_at", "source", "rating")
    dates = orders.select("order_id", "promised_date", "delivered_date")
    late = delivery_status(written.join(dates, on="order_id", how="inner")).filter(nw.col("late"))
    found = (
        late.collect()
        .to_polars()
        .sort(["rating", "published_at", "text"], descending=[False, True, False], nulls_last=True)
    )
    if found.is_empty():
        return None
    row = found.row(0, named=True)
    return LateReview(row["text"], row["published_at"], row["source"], int(row["days_late"]), int(row["rating"]))
