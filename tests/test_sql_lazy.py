"""connectors.sql_lazy: SQL sources as lazy frames in their own database.

The SQL rewrites and the contract mapping are checked without a server; logins, errors and the `query` option
against the real PostgreSQL server the tests start (`-m sql_server`). Metric parity: tests/test_postgres_parity.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import narwhals as nw
import polars as pl
import pytest
import sqlglot

import metrics
from connectors.kinds import LoadContext
from connectors.loader import load_table
from connectors.sources import SourceEntry, SourceError
from connectors.sql_lazy import APPLICATION_NAME, NotInDatabase, open_lazy
from connectors.sqlframe_postgres import _postgres_regex, for_postgres
from connectors.validate import ContractError
from metrics.periods import epoch_day
from tests import metric_shapes as ms
from tests import pg_server
from tests.text_rows import TEXT_BAD, TEXT_COLUMNS, TEXT_GOOD, text_values


def _rewritten(sql: str) -> str:
    return for_postgres(sqlglot.parse_one(sql, dialect="postgres")).sql(dialect="postgres")


def test_booleans_go_through_int_where_postgres_wants_a_number():
    sql = _rewritten("SELECT CAST(a > 1 AS BIGINT) AS x, SUM(b = 2) AS y, CAST(c AS BIGINT) AS z FROM t")
    assert "CAST(CAST(a > 1 AS INT) AS BIGINT) AS x" in sql
    assert "SUM(CAST(b = 2 AS INT)) AS y" in sql
    assert "CAST(c AS BIGINT) AS z" in sql  # not a boolean: left alone


def test_a_flag_made_in_one_cte_is_known_as_a_boolean_in_the_next():
    sql = _rewritten("WITH f AS (SELECT a > 1 AS hit FROM t) SELECT SUM(CAST(hit AS BIGINT)) AS n FROM f")
    assert "CAST(CAST(f.hit AS INT) AS BIGINT)" in sql


def test_word_boundaries_are_spelled_the_postgres_way():
    assert _postgres_regex(r"(?i)\b(late|slow)\b") == r"(?i)\y(late|slow)\y"
    assert _postgres_regex(r"a\\b\B") == r"a\\b\Y"  # an escaped backslash then "b" is not a boundary
    assert _rewritten(r"SELECT x ~ '\bx\b' AS m FROM t") == r"SELECT x ~ '\yx\y' AS m FROM t AS t"


def test_integer_day_number_matches_polars_for_every_day_of_three_millennia():
    days = pl.DataFrame({"d": pl.date_range(date(1, 1, 1), date(2999, 12, 31), eager=True)})
    out = nw.from_native(days).select(got=epoch_day("d"), want=nw.col("d").cast(nw.Int32)).to_native()
    assert out.height > 1_000_000
    assert (out["got"] == out["want"]).all()


def _duckdb_entry(path, **kwargs) -> SourceEntry:
    return SourceEntry(table="orders", kind="sql", options={"uri": f"duckdb:///{path}", "table": "t"}, **kwargs)


def test_open_lazy_maps_names_adds_constants_and_validates_in_place(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql(
            "CREATE TABLE t AS SELECT * FROM (VALUES "
            "(7, 'c1', TIMESTAMP '2024-03-01 23:30', DATE '2024-03-09', 12), "
            "(8, 'c2', TIMESTAMP '2024-03-02 10:00', DATE '2024-03-01', 5), "  # delivered before ordered
            "(9, NULL, TIMESTAMP '2024-03-03 10:00', NULL, 1)"  # no customer
            ") AS v(id, customer_id, placed, delivered_date, amount)"
        )
    entry = _duckdb_entry(path, columns={"order_id": "id", "order_date": "placed"}, constants={"region": "West"})
    frame = open_lazy(entry, {})
    assert frame.implementation.is_duckdb()  # still a query in its engine, nothing read
    got = frame.collect().to_polars()
    assert got.schema == pl.Schema(
        {
            "order_id": pl.String,
            "customer_id": pl.String,
            "order_date": pl.Date,
            "delivered_date": pl.Date,
            "amount": pl.Float64,
            "region": pl.String,
        }
    )
    assert got.rows() == [("7", "c1", date(2024, 3, 1), date(2024, 3, 9), 12.0, "West")]  # the two bad rows left out


def test_open_lazy_names_missing_required_columns(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql("CREATE TABLE t AS SELECT '1' AS order_id, 'c' AS customer_id")
    with pytest.raises(ContractError, match=r"missing required column\(s\) order_date"):
        open_lazy(_duckdb_entry(path), {})


def test_a_duckdb_file_is_queried_in_place(tmp_path):
    path = tmp_path / "shop.duckdb"
    orders = ms.orders("random")
    with duckdb.connect(str(path)) as con:
        con.sql("CREATE TABLE orders AS SELECT * FROM orders")
    frame = open_lazy(
        SourceEntry(table="orders", kind="sql", options={"uri": f"duckdb:///{path}", "table": "orders"}), {}
    )
    assert frame.implementation.is_duckdb()
    expected = metrics.compute("delivery.on_time_received", {"orders": orders})
    assert metrics.compute("delivery.on_time_received", {"orders": frame}).equals(expected)


@pytest.mark.parametrize("uri", ["mysql://u@127.0.0.1/shop", "sqlite:///shop.db"])
def test_databases_without_an_engine_say_so(uri):
    with pytest.raises(NotInDatabase, match="read into the app"):
        open_lazy(SourceEntry(table="orders", kind="sql", options={"uri": uri, "table": "t"}), {})


# Against the real server -------------------------------------------------------------------------------------

SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id integer, customer varchar(10), ordered timestamp, amount numeric(10, 2), late boolean);
INSERT INTO shop.orders VALUES (1, 'C1', '2024-01-05 23:59', 3.50, true), (2, 'C2', '2024-02-06 00:01', NULL, false);
"""


