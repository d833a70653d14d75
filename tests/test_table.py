"""Small static tables as Markdown (ui/table.py), and the Overview's two tables drawn that way."""

from __future__ import annotations

import polars as pl
import pytest

import metrics
from connectors.sample import generate
from tests.apptest import run_page
from ui import table


def test_markdown_table_by_hand() -> None:
    frame = pl.DataFrame({"name": ["a", "b"], "share": [0.25, None], "n": [1200, 3]})
    columns = {
        "name": table.Column("Name"),
        "share": table.Column("Share", lambda x: f"{x:.0%}", numeric=True),
        "n": table.Column("n", lambda x: f"{x:,}", numeric=True),
    }
    assert table.markdown(frame, columns) == (
        "| Name | Share | n |\n| :--- | ---: | ---: |\n| a | 25% | 1,200 |\n| b | – | 3 |"
    )


def test_cells_show_data_as_written_and_never_break_the_table() -> None:
    frame = pl.DataFrame({"label": ["late | *slow*\ndelivery", "[link](x)"]})
    text = table.markdown(frame, {"label": table.Column("Theme_1")})
    rows = text.splitlines()
    assert len(rows) == 4, "a line break inside a value stays inside its cell"
    assert rows[0] == r"| Theme\_1 |"
    assert rows[2] == r"| late \| \*slow\* delivery |"
    assert rows[3] == r"| \[link\](x) |"


def test_columns_come_in_the_order_asked_not_the_frame_order() -> None:
    frame = pl.DataFrame({"b": [2], "a": [1]})
    assert table.markdown(frame, {"a": table.Column("A"), "b": table.Column("B")}).splitlines()[2] == "| 1 | 2 |"


@pytest.fixture(scope="module")
def overview():
    return run_page()


def test_overview_draws_its_small_tables_without_a_data_grid(overview) -> None:
    assert not overview.dataframe, "the perception gaps and rising themes are Markdown tables"
    tables = [m.value for m in overview.markdown if m.value.startswith("| ")]
    assert len(tables) == 2
    gaps, rising = tables
    assert gaps.splitlines()[0] == "| measure | inside-out | customer lens | gap | n (inside / customer) |"
    header = "| Theme | Share of texts, 3 months before | Share of texts, last 3 months | Change (points) |"
    assert rising.splitlines()[0].startswith(header)
    assert len(rising.splitlines()) == 2 + 3, "the three fastest-rising themes"


def test_overview_gap_table_keeps_each_lens_value_and_n(overview) -> None:
    gaps = next(m.value for m in overview.markdown if m.value.startswith("| measure"))
    sample = generate()
    for internal, customer in (
        ("delivery.on_time_shipped", "delivery.on_time_received"),
        ("delivery.lead_time_internal", "delivery.lead_time_customer"),
    ):
        inside = metrics.compute(internal, sample, grain="all").row(0, named=True)
        outside = metrics.compute(customer, sample, grain="all").row(0, named=True)
        assert f"{inside['n']:,} / {outside['n']:,}" in gaps
