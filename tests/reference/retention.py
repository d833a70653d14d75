"""Retention metrics re-derived in plain DuckDB SQL (joins and date_diff, not bucket indexes)."""

from __future__ import annotations

import polars as pl

from tests.reference import bucket_sql, by_sql, run_sql

_STEP = {"day": "INTERVAL 1 DAY", "week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH"}
_STEP |= {"quarter": "INTERVAL 3 MONTH", "year": "INTERVAL 1 YEAR"}


def _diff(grain: str, a: str, b: str) -> str:
    """Whole buckets from bucket start `a` to bucket start `b`."""
    return f"(date_diff('day', {a}, {b}) // 7)" if grain == "week" else f"date_diff('{grain}', {a}, {b})"


def _same(left: str, right: str, by: tuple[str, ...]) -> str:
    """Join condition on customer and `by`, with null groups matching each other (as a group_by does)."""
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in ("customer_id", *by))


def _cols(alias: str, by: tuple[str, ...]) -> str:
    return by_sql(tuple(f"{alias}.{c}" for c in by))


def cohort(orders: pl.DataFrame, grain: str, by: tuple[str, ...] = (), mode: str = "return_on") -> pl.DataFrame:
    b = by_sql(by)
    same_a = "".join(f" AND a.{c} IS NOT DISTINCT FROM g.{c}" for c in by)
    active = "count(DISTINCT a.customer_id) FILTER (WHERE a.period = g.period)"
    if mode == "on_or_after":
        active = "count(DISTINCT a.customer_id) FILTER (WHERE a.period >= g.period)"
    sql = f"""
    WITH o AS (SELECT *, {bucket_sql("order_date", grain)} AS b FROM orders),
    f AS (SELECT customer_id{b}, min(b) AS cohort FROM o GROUP BY ALL),
    a AS (SELECT DISTINCT o.customer_id{_cols("o", by)}, cohort, {_diff(grain, "cohort", "o.b")} AS period
          FROM o JOIN f ON {_same("o", "f", by)}),
    last AS (SELECT max(b) AS last_b, max(order_date) AS as_of FROM o),
    sizes AS (SELECT cohort{b}, count(*) AS cohort_size FROM f GROUP BY ALL),
    g0 AS (SELECT sizes.*, unnest(range(0, {_diff(grain, "cohort", "last_b")} + 1)) AS period FROM sizes, last),
    g AS (SELECT g0.*, CAST(cohort + (period + 1) * {_STEP[grain]} AS DATE) <= as_of + 1 AS complete FROM g0, last)
    SELECT g.cohort{by_sql(tuple(f"g.{c}" for c in by))}, g.period,
           g.cohort_size,
           {active} AS active,
           {active} / g.cohort_size AS value,
           g.complete
    FROM g LEFT JOIN a ON a.cohort = g.cohort{same_a}
    GROUP BY g.cohort{_cols("g", by)}, g.period, g.cohort_size, g.complete
    """
    return run_sql(sql, orders=orders)


def repeat_purchase(orders: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    b = by_sql(by)
    sql = f"""
    WITH o AS (SELECT DISTINCT customer_id{b}, {bucket_sql("order_date", grain)} AS period FROM orders),
    f AS (SELECT customer_id{b}, min(period) AS first FROM o GROUP BY ALL)
    SELECT period{_cols("o", by)}, count(*) AS n, count(*) FILTER (WHERE first < period) AS successes,
           successes / n AS value
    FROM o JOIN f ON {_same("o", "f", by)}
    GROUP BY ALL HAVING count(*) > 0
    """
    return run_sql(sql, orders=orders)


def churn(orders: pl.DataFrame, grain: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    b = by_sql(by)
    sql = f"""
    WITH a AS (SELECT DISTINCT customer_id{b}, {bucket_sql("order_date", grain)} AS b FROM orders),
    cur AS (SELECT *, CAST(b + {_STEP[grain]} AS DATE) AS period FROM a WHERE b < (SELECT max(b) FROM a))
    SELECT cur.period{by_sql(tuple(f"cur.{c}" for c in by))}, count(*) AS n,
           count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM a AS nxt WHERE {_same("nxt", "cur", by)} AND nxt.b = cur.period
           )) AS successes,
           successes / n AS value
    FROM cur
    GROUP BY ALL HAVING count(*) > 0
    """
    return run_sql(sql, orders=orders)


def revenue_retention(revenue: pl.DataFrame, grain: str, gross: bool) -> pl.DataFrame:
    kept = "least(r.revenue, s.start)" if gross else "r.revenue"
    sql = f"""
    WITH r AS (SELECT customer_id, month, sum(revenue) AS revenue FROM revenue GROUP BY ALL),
    s AS (SELECT customer_id, revenue AS start FROM r WHERE month = (SELECT min(month) FROM r) AND revenue > 0),
    m AS (SELECT month, coalesce((SELECT sum({kept}) FROM r JOIN s USING (customer_id) WHERE r.month = mm.month), 0)
                 AS kept
          FROM (SELECT DISTINCT month FROM r) AS mm),
    t AS (SELECT count(*) AS n, sum(start) AS start_revenue FROM s)
    SELECT {bucket_sql("month", grain)} AS period, t.n, avg(kept) AS revenue, t.start_revenue,
           avg(kept) / t.start_revenue AS value
    FROM m, t
    WHERE t.n > 0
    GROUP BY 1, t.n, t.start_revenue
    """
    return run_sql(sql, revenue=revenue)
