"""Satisfaction: NPS, CSAT and CES from survey answers, in the customer's own words (scores)."""

from __future__ import annotations

from collections.abc import Mapping

import narwhals as nw

from connectors.contract import SURVEY_RANGES
from metrics.nps import DETRACTOR_MAX, PROMOTER_MIN
from metrics.periods import bucket
from metrics.spec import MetricSpec, Query

_RULES = """
Only responses with survey = "{survey}" count, bucketed by responded_at; a score outside
{low}-{high} is not counted (validation quarantines such rows). n = answers in the bucket."""


def _answers(frames: Mapping[str, nw.LazyFrame], q: Query, survey: str) -> nw.LazyFrame:
    low, high = SURVEY_RANGES[survey]
    return (
        frames["responses"]
        .filter(nw.col("survey") == survey, nw.col("score").is_between(low, high))
        .with_columns(period=bucket("responded_at", q.grain))
    )


# NPS groups (promoters 9-10, passives 7-8, detractors 0-6) are defined once, in metrics/nps.py.


# Counts are sums of booleans inside the aggregation (no per-answer flag columns); they come back unsigned
# on Polars, so they are cast on the few aggregated rows before any subtraction.
def _counted(frame: nw.LazyFrame, q: Query, **flags: nw.Expr) -> nw.LazyFrame:
    if not frame.implementation.is_polars():  # Spark cannot sum booleans
        flags = {name: flag.cast(nw.Int64) for name, flag in flags.items()}
    return (
        frame.group_by("period", *q.by)
        .agg(nw.len().alias("n"), *(flag.sum().alias(name) for name, flag in flags.items()))
        .with_columns(nw.col(*flags).cast(nw.Int64))
    )


def _nps(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    score = nw.col("score")
    return _counted(
        _answers(frames, q, "nps"),
        q,
        promoters=score >= PROMOTER_MIN,
        passives=score.is_between(DETRACTOR_MAX + 1, PROMOTER_MIN - 1),
        detractors=score <= DETRACTOR_MAX,
    ).with_columns(value=100 * (nw.col("promoters") - nw.col("detractors")) / nw.col("n"))


def _csat(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    return _counted(_answers(frames, q, "csat"), q, successes=nw.col("score") >= 4).with_columns(
        value=nw.col("successes") / nw.col("n")
    )


def _ces(frames: Mapping[str, nw.LazyFrame], q: Query) -> nw.LazyFrame:
    # Aggregates straight off the integer score (mean and std return floats): no cast column per answer.
    score = nw.col("score")
    answers = _answers(frames, q, "ces")
    easy = score >= 5 if answers.implementation.is_polars() else (score >= 5).cast(nw.Int64)  # Spark: no bool sums
    return (
        answers.group_by("period", *q.by)
        .agg(n=nw.len(), value=score.mean(), sd=score.std(ddof=1), easy=easy.sum())
        .with_columns(share_easy=nw.col("easy") / nw.col("n"))
    )


nps = MetricSpec(
    name="satisfaction.nps",
    title="Net Promoter Score",
    lens="customer",
    unit="score",
    higher_is_better=True,
    requires=("responses.responded_at", "responses.survey", "responses.score"),
    time_column="responses.responded_at",
    definition="How likely customers are to recommend us, on 0-10.\n\n"
    "value = 100 · (promoters - detractors) / n, from -100 to 100; promoters score 9-10,"
    " passives 7-8, detractors 0-6." + _RULES.format(survey="nps", low=0, high=10) + "\n95 % interval: adjusted"
    " Wald (Rocks 2016): n' = n+3, P' = (P+3/4)/n', D' = (D+3/4)/n', NPS' ± 1.96·sqrt((P'+D'-NPS'²)/n'),"
    " clipped to [-100, 100]; it is centred on NPS', so for n = 1 it may not contain the raw score.",
    fn=_nps,
    interval="nps",
    extras=("promoters", "passives", "detractors"),
)

csat = MetricSpec(
    name="satisfaction.csat",
    title="Customer satisfaction (CSAT)",
    lens="customer",
    unit="share",
    higher_is_better=True,
    requires=("responses.responded_at", "responses.survey", "responses.score"),
    time_column="responses.responded_at",
    definition="Share of satisfied answers on the 1-5 CSAT scale.\n\n"
    "value = answers scoring 4 or 5 (successes) / n." + _RULES.format(survey="csat", low=1, high=5) + "\n95 %"
    " interval: Wilson.",
    fn=_csat,
    extras=("successes",),
)

ces = MetricSpec(
    name="satisfaction.ces",
    title="Customer effort score (CES)",
    lens="customer",
    unit="mean",
    higher_is_better=True,
    requires=("responses.responded_at", "responses.survey", "responses.score"),
    time_column="responses.responded_at",
    definition="How easy customers found it to get what they needed, on the 1-7 CES 2.0 scale"
    " (7 = strongly agree it was easy).\n\n"
    "value = mean score; extra share_easy = answers scoring 5-7 / n."
    + _RULES.format(survey="ces", low=1, high=7)
    + "\n95 % interval: Student t on the mean, mean ± t(0.975, n-1) · sd / sqrt(n); null for n < 2.",
    fn=_ces,
    interval="t",
    extras=("share_easy",),
)
