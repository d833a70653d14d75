"""ui/navigation.py: the core pages in order, and any other page file found by itself."""

from __future__ import annotations

from pathlib import Path

from ui import navigation


def test_this_checkout_has_every_page_file_in_the_navigation():
    files = {p.relative_to(navigation.ROOT).as_posix() for p in (navigation.ROOT / "pages").glob("*.py")}
    entries = navigation.entries()
    assert {e.file for e in entries} == files
    assert entries[0].url_path == "" and [e.title for e in entries[-2:]] == ["Sources", "Catalog"]
    assert len({e.url_path for e in entries}) == len(entries)


def test_a_new_page_file_is_found_and_titled_after_the_metric_it_renders(tmp_path: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "nps_page.py").write_text('from ui import metric_page\n\nmetric_page.render("satisfaction.nps")\n')
    (pages / "my_notes.py").write_text('import streamlit as st\n\nst.title("Notes")\n')
    (pages / "_helper.py").write_text("")
    found = navigation.discovered(tmp_path)
    assert [(e.file, e.title, e.url_path) for e in found] == [
        ("pages/my_notes.py", "My notes", "my_notes"),
        ("pages/nps_page.py", "Net Promoter Score", "nps_page"),
    ]
    assert [e.file for e in navigation.entries(tmp_path)][6:8] == ["pages/my_notes.py", "pages/nps_page.py"]
