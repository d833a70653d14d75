"""CSV, Excel and Parquet sources, read for real from files written in tmp_path."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from connectors.dataset import Dataset
from connectors.loader import LoadContext, load_dataset
from connectors.sources import parse_sources

NO_SECRETS = LoadContext({}, lambda: None)


def load(tmp_path: Path, toml: str, *, lazy: bool = False) -> Dataset:
    """The Dataset; files stay lazy scans in it, collected here (unless `lazy`) so tests read rows."""
    path = tmp_path / "sources.toml"
    path.write_text(toml, encoding="utf-8")
    ds = load_dataset(path, context=NO_SECRETS)
    if lazy:
        return ds
    tables = {name: f.collect() if isinstance(f, pl.LazyFrame) else f for name, f in ds.tables.items()}
    return Dataset(tables, ds.quarantine, ds.status)


def test_csv_with_semicolons_and_decimal_commas(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "Bestellung;Kunde;Datum;Betrag\n"
        "00123;C1;05.01.2024;1.234,50\n"
        "00124;C2;06.01.2024;3,5\n"
        "00125;C3;07.01.2024;12\n"
        "00126;C4;32.01.2024;1\n"  # row 5: no such date
        ";;;\n",  # trailing blank row: ignored
        encoding="utf-8",
    )
    ds = load(
        tmp_path,
        """
[tables.orders]
kind = "csv"
path = "orders.csv"
separator = ";"
decimal_comma = true
date_format = "%d.%m.%Y"
[tables.orders.columns]
order_id = "Bestellung"
customer_id = "Kunde"
order_date = "Datum"
amount = "Betrag"
""",
    )
    orders = ds.tables["orders"]
    assert orders.select("order_id", "order_date", "amount").rows() == [
        ("00123", date(2024, 1, 5), 1234.5),
        ("00124", date(2024, 1, 6), 3.5),
        ("00125", date(2024, 1, 7), 12.0),
    ]
    assert ds.quarantine.select("source", "row", "column", "value").rows() == [
        (str(tmp_path / "orders.csv"), 5, "order_date", "32.01.2024")
    ]
    assert (ds.status[0].rows, ds.status[0].quarantined, ds.status[0].error) == (3, 1, None)


def test_csv_glob_keeps_row_numbers_per_file_and_finds_duplicates_across_files(tmp_path):
    (tmp_path / "a.csv").write_text("note_id,written_at,text\nn1,2024-01-01,x\nn2,2024-01-02,y\n")
    (tmp_path / "b.csv").write_text("note_id,written_at,text\nn3,2024-01-03,z\nn2,2024-01-04,again\nn4,bad,w\n")
    ds = load(tmp_path, '[tables.notes]\nkind = "csv"\npath = "*.csv"\n')

    assert ds.tables["notes"].get_column("note_id").to_list() == ["n1", "n2", "n3"]
    b = str(tmp_path / "b.csv")
    assert ds.quarantine.select("source", "row", "reason").rows() == [
        (b, 3, f"duplicate note_id (first seen at row 3 of {tmp_path / 'a.csv'})"),
        (b, 4, "cannot read as date"),
    ]
    assert ds.status[0].quarantined == 2


def test_csv_in_latin1(tmp_path):
    (tmp_path / "n.csv").write_bytes("note_id,written_at,text\nn1,2024-01-01,très bien\n".encode("latin-1"))
    ds = load(tmp_path, '[tables.notes]\nkind = "csv"\npath = "n.csv"\nencoding = "latin-1"\n')
    assert ds.tables["notes"].get_column("text").to_list() == ["très bien"]


def test_excel_workbook_with_several_sheets(tmp_path):
    book = xlsxwriter.Workbook(tmp_path / "crm.xlsx")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    reviews = book.add_worksheet("Reviews")
    reviews.write_row(0, 0, ["review_id", "published_at", "source", "rating", "text"])
    reviews.write_row(1, 0, ["00123", None, "yelp", 5, "great"])
    reviews.write_datetime(1, 1, datetime(2024, 1, 5), day)
    reviews.write_row(2, 0, ["r2", "2024-01-06", "google", 9, "too high"])  # rating out of range
    notes = book.add_worksheet("Notes")
    notes.write_row(0, 0, ["Note", "Written", "Text"])
    notes.write_row(1, 0, ["n1", "2024-02-01", "call back"])
    book.add_worksheet("Empty")
    book.close()

    ds = load(
        tmp_path,
        """
[tables.reviews]
kind = "excel"
path = "crm.xlsx"
sheet = "Reviews"

[tables.notes]
kind = "excel"
path = "crm.xlsx"
sheet = "Notes"
columns = { note_id = "Note", written_at = "Written", text = "Text" }

