"""SQL sources against real PostgreSQL and MariaDB (MySQL protocol) servers on 127.0.0.1, started by the
tests and read through connectorx, the way the dashboard reads them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import pytest

from tests import mysql_server, pg_server
from tests.browser_harness import free_port
from tests.test_connectors_sql import load, rows

pytestmark = pytest.mark.sql_server

# Plain SQL both servers run; Postgres first needs the schema that MySQL has as its database.
SETUP = """
CREATE TABLE shop.orders (id varchar(10), customer varchar(10), ordered date, promised date, amount numeric(10, 2));
INSERT INTO shop.orders VALUES
  ('00123', 'C1', '2024-01-05', '2024-01-09', 3.50),
  ('124', 'C2', '2024-01-06', NULL, NULL),
  ('125', 'C3', NULL, NULL, 2.00);
CREATE TABLE shop.survey (response_id varchar(10), responded_at timestamp NULL, score integer);
INSERT INTO shop.survey VALUES ('r1', '2024-01-09 10:30', 10), ('r2', '2024-01-09 11:00', 11), ('r3', NULL, NULL);
"""


@dataclass(frozen=True)
class Server:
    kind: str
    uri: str  # without the password, as it is written in sources.toml
    password: str


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def server(request) -> Server:
    if request.param == "postgres":
        with pg_server.postgres() as uri:
            pg_server.psql(uri, "CREATE SCHEMA shop;" + SETUP)
            yield Server("postgres", uri, pg_server.PASSWORD)
    else:
        with mysql_server.mariadb() as (uri, sock):
            mysql_server.sql(sock, SETUP)
            yield Server("mysql", uri, mysql_server.PASSWORD)


def _driver_uri(uri: str) -> str:
    # sqlalchemy-style driver suffix on purpose: people paste these, and connectorx wants the plain scheme.
    scheme, rest = uri.split("://", 1)
    return f"{scheme}+{'psycopg2' if scheme == 'postgresql' else 'pymysql'}://{rest}"


def _sources(uri: str, orders: str = "shop.orders") -> str:
    return f"""
[tables.orders]
kind = "sql"
uri = "{_driver_uri(uri)}"
table = "{orders}"
columns = {{ order_id = "id", customer_id = "customer", order_date = "ordered", promised_date = "promised" }}

[tables.responses]
kind = "sql"
uri = "{uri}"
query = "SELECT response_id, responded_at, score FROM shop.survey WHERE response_id <> 'r3' ORDER BY response_id"
constants = {{ survey = "nps" }}
"""


def test_tables_and_queries_read_typed_with_bad_rows_quarantined(tmp_path, monkeypatch, server) -> None:
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", server.password)
    ds = load(tmp_path, _sources(server.uri))
    assert [s.error for s in ds.status] == [None, None]
    # Leading zeros kept (text stays text), numeric(10,2) as a float, a database date as a date.
    # PostgreSQL is queried in place (the metrics run there), MariaDB's rows are read into the app: both typed alike.
    assert rows(ds.tables["orders"], "order_id", "order_date", "promised_date", "amount") == [
        ("00123", date(2024, 1, 5), date(2024, 1, 9), 3.5),
        ("124", date(2024, 1, 6), None, None),
    ]
    assert rows(ds.tables["responses"], "response_id", "responded_at", "score") == [("r1", date(2024, 1, 9), 10)]
    assert ds.quarantine.select("table", "row", "column", "reason").rows() == [
        ("orders", 3, "order_date", "missing required value"),
        ("responses", 2, "score", "score out of range for nps (0-10)"),
    ]
    assert ds.status[0].where == f"{_driver_uri(server.uri)} › shop.orders"


def test_password_from_secrets_and_never_shown(tmp_path, monkeypatch, server) -> None:
    monkeypatch.delenv("OUTSIDEIN_SQL_PASSWORD", raising=False)
    ds = load(tmp_path, _sources(server.uri), secrets={"connections": {"sql": {"password": server.password}}})
    assert len(rows(ds.tables["orders"])) == 2
    shown = " ".join(f"{s.where} {s.error}" for s in ds.status)
    assert server.password not in shown


def test_no_password_at_all_says_where_to_put_it(tmp_path, monkeypatch, server) -> None:
    monkeypatch.delenv("OUTSIDEIN_SQL_PASSWORD", raising=False)
    started = time.monotonic()
    ds = load(tmp_path, _sources(server.uri))
    assert time.monotonic() - started < 20  # answered, not retried for 30 s per table
    hint = " (no password was found: set [connections.sql] password in secrets or OUTSIDEIN_SQL_PASSWORD)"
    assert all(s.error.endswith(hint) for s in ds.status), [s.error for s in ds.status]


def test_wrong_password_and_missing_table_name_their_source_and_the_rest_loads(tmp_path, monkeypatch, server):
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", "wrong")
    started = time.monotonic()
    ds = load(tmp_path, _sources(server.uri) + '\n[tables.notes]\nkind = "sample"\n')
    # Not a speed figure: connectorx's pool alone retries a refused login for ~30 s per table (60 s here);
    # the direct login first answers at once. The bound only tells "retried" from "answered".
    assert time.monotonic() - started < 20
    errors = {s.table: s.error for s in ds.status}
    assert errors["orders"].startswith(f"{_driver_uri(server.uri)} › shop.orders: ")
    denied = "password authentication failed" if server.kind == "postgres" else "Access denied for user"
    assert denied in errors["orders"] and "wrong" not in errors["orders"]
    assert errors["notes"] is None and ds.tables["notes"].height > 0, "one broken source does not stop the others"

    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", server.password)
    ds = load(tmp_path, _sources(server.uri, orders="shop.nowhere"))
    error = ds.status[0].error
    assert error.startswith(f"{_driver_uri(server.uri)} › shop.nowhere: ")
    assert ("no table shop.nowhere" if server.kind == "postgres" else "doesn't exist") in error
    assert "\n" not in error and "Traceback" not in error


def test_unreachable_server_and_missing_tls_are_named_at_once(tmp_path, monkeypatch, server) -> None:
    monkeypatch.setenv("OUTSIDEIN_SQL_PASSWORD", server.password)
    port = free_port()  # nothing listens there
    nobody = server.uri.replace(server.uri.split("@")[1].split("/")[0], f"127.0.0.1:{port}")
    started = time.monotonic()
    ds = load(tmp_path, _sources(nobody))
    assert time.monotonic() - started < 20  # as above: answered, not retried for 30 s per table
    reasons = [s.error.split(": ", 1)[1] for s in ds.status]
    if server.kind == "mysql":
        assert all(r.startswith("Can't connect to MySQL server on '127.0.0.1'") for r in reasons), reasons
        return
    assert reasons == [f'connection to server at "127.0.0.1", port {port} failed: Connection refused'] * 2
    ds = load(tmp_path, _sources(server.uri + "?sslmode=require"))  # libpq's setting; this server has no SSL
    assert ds.status[1].error.endswith(": server does not support SSL, but SSL was required")  # libpq's words
