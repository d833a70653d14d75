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


def review_rating(reviews: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    sql = f"""
    SELECT {bucket_sql("published_at", grain)} AS period{by_sql(by)}, count(*) AS n,
           avg(rating) AS value, stddev_samp(rating) AS sd,
           count(*) FILTER (WHERE rating IN (4, 5)) AS positive, count(*) FILTER (WHERE rating = 1) AS one_star,
           positive / n AS share_positive, one_star / n AS share_one_star
    FROM reviews WHERE rating BETWEEN 1 AND 5
    GROUP BY ALL HAVING count(*) > 0
    """
    return run_sql(sql, reviews=reviews)


def rating_by_delivery(
    orders: pl.DataFrame,
    feedback: pl.DataFrame,
    grain: str,
    by: tuple[str, ...] = (),
    nps: bool = False,
    bands: bool = False,
) -> pl.DataFrame:
    """period, *by, delivery, n, value, sd, difference and the Welch se and df (the t quantile is applied by
    the caller). `by` columns are the order's; `feedback` is reviews, or responses when `nps`."""
    score, counts = (
        ("score", "survey = 'nps' AND score BETWEEN 0 AND 10") if nps else ("rating", "rating BETWEEN 1 AND 5")
    )
    late = (
        "CASE WHEN days_late <= 0 THEN 'on_time' WHEN days_late <= 2 THEN 'late_1_2' "
        "WHEN days_late <= 7 THEN 'late_3_7' ELSE 'late_8_plus' END"
        if bands
        else "CASE WHEN days_late > 0 THEN 'late' ELSE 'on_time' END"
    )
    order_by = "".join(f", o.{c}" for c in by)
    sql = f"""
    WITH linked AS (
        SELECT {bucket_sql("o.order_date", grain)} AS period{order_by}, f.{score} AS score,
               date_diff('day', o.promised_date, o.delivered_date) AS days_late
        FROM feedback f JOIN orders o ON f.order_id = o.order_id
        WHERE {counts} AND o.delivered_date IS NOT NULL AND o.promised_date IS NOT NULL
    ), g AS (
        SELECT period{by_sql(by)}, {late} AS delivery, count(*) AS n, avg(score) AS value,
               stddev_samp(score) AS sd
        FROM linked GROUP BY ALL HAVING count(*) > 0
    )
    SELECT g.*, CASE WHEN g.delivery <> 'on_time' THEN g.value - b.value END AS difference,
           sqrt(g.sd ^ 2 / g.n + b.sd ^ 2 / b.n) AS se,
           (g.sd ^ 2 / g.n + b.sd ^ 2 / b.n) ^ 2
             / ((g.sd ^ 2 / g.n) ^ 2 / (g.n - 1) + (b.sd ^ 2 / b.n) ^ 2 / (b.n - 1)) AS df
    FROM g LEFT JOIN g AS b ON b.delivery = 'on_time' AND b.period IS NOT DISTINCT FROM g.period
        {"".join(f" AND b.{c} IS NOT DISTINCT FROM g.{c}" for c in by)}
    """
    return run_sql(sql, orders=orders, feedback=feedback)
