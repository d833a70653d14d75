"""Voice metrics re-derived in plain DuckDB SQL.

Matching here lowercases the text and the keywords instead of using (?i), so the
case-insensitivity of the metric is checked by a different route.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from metrics.taxonomy import Theme
from tests.reference import bucket_sql, run_sql


def _themes_sql(themes: tuple[Theme, ...]) -> str:
    rows = []
    for t in themes:
        pattern = r"\b(" + "|".join(re.escape(k.lower()) for k in t.keywords) + r")\b"
        quoted = pattern.replace("'", "''")
        rows.append(f"('{t.id}', '{t.label}', '{quoted}')")
    return "themes(theme, label, pattern) AS (VALUES " + ", ".join(rows) + ")"


def _window(col: str, start: date | None, end: date | None) -> str:
    parts = ["TRUE"]
    if start:
        parts.append(f"{col} >= DATE '{start}'")
    if end:
        parts.append(f"{col} <= DATE '{end}'")
    return " AND ".join(parts)


def _blank(col: str) -> str:
    return f"({col} IS NULL OR regexp_matches({col}, '^\\s*$'))"


def themes(
    tables: dict[str, pl.DataFrame],
    themes: tuple[Theme, ...],
    grain: str,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    parts = []
    if "responses" in tables:
        parts.append(f"""SELECT {bucket_sql("responded_at", grain)} AS period, 'surveys' AS channel,
            coalesce(source, 'survey') AS source, comment AS text,
            CASE WHEN survey = 'nps' THEN CAST(score AS DOUBLE) END AS score
            FROM responses WHERE NOT {_blank("comment")} AND {_window("responded_at", start, end)}""")
    if "reviews" in tables:
        parts.append(f"""SELECT {bucket_sql("published_at", grain)}, 'reviews', source, text, CAST(rating AS DOUBLE)
            FROM reviews WHERE NOT {_blank("text")} AND {_window("published_at", start, end)}""")
    if "notes" in tables:
        parts.append(f"""SELECT {bucket_sql("written_at", grain)}, 'notes', 'notes', text, CAST(NULL AS DOUBLE)
            FROM notes WHERE NOT {_blank("text")} AND {_window("written_at", start, end)}""")
    sql = f"""
    WITH texts AS ({" UNION ALL ".join(parts)}), {_themes_sql(themes)},
    hits AS (SELECT texts.*, theme, label, regexp_matches(lower(text), pattern) AS hit FROM texts CROSS JOIN themes)
    SELECT period, source, theme, channel, label, count(*) AS n, count(*) FILTER (WHERE hit) AS value,
           avg(score) FILTER (WHERE hit) AS mean_score, value / n AS share
    FROM hits GROUP BY period, source, theme, channel, label
    """
    return run_sql(sql, **tables)


def theme_impact(
    responses: pl.DataFrame,
    themes: tuple[Theme, ...],
    grain: str,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    sql = f"""
    WITH c AS (
        SELECT {bucket_sql("responded_at", grain)} AS period, score, comment FROM responses
        WHERE survey = 'nps' AND NOT {_blank("comment")} AND {_window("responded_at", start, end)}
    ), {_themes_sql(themes)},
    hits AS (SELECT c.*, theme, label, regexp_matches(lower(comment), pattern) AS hit FROM c CROSS JOIN themes)
    SELECT period, theme, label,
        count(*) FILTER (WHERE hit) AS n,
        count(*) FILTER (WHERE hit AND score >= 9) AS promoters,
        count(*) FILTER (WHERE hit AND score <= 6) AS detractors,
        count(*) FILTER (WHERE NOT hit) AS n_without,
        count(*) FILTER (WHERE NOT hit AND score >= 9) AS promoters_without,
        count(*) FILTER (WHERE NOT hit AND score <= 6) AS detractors_without,
        CASE WHEN n > 0 THEN 100.0 * (promoters - detractors) / n END AS value,
        CASE WHEN n_without > 0 THEN 100.0 * (promoters_without - detractors_without) / n_without END
            AS nps_without,
        value - nps_without AS impact
    FROM hits GROUP BY period, theme, label
    """
    return run_sql(sql, responses=responses)
