"""A table's data version (connectors.loader.data_version): equal on a reload that finds the same data, new
when the data changed. The app keys its metric cache on it (tests/test_app_data_cache.py)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import polars as pl

from connectors.kinds import LoadContext, Piece
from connectors.loader import data_version, load_table
from connectors.sources import SourceEntry

CONTEXT = LoadContext({}, lambda: None)
ORDERS = pl.DataFrame({"order_id": ["1", "2"], "customer_id": ["c1", "c2"], "order_date": ["2024-01-02", "2024-02-03"]})


def _version(entry: SourceEntry) -> str:
    loaded = load_table(entry, CONTEXT)
    assert loaded.status.error is None, loaded.status.error
    return loaded.status.version


def _touch_later(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_parquet_keeps_its_version_until_a_file_changes(tmp_path):
    folder = tmp_path / "lake"
    folder.mkdir()
    ORDERS.write_parquet(folder / "a.parquet")
    entry = SourceEntry("orders", "parquet", {"path": str(folder)})
    first = _version(entry)
    assert _version(entry) == first  # a reload of the same files
    ORDERS.head(1).write_parquet(folder / "b.parquet")  # a new file in the lake
    second = _version(entry)
    assert second != first
    _touch_later(folder / "a.parquet")  # rewritten (the same bytes or not: a file's time is what is read)
    assert _version(entry) not in (first, second)


def test_csv_changes_its_version_with_its_file(tmp_path):
    path = tmp_path / "orders.csv"
    ORDERS.write_csv(path)
    entry = SourceEntry("orders", "csv", {"path": str(path)})
    first = _version(entry)
    assert _version(entry) == first
    path.write_text(path.read_text() + "3,c3,2024-03-04\n")
    assert _version(entry) != first


def test_rows_held_in_memory_are_versioned_by_their_content(tmp_path):
    db = tmp_path / "shop.db"
    with closing(sqlite3.connect(db)) as con, con:
        con.execute("CREATE TABLE orders (order_id TEXT, customer_id TEXT, order_date TEXT)")
        con.executemany("INSERT INTO orders VALUES (?, ?, ?)", ORDERS.rows())
    entry = SourceEntry("orders", "sql", {"uri": f"sqlite:///{db}", "table": "orders"})
    first = _version(entry)
    _touch_later(db)
    assert _version(entry) == first  # read again, same rows: same version
    with closing(sqlite3.connect(db)) as con, con:
        con.execute("UPDATE orders SET customer_id = 'c9' WHERE order_id = '2'")  # same count, one value
    assert _version(entry) != first


def test_a_duckdb_file_is_versioned_by_the_file(tmp_path):
    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE TABLE orders AS SELECT * FROM ORDERS")
    entry = SourceEntry("orders", "sql", {"uri": f"duckdb:///{db}", "table": "orders"})
    first = _version(entry)
    assert _version(entry) == first
    # The app holds the file open read-only (a writer would wait for it): a new file replaces it, as an export does.
    fresh = tmp_path / "fresh.duckdb"
    with duckdb.connect(str(fresh)) as con:
        con.sql("CREATE TABLE orders AS SELECT * FROM ORDERS WHERE order_id = '1'")
    fresh.replace(db)
    assert _version(entry) != first


def test_a_piece_that_cannot_tell_is_new_data_every_time_and_the_mapping_is_part_of_it():
    entry = SourceEntry("orders", "parquet", {"path": "x"})
    frame = ORDERS.lazy()
    unknown = [Piece(frame, "x", first_row=1)]
    assert data_version(entry, unknown, frame) != data_version(entry, unknown, frame)
    known = [Piece(frame, "x", first_row=1, version="v1")]
    assert data_version(entry, known, frame) == data_version(entry, known, frame)
    other = SourceEntry("orders", "parquet", {"path": "x"}, constants={"region": "West"})
    assert data_version(other, known, frame) != data_version(entry, known, frame)


def test_a_table_that_fails_to_load_has_one_version():
    entry = SourceEntry("orders", "parquet", {"path": "/nowhere/orders.parquet"})
    assert load_table(entry, CONTEXT).status.version == load_table(entry, CONTEXT).status.version == "absent"
