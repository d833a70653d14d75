"""Independent references: each metric re-derived as plain DuckDB SQL on the same input.

A reference module per area (tests/reference/<area>.py) holds SQL strings with
`{bucket}`-style placeholders filled by `bucket_sql`, run by `run_sql` on Polars
frames registered under their table names. Tests compare compute() to them with
`assert_matches`.
"""

from __future__ import annotations

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

_TRUNC = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


def bucket_sql(column: str, grain: str) -> str:
    """SQL for the first day of the `grain` bucket of `column` (weeks start Monday); NULL for 'all'."""
    if grain == "all":
        return "CAST(NULL AS DATE)"
    return f"CAST(date_trunc('{_TRUNC[grain]}', {column}) AS DATE)"


def by_sql(by: tuple[str, ...] | list[str]) -> str:
    """', a, b' for use after `period` in SELECT and GROUP BY lists ('' when no by)."""
    return "".join(f", {c}" for c in by)


def run_sql(sql: str, **tables: pl.DataFrame) -> pl.DataFrame:
    """Run `sql` on a fresh in-memory DuckDB where each keyword is a table name."""
    con = duckdb.connect()
    try:
        for name, df in tables.items():
            con.register(name, df.to_arrow())
        return con.sql(sql).pl()
    finally:
        con.close()


def assert_matches(
    actual: pl.DataFrame, expected: pl.DataFrame, key: list[str], columns: list[str], tol: float = 1e-9
) -> None:
    """Same rows (matched on `key`, order ignored) and same `columns`, floats within `tol`."""
    cols = [*key, *(c for c in columns if c not in key)]
    left = actual.select(cols).sort(key, nulls_last=True)
    right = expected.select(cols).sort(key, nulls_last=True)
    right = right.cast({c: left.schema[c] for c in cols})
    assert_frame_equal(left, right, check_exact=False, abs_tol=tol, rel_tol=tol)