@pytest.fixture(scope="module")
def pg_uri():
    with pg_server.postgres() as uri:
        pg_server.psql(uri, SETUP)
        yield uri


SECRETS = {"connections": {"sql": {"password": pg_server.PASSWORD}}}
MAPPING = {"order_id": "id", "customer_id": "customer", "order_date": "ordered"}


@pytest.mark.sql_server
def test_a_postgres_table_opens_lazily_with_contract_names_and_types(pg_uri):
    entry = SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"}, columns=MAPPING)
    frame = open_lazy(entry, SECRETS)
    assert frame.implementation.is_sqlframe()
    got = frame.collect().to_polars().sort("order_id")
    assert got.schema == pl.Schema(
        {"order_id": pl.String, "customer_id": pl.String, "order_date": pl.Date, "amount": pl.Float64}
    )
    assert got.rows() == [("1", "C1", date(2024, 1, 5), 3.5), ("2", "C2", date(2024, 2, 6), None)]
    assert frame.filter(nw.col("amount") > 1).select("order_id").collect().item() == "1"


@pytest.mark.sql_server
def test_a_query_runs_as_the_server_reads_it(pg_uri):
    query = "SELECT id, customer, ordered::date AS ordered FROM shop.orders WHERE NOT late"
    entry = SourceEntry("orders", "sql", {"uri": pg_uri, "query": query}, columns=MAPPING)
    got = open_lazy(entry, SECRETS).collect().to_polars()
    assert got.rows() == [("2", "C2", date(2024, 2, 6))]


@pytest.mark.sql_server
def test_a_wrong_password_is_named_without_the_password(pg_uri, monkeypatch):
    monkeypatch.delenv("OUTSIDEIN_SQL_PASSWORD", raising=False)
    wrong = "hunter2-wrong"
    entry = SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"})
    with pytest.raises(SourceError) as raised:
        open_lazy(entry, {"connections": {"sql": {"password": wrong}}})
    message = str(raised.value)
    assert "password authentication failed" in message and wrong not in message
    assert message.startswith(f"{pg_uri} › shop.orders: ")
    with pytest.raises(SourceError, match=r"no password was found: set \[connections.sql\] password"):
        open_lazy(entry, {})


@pytest.mark.sql_server
def test_a_missing_table_names_itself(pg_uri):
    entry = SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.nothing"}, columns=MAPPING)
    with pytest.raises(SourceError, match=r" › shop\.nothing: no table shop\.nothing \(or no columns"):
        open_lazy(entry, SECRETS)


@pytest.mark.sql_server
def test_sslmode_is_libpqs_own(pg_uri):
    entry = SourceEntry("orders", "sql", {"uri": pg_uri + "?sslmode=require", "table": "shop.orders"})
    with pytest.raises(SourceError, match="SSL"):
        open_lazy(entry, SECRETS)


@pytest.mark.sql_server
def test_two_sources_keep_their_own_connections(pg_uri):
    first = open_lazy(SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"}, columns=MAPPING), SECRETS)
    query = "SELECT 9 AS id, 'C9' AS customer, DATE '2025-01-01' AS ordered"
    second = open_lazy(SourceEntry("orders", "sql", {"uri": pg_uri, "query": query}, columns=MAPPING), SECRETS)
    assert second.collect().to_polars()["order_id"].to_list() == ["9"]
    assert first.collect().to_polars().height == 2  # the other source's view did not replace this one


@contextlib.contextmanager
def _admin(uri: str) -> Iterator[Any]:
    """A cursor of the test's own (autocommit) connection, closed after."""
    import psycopg2

    conn = psycopg2.connect(uri, password=pg_server.PASSWORD, application_name="test-admin")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _app_connections(uri: str) -> int:
    with _admin(uri) as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (APPLICATION_NAME,))
        return cur.fetchone()[0]


