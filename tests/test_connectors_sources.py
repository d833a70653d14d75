"""sources.toml parsing, the shipped example, and the /sources page (AppTest)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from connectors.sources import KINDS, SourcesError, parse_sources, parse_ttl, read_sources
from ui.format import md_escape

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("text", "seconds"), [("10m", 600), ("30s", 30), ("1h", 3600), ("2d", 172800), (90, 90)])
def test_ttl(text, seconds):
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "-1m", 0, True])
def test_bad_ttl_is_the_entrys_problem(bad):
    value = f'"{bad}"' if isinstance(bad, str) else str(bad).lower()
    (entry,) = parse_sources(f'[tables.notes]\nkind = "csv"\npath = "n.csv"\nttl = {value}')
    assert entry.problem.startswith("[tables.notes] ttl must be")


def test_relative_paths_are_relative_to_the_sources_file(tmp_path):
    (tmp_path / "s.toml").write_text('[tables.notes]\nkind = "csv"\npath = "data/*.csv"\n')
    assert read_sources(tmp_path / "s.toml")[0].options["path"] == str(tmp_path / "data/*.csv")


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[tables.nope]\nkind = "csv"', "[tables.nope] is not a contract table"),
        ('[tables.notes]\nkind = "csv"', "[tables.notes] kind 'csv' needs key(s) path"),
        ('[tables.notes]\nkind = "gsheets"\nspreadsheet = "k"', "[tables.notes] kind 'gsheets' needs key(s) worksheet"),
        ('[tables.notes]\nkind = "csv"\npath = "x"\nsheet = "y"', "[tables.notes] unknown key(s) sheet for kind 'csv'"),
        ('[tables.notes]\nkind = "sql"\nuri = "sqlite:///x"', "[tables.notes] kind 'sql' needs exactly one of"),
        ('[tables.notes]\nkind = "csv"\npath = "x"\ncolumns = { body = "B" }', "[tables.notes] columns: body not in"),
        ('[tables.notes]\nkind = "csv"\npath = "x"\nconstants = { body = 1 }', "[tables.notes] constants: body not in"),
    ],
)
def test_entry_mistakes_are_named(toml, problem):
    (entry,) = parse_sources(toml)
    assert entry.problem.startswith(problem)


def test_whole_file_errors():
    with pytest.raises(SourcesError, match="not valid TOML"):
        parse_sources("[tables.notes\n")
    with pytest.raises(SourcesError, match="unknown top-level key"):
        parse_sources('[orders]\nkind = "csv"')
    with pytest.raises(SourcesError, match="does not exist"):
        read_sources("/nonexistent/sources.toml")


def test_example_file_covers_every_kind_and_parses_cleanly():
    entries = read_sources(ROOT / "sources.example.toml")
    commented = {"sample", "spark"}  # one entry per table: these two are shown commented
    assert {e.kind for e in entries} == set(KINDS) - commented
    assert all(f'# kind = "{kind}"' in (ROOT / "sources.example.toml").read_text() for kind in commented)
    assert [e.problem for e in entries if e.problem] == []


def test_sources_page_lists_tables_errors_and_quarantine(tmp_path, monkeypatch):
    (tmp_path / "n.csv").write_text("note_id,written_at,text\nn1,2024-01-01,x\nn2,someday,y\n")
    with closing(sqlite3.connect(tmp_path / "shop_db.sqlite")) as con:
        con.execute("CREATE TABLE t (x)")
    (tmp_path / "sources.toml").write_text(
        '[tables.notes]\nkind = "csv"\npath = "n.csv"\n\n'
        '[tables.orders]\nkind = "sql"\nuri = "sqlite:///gone.db"\ntable = "orders"\n\n'
        '[tables.reviews]\nkind = "sql"\nuri = "sqlite:///shop_db.sqlite"\nquery = "SELECT * FROM my_reviews"\n'
    )
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(tmp_path / "sources.toml"))
    at = AppTest.from_file(str(ROOT / "pages" / "sources.py"), default_timeout=30).run()

    assert not at.exception
    status = at.dataframe[0].value
    assert status["table"].tolist() == ["notes", "orders", "reviews"]
    assert status["rows"].tolist() == [1, 0, 0]
    assert status["quarantined"].tolist() == [1, 0, 0]
    gone, shop = md_escape(str(tmp_path / "gone.db")), md_escape(str(tmp_path / "shop_db.sqlite"))
    assert at.error[0].value == f"**orders** (sqlite:///{gone} › orders): sqlite database file {gone} does not exist"
    # The location once (the error names it too, for the CLI); `*` and `_` shown as written, not as emphasis.
    where = rf"sqlite:///{shop} › SELECT \* FROM my\_reviews"
    assert at.error[1].value == rf"**reviews** ({where}): no such table: my\_reviews"
    assert at.selectbox(key="quarantine-table").value == "notes"
    assert at.dataframe[1].value.values.tolist() == [["written_at", "cannot read as date", 1]]  # every row counted
    rows = at.dataframe[2].value
    assert rows[["row", "column", "value"]].values.tolist() == [[3, "written_at", "someday"]]
    assert status["held"].tolist() == ["queried in place", "", ""]  # the CSV is scanned, never copied
    assert status["age"].str.endswith(" s").tolist() == [True, True, True]

    # Fix the file, then "Refresh data" reloads it even though the ttl has not passed.
    (tmp_path / "n.csv").write_text("note_id,written_at,text\nn1,2024-01-01,x\nn2,2024-01-02,y\n")
    at.button(key="refresh-data").click().run()
    assert at.dataframe[0].value["rows"].tolist() == [2, 0, 0]
    assert not at.selectbox  # nothing quarantined any more


def test_problem_lines_say_when_older_data_is_still_shown():
    from datetime import datetime
    from types import SimpleNamespace

    from connectors.dataset import TableStatus
    from ui.data import problem_lines

    where = "https://docs.google.com/spreadsheets/d/abc › Orders"
    status = [
        TableStatus("notes", "sample", "built-in sample data", rows=3),
        TableStatus(
            "orders", "gsheets", where, error=f"{where}: quota exceeded", stale_since=datetime(2026, 11, 2, 9, 5)
        ),
    ]
    assert problem_lines(SimpleNamespace(status=status)) == [
        (
            "**orders** (https://docs.google.com/spreadsheets/d/abc › Orders): quota exceeded."
            " Showing data loaded 2026-11-02 09:05.",
            True,
        )
    ]


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('kind = "spark"\nremote = "sc://h:15002"', "kind 'spark' needs exactly one of 'table' or 'query'"),
        ('kind = "spark"\nremote = "http://h"\ntable = "t"', "remote must be a Spark Connect address"),
        ('kind = "spark"\nremote = "sc://h:15002/;token=abc"\ntable = "t"', "token in secrets"),
    ],
)
def test_spark_entry_mistakes_are_named(toml, problem):
    assert problem in parse_sources(f"[tables.orders]\n{toml}")[0].problem


def test_status_table_says_how_old_each_table_is_and_when_it_is_read_again():
    from datetime import datetime

    from connectors.dataset import Dataset, TableStatus
    from ui.data import status_table

    loaded = datetime(2026, 11, 29, 9, 0, 0)
    status = (
        TableStatus("orders", "parquet", "o.parquet", rows=10, loaded_at=loaded, ttl=600, in_place=True),
        TableStatus("notes", "gsheets", "sheet", rows=2, loaded_at=loaded, ttl=3600),
    )
    table = status_table(Dataset({}, status=status), now=datetime(2026, 11, 29, 10, 5, 30))
    assert table.select("age", "next refresh", "held").rows() == [
        ("1 h 5 min", datetime(2026, 11, 29, 9, 10), "queried in place"),
        ("1 h 5 min", datetime(2026, 11, 29, 10, 0), "in memory"),
    ]
