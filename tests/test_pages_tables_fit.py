"""The /sources and /catalog tables: counts written as the app writes them, and few enough columns to fit."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import metrics
from tests.apptest import run_page
from ui import format as fmt

# What fits the main area of a 1400 px window beside the sidebar (measured in Chromium).
SOURCES_SHOWN = ["table", "kind", "from", "rows", "quarantined", "age", "next refresh", "held"]
CATALOG_SHOWN = ["live view", "title", "lens", "unit", "higher is better", "twin", "min n", "needs"]


def column_config(grid) -> dict:
    """st.column_config as the grid received it, by column name."""
    return json.loads(grid.proto.columns)


@pytest.fixture(scope="module")
def sources() -> AppTest:
    return run_page("pages/sources.py")


def test_sources_counts_use_the_app_s_count_format(sources: AppTest) -> None:
    grid = sources.dataframe[0]
    config = column_config(grid)
    assert {c: config[c]["type_config"]["format"] for c in ("rows", "quarantined")} == {
        "rows": fmt.COUNT_GRID_FORMAT,
        "quarantined": fmt.COUNT_GRID_FORMAT,
    }
    assert fmt.COUNT_GRID_FORMAT == "%,d" and fmt.count(2_000_000) == "2,000,000"  # the same rule, two spellings
    assert grid.value["rows"].max() >= 1_000, "the sample's tables are large enough to need the separator"


def test_sources_table_shows_the_columns_that_fit(sources: AppTest) -> None:
    grid = sources.dataframe[0]
    assert list(grid.proto.column_order) == SOURCES_SHOWN
    assert {"loaded at", "stale since", "error"} <= set(grid.value.columns), "still in the data, not drawn"


def test_catalog_table_fits_with_the_metric_name_as_its_live_link() -> None:
    at = run_page("pages/catalog.py")
    grid = at.dataframe[0]
    assert list(grid.proto.column_order) == CATALOG_SHOWN
    config = column_config(grid)
    link = config["live view"]
    assert link["label"] == "metric" and link["type_config"]["display_text"] == r"[?&]metric=([^&#]+)"
    assert config["min n"]["type_config"]["format"] == fmt.COUNT_GRID_FORMAT
    table = grid.value
    assert table["needs"].tolist() == [
        ", ".join(dict.fromkeys(c.split(".")[0] for c in metrics.spec(n).requires)) for n in metrics.names()
    ]
    assert table["needs"].str.len().max() <= 30, "tables, not their columns (those are in each metric's entry)"
