"""SQL sources against a real PostgreSQL server on 127.0.0.1 (started by the tests), read through connectorx."""

from __future__ import annotations

import time
from datetime import date

import pytest

from tests.browser_harness import free_port
from tests.pg_server import PASSWORD, postgres, psql
from tests.test_connectors_sql import load

pytestmark = pytest.mark.postgres

SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id text, customer text, ordered date, promised date, amount numeric(10, 2));
INSERT INTO shop.orders VALUES
  ('00123', 'C1', '2024-01-05', '2024-01-09', 3.50),
  ('124', 'C2', '2024-01-06', NULL, NULL),
  ('125', 'C3', NULL, NULL, 2.00);
CREATE TABLE survey (response_id text, responded_at timestamp, score integer);
INSERT INTO survey VALUES ('r1', '2024-01-09 10:30', 10), ('r2', '2024-01-09 11:00', 11), ('r3', NULL, NULL);
"""


@pytest.fixture(scope="module")
def server() -> str:
    with postgres() as uri:
        psql(uri, SETUP)
        yield uri


def _sources(uri: str, orders: str = "shop.orders") -> str:
    # sqlalchemy-style driver suffix on purpose: people paste these, and connectorx wants the plain scheme.
    driver_uri = uri.replace("postgresql://", "postgresql+psycopg2://")
    return f"""
[tables.orders]
kind = "sql"
uri = "{driver_uri}"
table = "{orders}"
columns = {{ order_id = "id", customer_id = "customer", order_date = "ordered", promised_date = "promised" }}

[tables.responses]
kind = "sql"
uri = "{uri}"
query = "SELECT response_id, responded_at, score FROM survey WHERE response_id <> 'r3' ORDER BY response_id"
constants = {{ survey = "nps" }}
"""


def test_tables_and_queries_read_typed_with_bad_rows_quarantined(tmp_path, monkeypatch, server) -> None:
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", PASSWORD)
    ds = load(tmp_path, _sources(server))
    assert [s.error for s in ds.status] == [None, None]
    # Leading zeros kept (text stays text), numeric(10,2) as a float, a Postgres date as a date.
    assert ds.tables["orders"].select("order_id", "order_date", "promised_date", "amount").rows() == [
        ("00123", date(2024, 1, 5), date(2024, 1, 9), 3.5),
        ("124", date(2024, 1, 6), None, None),
    ]
    assert ds.tables["responses"].select("response_id", "responded_at", "score").rows() == [
        ("r1", date(2024, 1, 9), 10)
    ]
    assert ds.quarantine.select("table", "row", "column", "reason").rows() == [
        ("orders", 3, "order_date", "missing required value"),
        ("responses", 2, "score", "score out of range for nps (0-10)"),
    ]
    assert ds.status[0].where == f"{server.replace('postgresql://', 'postgresql+psycopg2://')} › shop.orders"


def test_password_from_secrets_and_never_shown(tmp_path, monkeypatch, server) -> None:
    monkeypatch.delenv("OUTSIDEIN_SQL_PASSWORD", raising=False)
    ds = load(tmp_path, _sources(server), secrets={"connections": {"sql": {"password": PASSWORD}}})
    assert ds.tables["orders"].height == 2
    shown = " ".join(f"{s.where} {s.error}" for s in ds.status)
    assert PASSWORD not in shown


def test_wrong_password_and_missing_table_name_their_source_and_the_rest_loads(tmp_path, monkeypatch, server):
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", "wrong")
    started = time.monotonic()
    ds = load(tmp_path, _sources(server) + '\n[tables.notes]\nkind = "sample"\n')
    # Not a speed figure: connectorx's pool alone retries a refused login for ~30 s per table (60 s here);
    # the direct login first answers at once. The bound only tells "retried" from "answered".
    assert time.monotonic() - started < 20
    errors = {s.table: s.error for s in ds.status}
    assert errors["orders"].startswith(f"{server.replace('postgresql://', 'postgresql+psycopg2://')} › shop.orders: ")
    assert "password authentication failed" in errors["orders"] and "wrong" not in errors["orders"]
    assert errors["notes"] is None and ds.tables["notes"].height > 0, "one broken source does not stop the others"

    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", PASSWORD)
    ds = load(tmp_path, _sources(server, orders="shop.nowhere"))
    error = ds.status[0].error
    assert error.startswith(f"{server.replace('postgresql://', 'postgresql+psycopg2://')} › shop.nowhere: ")
    assert "does not exist" in error and "\n" not in error and "Traceback" not in error


def test_unreachable_server_and_missing_ssl_are_named_at_once(tmp_path, monkeypatch, server) -> None:
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", PASSWORD)
    nobody = f"postgresql://outsidein@127.0.0.1:{free_port()}/postgres"  # a port nothing listens on
    started = time.monotonic()
    ds = load(tmp_path, _sources(nobody))
    assert time.monotonic() - started < 20  # as above: answered, not retried for 30 s per table
    port = nobody.split(":")[2].split("/")[0]
    assert [s.error.split(": ", 1)[1] for s in ds.status] == [f"no answer from 127.0.0.1:{port}"] * 2

    ds = load(tmp_path, _sources(server + "?sslmode=require"))
    assert ds.status[1].error.endswith(": the server offers no SSL, which sslmode=require asks for")
