"""SQL sources against real SQLite and DuckDB files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import duckdb
import narwhals as nw
import polars as pl
import pytest

from connectors import sql
from connectors.loader import LoadContext, load_dataset
from connectors.sources import parse_sources


def rows(frame, *columns: str) -> list[tuple]:
    """A loaded table's rows in key order, wherever it lives (read into the app, or queried in its database)."""
    lazy = nw.from_native(frame).lazy()
    picked = lazy.select(*columns) if columns else lazy
    return picked.collect("polars").to_native().sort(pl.all()).rows()


def load(tmp_path, toml: str, secrets=None):
    path = tmp_path / "sources.toml"
    path.write_text(toml, encoding="utf-8")
    return load_dataset(path, context=LoadContext(secrets or {}, lambda: None))


def test_sqlite_table_and_query(tmp_path):
    with closing(sqlite3.connect(tmp_path / "shop.db")) as con:
        con.execute("CREATE TABLE orders (id, customer, ordered TEXT, amount REAL)")
        rows = [("00123", "C1", "2024-01-05", 3.5), (124, "C2", "2024-01-06", None), ("x1", "C3", "soon", 2.0)]
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
        con.execute("CREATE TABLE survey (response_id TEXT, responded_at TEXT, score INTEGER)")
        con.executemany("INSERT INTO survey VALUES (?, ?, ?)", [("r1", "2024-01-09", 10), ("r2", "2024-01-09", 11)])
        con.commit()
    ds = load(
        tmp_path,
        """
[tables.orders]
kind = "sql"
uri = "sqlite:///shop.db"
table = "orders"
columns = { order_id = "id", customer_id = "customer", order_date = "ordered" }

[tables.responses]
kind = "sql"
uri = "sqlite:///shop.db"
query = "SELECT response_id, responded_at, score FROM survey WHERE score IS NOT NULL"
constants = { survey = "nps" }
""",
    )
    assert ds.tables["orders"].select("order_id", "order_date", "amount").rows() == [
        ("00123", date(2024, 1, 5), 3.5),
        ("124", date(2024, 1, 6), None),
    ]
    assert ds.quarantine.select("table", "row", "column", "reason").rows() == [
        ("orders", 3, "order_date", "cannot read as date"),
        ("responses", 2, "score", "score out of range for nps (0-10)"),
    ]
    assert ds.status[0].where == f"sqlite:///{tmp_path / 'shop.db'} › orders"


def test_duckdb_file(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE revenue AS SELECT * FROM (VALUES ('C1', DATE '2024-01-01', 12.5::DECIMAL(10,2)),"
            " ('C2', DATE '2024-02-01', 3.0::DECIMAL(10,2))) t(customer_id, month, revenue)"
        )
    ds = load(tmp_path, f'[tables.revenue]\nkind = "sql"\nuri = "duckdb:///{path}"\ntable = "revenue"\n')
    assert rows(ds.tables["revenue"]) == [("C1", date(2024, 1, 1), 12.5), ("C2", date(2024, 2, 1), 3.0)]


def test_missing_database_file_and_bad_table_are_clear_errors(tmp_path):
    with closing(sqlite3.connect(tmp_path / "empty.db")) as con:
        con.execute("CREATE TABLE t (x)")
    ds = load(
        tmp_path,
        """
[tables.orders]
kind = "sql"
uri = "sqlite:///nowhere.db"
table = "orders"
[tables.notes]
kind = "sql"
uri = "sqlite:///empty.db"
table = "notes"
[tables.reviews]
kind = "sql"
uri = "sqlite:///empty.db"
table = "x; DROP TABLE t"
""",
    )
    errors = [s.error for s in ds.status]
    assert errors[0] == f"sqlite database file {tmp_path / 'nowhere.db'} does not exist"
    assert errors[1] == f"sqlite:///{tmp_path / 'empty.db'} › notes: no such table: notes"
    assert errors[2] == "table 'x; DROP TABLE t' is not a plain table name; use 'query' for anything else"


def test_password_comes_from_environment_or_secrets_never_from_the_file(monkeypatch):
    entry = parse_sources('[tables.orders]\nkind = "sql"\nuri = "postgresql+psycopg2://app@db:5432/shop"\ntable = "o"')[
        0
    ]
    secrets = {"connections": {"sql": {"password": "from-secrets"}}}

    def connectorx_uri() -> str:
        return sql._for_connectorx(sql.url_with_password(entry.options["uri"], entry, secrets))

    assert connectorx_uri() == "postgresql://app:from-secrets@db:5432/shop"
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", "from-env")
    assert connectorx_uri() == "postgresql://app:from-env@db:5432/shop"
    assert sql.describe(entry) == "postgresql+psycopg2://app@db:5432/shop › o"
    assert sql.redacted("postgresql://app:s3cret@db/shop") == "postgresql://app:***@db/shop"

    inline = parse_sources('[tables.orders]\nkind = "sql"\nuri = "postgresql://app:s3cret@db/shop"\ntable = "o"')[0]
    assert inline.problem == (
        "[tables.orders] the uri contains a password: put it in secrets or the environment, not in sources.toml"
    )


@pytest.mark.parametrize(
    ("connection", "env"), [("sql", "OUTSIDEIN_SQL_PASSWORD"), ("crm-db", "OUTSIDEIN_CRM_DB_PASSWORD")]
)
def test_password_environment_variable_per_connection(connection, env):
    assert sql.password_env(connection) == env


def test_login_check_leaves_socket_connections_to_connectorx():
    """No host in the URI means a local socket: the direct login (TCP) must not call that unreachable."""
    from sqlalchemy.engine import make_url

    from connectors.sql_preflight import check_mysql, check_postgres

    assert check_postgres(make_url("postgresql://app:pw@/shop?host=/var/run/postgresql")) is None
    assert check_mysql(make_url("mysql://app:pw@/shop")) is None
