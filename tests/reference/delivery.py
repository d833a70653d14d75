"""Delivery metrics re-derived in plain DuckDB SQL."""

from __future__ import annotations

import polars as pl

from tests.reference import bucket_sql, by_sql, run_sql


def on_time(orders: pl.DataFrame, done_col: str, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    sql = f"""
    SELECT {bucket_sql("order_date", grain)} AS period{by_sql(by)},
           count(*) AS n,
           count(*) FILTER (WHERE {done_col} <= promised_date) AS successes,
           successes / n AS value
    FROM orders
    WHERE promised_date IS NOT NULL
      AND promised_date < (SELECT max(order_date) FROM orders)
    GROUP BY ALL HAVING count(*) > 0
    """
    return run_sql(sql, orders=orders)


def lead_time(orders: pl.DataFrame, done_col: str, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    sql = f"""
    WITH d AS (
        SELECT *, date_diff('day', order_date, {done_col}) AS days FROM orders WHERE {done_col} IS NOT NULL
    )
    SELECT {bucket_sql("order_date", grain)} AS period{by_sql(by)},
           count(*) AS n,
           quantile_cont(days, 0.5) AS value,
           quantile_cont(days, 0.9) AS p90,
           avg(days) AS mean,
           stddev_samp(days) AS sd
    FROM d
    GROUP BY ALL HAVING count(*) > 0
    """
    return run_sql(sql, orders=orders)
