"""Satisfaction metrics re-derived in plain DuckDB SQL."""

from __future__ import annotations

import polars as pl

from tests.reference import bucket_sql, by_sql, run_sql


def _sql(survey: str, low: int, high: int, grain: str, by: tuple[str, ...], columns: str) -> str:
    return f"""
    SELECT {bucket_sql("responded_at", grain)} AS period{by_sql(by)}, count(*) AS n, {columns}
    FROM responses
    WHERE survey = '{survey}' AND score BETWEEN {low} AND {high}
    GROUP BY ALL HAVING count(*) > 0
    """


def nps(responses: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    columns = """count(*) FILTER (WHERE score >= 9) AS promoters,
                 count(*) FILTER (WHERE score IN (7, 8)) AS passives,
                 count(*) FILTER (WHERE score <= 6) AS detractors,
                 100.0 * (promoters - detractors) / n AS value"""
    return run_sql(_sql("nps", 0, 10, grain, by, columns), responses=responses)


def csat(responses: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    columns = "count(*) FILTER (WHERE score >= 4) AS successes, successes / n AS value"
    return run_sql(_sql("csat", 1, 5, grain, by, columns), responses=responses)


def ces(responses: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    columns = "avg(score) AS value, stddev_samp(score) AS sd, avg((score >= 5)::INT) AS share_easy"
    return run_sql(_sql("ces", 1, 7, grain, by, columns), responses=responses)
