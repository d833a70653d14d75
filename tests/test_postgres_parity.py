"""PostgreSQL parity: every metric, run inside a real PostgreSQL server through connectors.sql_lazy (SQLFrame),
gives the Polars answer, the way tests/test_spark.py checks Spark Connect.

One server for the module (tests/pg_server.py). Each input is the contract-typed Polars frame of
tests/metric_shapes.py copied into a table of the same column types (COPY), then opened with `open_lazy` as a
`kind = "sql"` source would be. Floats are compared with a tolerance (the server may add them up in another
order); counts come back Int64 from compute().
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import metrics
from connectors.sources import SourceEntry
from connectors.sql_lazy import open_lazy
from tests import metric_shapes as ms
from tests import pg_server

pytestmark = pytest.mark.sql_server

psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2-binary is not installed")
SECRETS = {"connections": {"sql": {"password": pg_server.PASSWORD}}}
_PG_TYPES = {pl.String: "text", pl.Date: "date", pl.Float64: "double precision", pl.Int64: "bigint"}


@pytest.fixture(scope="module")
def pg_uri():
    with pg_server.postgres() as uri:
        yield uri


@pytest.fixture(scope="module")
def in_postgres(pg_uri):
    """(table, shape) -> that shape's table stored in PostgreSQL, opened lazily as a `kind = "sql"` source."""
    conn = psycopg2.connect(pg_uri, password=pg_server.PASSWORD)
    conn.autocommit = True
    opened: dict[tuple[str, str], object] = {}

    def open_table(table: str, shape: str):
        if (table, shape) not in opened:
            name = f"{table}_{shape}"
            store(conn, name, getattr(ms, table)(shape))
            entry = SourceEntry(table=table, kind="sql", options={"uri": pg_uri, "table": name})
            opened[table, shape] = open_lazy(entry, SECRETS)
        return opened[table, shape]

    yield open_table
    conn.close()


def store(conn, name: str, frame: pl.DataFrame) -> None:
    """`frame` as a new table `name` with the same column types (the test's own setup, through COPY)."""
    columns = ", ".join(f'"{c}" {_PG_TYPES[type(t)]}' for c, t in frame.schema.items())
    text = io.StringIO()
    frame.write_csv(text, include_header=False, null_value=r"\N")
    text.seek(0)
    with conn.cursor() as cur:
        cur.execute(f'CREATE TABLE "{name}" ({columns})')
        cur.copy_expert(f"""COPY "{name}" FROM STDIN WITH (FORMAT csv, NULL '\\N')""", text)


def _tables(name: str) -> tuple[str, ...]:
    s = metrics.spec(name)
    return tuple(t for t in (*s.tables, *s.optional_tables) if t != "customers")


def _same(polars_result: pl.DataFrame, postgres_result: pl.DataFrame) -> None:
    assert postgres_result.columns == polars_result.columns
    assert postgres_result.height == polars_result.height
    assert_frame_equal(postgres_result, polars_result, check_exact=False, abs_tol=1e-9, rel_tol=1e-9)


def _by_region(name: str) -> tuple[str, ...]:
    """Break down by region where a table the metric reads has that column (revenue has not); table metrics
    (one row per customer or segment) take no breakdown."""
    if metrics.spec(name).kind == "table":
        return ()
    return ("region",) if any("region" in ms.empty(t).columns for t in _tables(name)) else ()


CASES = [
    ("random", "month", False),  # a medium frame: the everyday case
    ("nulls", "week", True),  # optional columns null, ISO weeks, by region
    ("gaps", "quarter", False),  # whole buckets without rows
    ("empty", "month", False),
]


@pytest.mark.parametrize("name", metrics.names())
@pytest.mark.parametrize(("shape", "grain", "by_region"), CASES, ids=[c[0] for c in CASES])
def test_metric_matches_polars(in_postgres, name, shape, grain, by_region):
    by = list(_by_region(name)) if by_region else []
    expected = metrics.compute(name, {t: getattr(ms, t)(shape) for t in _tables(name)}, grain=grain, by=by)
    got = metrics.compute(name, {t: in_postgres(t, shape) for t in _tables(name)}, grain=grain, by=by)
    _same(expected, got)
    if shape == "random":
        assert got.height > 0  # a real comparison, not two empty frames


# Every option value besides the default (cohort's mode, rfm's rows=segment, rating_by_delivery's feedback
# and lateness), on the everyday shape: the pages ask for these, so they must agree in the database too.
OPTION_CASES = [
    (name, {key: value})
    for name in metrics.names()
    for key, values in metrics.spec(name).options.items()
    for value in values[1:]
]


@pytest.mark.parametrize(("name", "options"), OPTION_CASES, ids=[f"{n}-{o}" for n, o in OPTION_CASES])
def test_every_option_matches_polars(in_postgres, name, options):
    grain = None if metrics.spec(name).kind == "table" else "month"
    expected = metrics.compute(name, {t: getattr(ms, t)("random") for t in _tables(name)}, grain=grain, **options)
    got = metrics.compute(name, {t: in_postgres(t, "random") for t in _tables(name)}, grain=grain, **options)
    _same(expected, got)
    assert got.height > 0


@pytest.mark.parametrize(
    ("shape", "grain", "mode"),
    [("ties", "month", "return_on"), ("one_customer", "day", "return_on"), ("random", "quarter", "on_or_after")],
)
def test_cohort_shapes_match_polars(in_postgres, shape, grain, mode):
    expected = metrics.compute("retention.cohort", {"orders": ms.orders(shape)}, grain=grain, mode=mode)
    got = metrics.compute("retention.cohort", {"orders": in_postgres("orders", shape)}, grain=grain, mode=mode)
    _same(expected, got)
    assert got["active"].sum() > got.filter(period=0)["active"].sum()  # some customers came back


@pytest.mark.parametrize("name", ["delivery.on_time_received", "retention.three_month", "satisfaction.nps"])
def test_filters_and_window_apply_in_postgres(in_postgres, name):
    args = {"grain": "month", "start": date(2024, 3, 1), "end": date(2024, 9, 30), "where": {"region": ["north"]}}
    expected = metrics.compute(name, {t: getattr(ms, t)("random") for t in _tables(name)}, **args)
    got = metrics.compute(name, {t: in_postgres(t, "random") for t in _tables(name)}, **args)
    _same(expected, got)
    assert got.height > 0