[tables.customers]
kind = "excel"
path = "crm.xlsx"
sheet = "Customers"
""",
    )
    assert ds.tables["reviews"].row(0) == ("00123", date(2024, 1, 5), "yelp", 5, "great", None, None)[:5]
    assert ds.quarantine.select("source", "row", "column", "reason").rows() == [
        (f"{tmp_path / 'crm.xlsx'} › Reviews", 3, "rating", "rating out of range (1-5)")
    ]
    assert ds.tables["notes"].get_column("note_id").to_list() == ["n1"]
    customers = next(s for s in ds.status if s.table == "customers")
    assert customers.error == f"sheet 'Customers' not found in {tmp_path / 'crm.xlsx'}; it has: Reviews, Notes, Empty"


def test_parquet_folder_scanned_as_one_table(tmp_path):
    folder = tmp_path / "revenue"
    (folder / "2024").mkdir(parents=True)
    for i, month in enumerate((date(2024, 1, 1), date(2024, 2, 1))):
        pl.DataFrame({"customer_id": ["C1", "C2"], "month": [month, month], "revenue": [10.0 * i, 5.0]}).write_parquet(
            folder / "2024" / f"part-{i}.parquet"
        )
    pl.DataFrame({"customer_id": ["C3"], "month": [date(2024, 3, 2)], "revenue": [1.0]}).write_parquet(
        folder / "late.parquet"
    )
    ds = load(tmp_path, '[tables.revenue]\nkind = "parquet"\npath = "revenue"\n')

    assert ds.tables["revenue"].sort("month", "customer_id").rows() == [
        ("C1", date(2024, 1, 1), 0.0),
        ("C2", date(2024, 1, 1), 5.0),
        ("C1", date(2024, 2, 1), 10.0),
        ("C2", date(2024, 2, 1), 5.0),
    ]
    assert ds.quarantine.select("column", "reason").rows() == [("month", "month is not the first day of a month")]


def test_broken_sources_name_themselves_and_the_rest_loads(tmp_path):
    (tmp_path / "n.csv").write_text("note_id,written_at,text\nn1,2024-01-01,x\n")
    ds = load(
        tmp_path,
        """
[tables.notes]
kind = "csv"
path = "n.csv"
[tables.orders]
kind = "csv"
path = "missing.csv"
[tables.reviews]
kind = "csv"
path = "n.csv"
[tables.reviews.columns]
review_id = "Review"
[tables.responses]
kind = "feather"
""",
    )
    errors = {s.table: s.error for s in ds.status}
    assert errors["notes"] is None and ds.tables["notes"].height == 1
    assert errors["orders"] == f"no file matches {tmp_path / 'missing.csv'}"
    assert (
        errors["reviews"]
        == 'column mapping review_id = "Review" names no column of the source; found: note_id, written_at, text'
    )
    assert errors["responses"].startswith("[tables.responses] kind must be one of sample, csv, parquet")
    assert set(ds.tables) == {"notes"}


def test_headers_matched_to_the_contract_after_normalising(tmp_path):
    (tmp_path / "n.csv").write_text("Note ID,Written At, TEXT ,Author\nn1,2024-01-01,x,ann\n")
    ds = load(tmp_path, '[tables.notes]\nkind = "csv"\npath = "n.csv"\n')
    assert ds.tables["notes"].row(0) == ("n1", date(2024, 1, 1), "x", "ann")


def test_sample_kind_takes_one_table_of_the_sample_data(tmp_path):
    pytest.importorskip("connectors.sample")
    ds = load(tmp_path, '[tables.reviews]\nkind = "sample"\n')
    assert list(ds.tables) == ["reviews"] and ds.tables["reviews"].height > 0
    assert ds.status[0].where == "built-in sample data" and ds.status[0].error is None


def test_entry_fingerprint_round_trips_through_json():
    entry = parse_sources('[tables.notes]\nkind = "csv"\npath = "n.csv"\nttl = "1h"\ncolumns = { text = "Body" }')[0]
    assert type(entry).from_json(entry.to_json()) == entry
    assert entry.ttl == 3600


def test_only_the_tables_asked_for_are_opened(tmp_path):
    (tmp_path / "n.csv").write_text("note_id,written_at,text\nn1,2024-01-01,x\n")
    path = tmp_path / "sources.toml"
    path.write_text('[tables.notes]\nkind = "csv"\npath = "n.csv"\n[tables.orders]\nkind = "csv"\npath = "gone.csv"\n')
    ds = load_dataset(path, context=NO_SECRETS, tables={"notes"})
    assert [s.table for s in ds.status] == ["notes"] and ds.errors == []


def test_files_stay_lazy_scans_validated_in_place(tmp_path):
    """A Parquet table is a lazy filter over the scan: no row is copied at load; the counts are exact."""
    n = 5000
    pl.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n - 1)] + ["r0"],  # the last row repeats the first id
            "responded_at": [date(2024, 1, 1)] * n,
            "survey": ["nps"] * n,
            "score": [i % 12 for i in range(n)],  # 11 is out of range for nps: every 12th row from 11
        }
    ).write_parquet(tmp_path / "r.parquet")
    ds = load(tmp_path, '[tables.responses]\nkind = "parquet"\npath = "r.parquet"\n', lazy=True)
    frame = ds.tables["responses"]
    assert isinstance(frame, pl.LazyFrame)
    out_of_range = len(range(11, n, 12))  # 416 rows by hand
    assert ds.counts.rows() == [
        ("responses", "score", "score out of range for nps (0-10)", out_of_range),
        ("responses", "response_id", "duplicate response_id", 1),  # row 5000 (score 4999 % 12 = 7) is valid
    ]
    status = ds.status[0]
    assert status.in_place and status.quarantined == out_of_range + 1 and status.rows == n - out_of_range - 1
    assert frame.select(pl.len()).collect().item() == status.rows
    assert ds.quarantine.filter(pl.col("column") == "response_id").select("row", "reason").rows() == [
        (5000, "duplicate response_id (first seen at row 1)")
    ]
