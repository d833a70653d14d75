"""The data path in a real server: asgi.py loads the sources at server start, before any viewer arrives."""

from __future__ import annotations

import time

import pytest

from tests.browser_harness import FOOTER_MARK, streamlit_server, wait_until_drawn

pytestmark = pytest.mark.browser


def test_serve_loads_the_data_at_server_start(tmp_path, browser) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("note_id,written_at,text\nn1,2024-01-01,a\nn2,2024-01-02,b\nn3,2024-01-03,c\n")
    (tmp_path / "sources.toml").write_text('[tables.notes]\nkind = "csv"\npath = "notes.csv"\nttl = "1h"\n')
    with streamlit_server({"OUTSIDEIN_SOURCES": str(tmp_path / "sources.toml")}, script="asgi.py") as url:
        time.sleep(8)  # no viewer yet: only the warm-up can read the file now
        # Two more rows after the warm-up: the first viewer sees the 3 rows counted at server start.
        notes.write_text(notes.read_text() + "n4,2024-01-04,d\nn5,2024-01-05,e\n")
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(f"{url}/sources")
        wait_until_drawn(tab)
        footer = tab.get_by_test_id("stMain").locator("p", has_text=FOOTER_MARK).last.inner_text()
        context.close()
    assert footer.startswith("3 rows from csv"), footer