@pytest.mark.sql_server
def test_every_table_and_every_reload_share_one_connection(pg_uri):
    query = "SELECT 9 AS id, 'C9' AS customer, DATE '2025-01-01' AS ordered"
    entries = [
        SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"}, columns=MAPPING),
        SourceEntry("orders", "sql", {"uri": pg_uri, "query": query}, columns=MAPPING),
    ]
    context = LoadContext(SECRETS, lambda: None)
    for _ in range(3):  # a first load and two ttl reloads, each replacing the last one's frames
        loaded = [load_table(entry, context) for entry in entries]
        assert [item.status.error for item in loaded] == [None, None]
        assert [item.status.rows for item in loaded] == [2, 1]
        assert _app_connections(pg_uri) == 1


@pytest.mark.sql_server
def test_a_broken_connection_is_opened_again_and_a_reload_sees_a_changed_table(pg_uri):
    entry = SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"}, columns=MAPPING)
    assert "region" not in open_lazy(entry, SECRETS).collect_schema().names()
    with _admin(pg_uri) as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (APPLICATION_NAME,))  # fmt: skip
        cur.execute("ALTER TABLE shop.orders ADD COLUMN region text DEFAULT 'West'")
    try:
        got = open_lazy(entry, SECRETS).collect().to_polars()
    finally:
        with _admin(pg_uri) as cur:
            cur.execute("ALTER TABLE shop.orders DROP COLUMN region")
    assert got.get_column("region").to_list() == ["West", "West"]  # the new column, on a new connection
    assert _app_connections(pg_uri) == 1


@pytest.mark.sql_server
def test_a_postgres_table_and_query_keep_their_version_until_a_row_changes(pg_uri):
    context = LoadContext(SECRETS, lambda: None)
    query = "SELECT id, customer, ordered FROM shop.orders"
    entries = [
        SourceEntry("orders", "sql", {"uri": pg_uri, "table": "shop.orders"}, columns=MAPPING),
        SourceEntry("orders", "sql", {"uri": pg_uri, "query": query}, columns=MAPPING),
    ]
    first = [load_table(entry, context).status.version for entry in entries]
    assert [load_table(entry, context).status.version for entry in entries] == first
    with _admin(pg_uri) as cur:
        cur.execute("UPDATE shop.orders SET customer = 'C7' WHERE id = 2")  # same count, one value
    try:
        changed = [load_table(entry, context).status.version for entry in entries]
    finally:
        with _admin(pg_uri) as cur:
            cur.execute("UPDATE shop.orders SET customer = 'C2' WHERE id = 2")
    assert changed[0] != first[0] and changed[1] != first[1]


def _read_text_orders(entry: SourceEntry) -> tuple[list[tuple], list[tuple]]:
    loaded = load_table(entry, LoadContext(SECRETS, lambda: None))
    assert loaded.status.error is None
    good = nw.from_native(loaded.frame).select("order_id", "order_date", "amount").collect().to_polars()
    bad = loaded.quarantine.select("row", "column").sort("row").rows()
    return sorted(good.rows()), bad


def test_bad_text_dates_and_numbers_in_duckdb_set_aside_their_rows_only(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql(f"CREATE TABLE t AS SELECT * FROM (VALUES {text_values()}) AS v(id, placed, amount)")
    entry = _duckdb_entry(path, columns=TEXT_COLUMNS, constants={"customer_id": "c1"})
    good, bad = _read_text_orders(entry)
    assert good == TEXT_GOOD
    assert bad == TEXT_BAD


@pytest.mark.sql_server
def test_bad_text_dates_and_numbers_in_postgres_set_aside_their_rows_only(pg_uri):
    with _admin(pg_uri) as cur:
        cur.execute("DROP TABLE IF EXISTS shop.text_orders")
        rows = f"SELECT * FROM (VALUES {text_values()}) AS v(id, placed, amount)"
        cur.execute(f"CREATE TABLE shop.text_orders AS {rows}")
    options = {"uri": pg_uri, "table": "shop.text_orders"}
    entry = SourceEntry("orders", "sql", options, columns=TEXT_COLUMNS, constants={"customer_id": "c1"})
    good, bad = _read_text_orders(entry)
    assert good == TEXT_GOOD
    assert bad == TEXT_BAD
