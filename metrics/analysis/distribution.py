"""The NPS survey's 0-10 answer counts: not a KPI (no formula beyond counting, no interval), but it must
count exactly the answers the NPS metric counts.

So it selects them the same way: survey = 'nps', score within the contract's range, responded_at within
the window, and the filters applied through metrics.api.filter_rows (a table without a filter's column,
say responses without segment, is filtered through customer_id and the customers table). Its counts add
up to the metric's n in every view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import narwhals as nw
import polars as pl

from connectors.contract import SURVEY_RANGES
from metrics.api import CUSTOMER_TABLE, filter_rows
from metrics.nps import detractor, promoter

CATEGORY_OF_SCORE = (
    pl.when(promoter(pl.col("score")))
    .then(pl.lit("promoters"))
    .when(detractor(pl.col("score")))
    .then(pl.lit("detractors"))
    .otherwise(pl.lit("passives"))
)


def nps_answers(
    tables: Mapping[str, Any], start: date | None, end: date | None, where: Mapping[str, Sequence[str]]
) -> nw.LazyFrame:
    """The NPS answers the metric counts under this window and these filters, as a query in the tables' engine."""
    low, high = SURVEY_RANGES["nps"]
    preds = [nw.col("survey") == "nps", nw.col("score").is_between(low, high)]
    if start is not None:
        preds.append(nw.col("responded_at") >= nw.lit(start))
    if end is not None:
        preds.append(nw.col("responded_at") <= nw.lit(end))
    responses = nw.from_native(tables["responses"]).lazy().filter(*preds)
    customers = nw.from_native(tables[CUSTOMER_TABLE]).lazy() if CUSTOMER_TABLE in tables else None
    return filter_rows(responses, customers, where)


def score_counts(
    tables: Mapping[str, Any],
    start: date | None,
    end: date | None,
    where: Mapping[str, Sequence[str]],
    by: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Answers per NPS score 0-10 (per `by` group): *by, score, category, count, n, share.

    Every score appears for every group; a score nobody gave counts 0 (a true zero, not missing).
    n = the group's answers (the NPS metric's n over the same window); share = count / n.
    """
    low, high = SURVEY_RANGES["nps"]
    # Counted where the data lives (a database, Spark): only the counts come back.
    answers = nps_answers(tables, start, end, where)
    counts = answers.group_by(*by, "score").agg(nw.len().alias("count")).collect("polars").to_native()
    scores = pl.DataFrame({"score": list(range(low, high + 1))}, schema={"score": pl.Int64})
    groups = counts.select(*by).unique() if by else pl.DataFrame({"_": [0]})
    grid = groups.join(scores, how="cross").drop("_", strict=False)
    keys = [*by, "score"]
    return (
        grid.join(
            counts.with_columns(pl.col("score").cast(pl.Int64), pl.col("count").cast(pl.Int64)),
            on=keys,
            how="left",
            nulls_equal=True,
        )
        .with_columns(pl.col("count").fill_null(0).cast(pl.Int64), category=CATEGORY_OF_SCORE)
        .with_columns(n=pl.col("count").sum().over(by) if by else pl.col("count").sum())
        .with_columns(share=pl.when(pl.col("n") > 0).then(pl.col("count") / pl.col("n")))
        .sort(*by, "score", nulls_last=True)
    )
