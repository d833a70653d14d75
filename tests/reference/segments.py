"""Segment metrics re-derived in plain DuckDB SQL (intervals: apply metrics.intervals to the counts)."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.reference import run_sql


def _window(col: str, start: date | None, end: date | None) -> str:
    parts = ["TRUE"]
    if start:
        parts.append(f"{col} >= DATE '{start}'")
    if end:
        parts.append(f"{col} <= DATE '{end}'")
    return " AND ".join(parts)


def _reference_day(end: date | None) -> str:
    """The window's end, at most the data's last order date (over all orders, before the window)."""
    last = "(SELECT max(order_date) FROM orders)"
    return f"least(DATE '{end}', {last})" if end else last


def rfm(orders: pl.DataFrame, start: date | None = None, end: date | None = None) -> pl.DataFrame:
    sql = f"""
    WITH c AS (
        SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
               count(*) AS frequency, CAST(coalesce(sum(amount), 0) AS DOUBLE) AS monetary
        FROM orders WHERE {_window("order_date", start, end)} GROUP BY customer_id
    ), r AS (
        SELECT *, date_diff('day', last_order, {_reference_day(end)}) AS recency_days FROM c
    ), s AS (
        SELECT *,
            1 + (5 * (rank() OVER (ORDER BY recency_days DESC) - 1)) // count(*) OVER () AS r_score,
            1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // count(*) OVER () AS f_score,
            1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // count(*) OVER () AS m_score
        FROM r
    )
    SELECT *, CASE
        WHEN r_score >= 4 AND f_score >= 4 AND m_score >= 4 THEN 'Champions'
        WHEN r_score >= 3 AND f_score >= 4 THEN 'Loyal'
        WHEN r_score >= 4 AND frequency = 1 THEN 'New'
        WHEN r_score >= 4 THEN 'Promising'
        WHEN r_score <= 2 AND f_score >= 3 THEN 'At risk'
        WHEN r_score = 3 THEN 'Needs attention'
        ELSE 'Hibernating' END AS segment
    FROM s
    """
    return run_sql(sql, orders=orders)


def summary(
    orders: pl.DataFrame,
    responses: pl.DataFrame | None = None,
    customers: pl.DataFrame | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    if customers is not None:
        seg = "seg AS (SELECT customer_id, coalesce(min(segment), 'unknown') AS segment FROM customers GROUP BY 1)"
    else:
        seg = """seg AS (
            SELECT o.customer_id, coalesce(min(o.segment), 'unknown') AS segment
            FROM o JOIN firsts f ON o.customer_id = f.customer_id AND o.order_date = f.first GROUP BY 1)"""
    nps = "SELECT NULL::VARCHAR AS segment, 0 AS nps_n, 0 AS promoters, 0 AS detractors WHERE FALSE"
    if responses is not None:
        nps = f"""SELECT coalesce(seg.segment, r.segment) AS segment, count(*) AS nps_n,
                count(*) FILTER (WHERE score >= 9) AS promoters, count(*) FILTER (WHERE score <= 6) AS detractors
            FROM responses r LEFT JOIN seg USING (customer_id)
            WHERE survey = 'nps' AND {_window("responded_at", start, end)}
              AND coalesce(seg.segment, r.segment) IS NOT NULL
            GROUP BY 1"""
    sql = f"""
    WITH o AS (SELECT * FROM orders WHERE {_window("order_date", start, end)}),
    firsts AS (SELECT customer_id, min(order_date) AS first FROM o GROUP BY 1),
    {seg},
    pc AS (
        SELECT f.customer_id, coalesce(seg.segment, 'unknown') AS segment, sum(coalesce(o.amount, 0)) AS revenue,
            (f.first + INTERVAL 3 MONTH) <= {_reference_day(end)} AS eligible,
            bool_or(o.order_date > f.first AND o.order_date <= f.first + INTERVAL 3 MONTH) AS again
        FROM o JOIN firsts f USING (customer_id) LEFT JOIN seg USING (customer_id)
        GROUP BY f.customer_id, f.first, seg.segment
    ),
    nps AS ({nps}),
    s AS (
        SELECT segment, count(*) AS customers, sum(revenue) AS revenue, avg(revenue) AS revenue_mean,
            stddev_samp(revenue) AS revenue_sd, count(*) FILTER (WHERE eligible) AS retention_n,
            count(*) FILTER (WHERE eligible AND again) AS retained
        FROM pc GROUP BY segment
    )
    SELECT s.*, revenue / sum(revenue) OVER () AS revenue_share,
        CASE WHEN retention_n > 0 THEN retained / retention_n END AS retention_3m,
        coalesce(nps.nps_n, 0) AS nps_n, coalesce(nps.promoters, 0) AS promoters,
        coalesce(nps.detractors, 0) AS detractors,
        CASE WHEN nps.nps_n > 0 THEN 100.0 * (nps.promoters - nps.detractors) / nps.nps_n END AS nps
    FROM s LEFT JOIN nps USING (segment)
    """
    tables = {"orders": orders}
    if responses is not None:
        tables["responses"] = responses
    if customers is not None:
        tables["customers"] = customers
    return run_sql(sql, **tables)
