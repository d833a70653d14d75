"""Delivery on orders without `promised_date`: the on-time sections say why they are missing, the rest is drawn.

On time (shipped and received) needs the promised date; lead times do not. Before the gap sentence and the
on-time trend were wrapped in page.section(), the missing column ended the page at the gap sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sample import generate
from tests.apptest import captions, every_tab, in_every_tab

OTHERS = ("responses", "customers", "reviews", "notes", "revenue", "events")
MISSING = "needs column orders.promised_date, which the data does not have"


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("orders") / "orders.parquet"
    generate()["orders"].drop("promised_date").write_parquet(path)
    return path


@pytest.fixture
def without_promised_date(orders_file, tmp_path, monkeypatch) -> None:
    sources = tmp_path / "sources.toml"
    entries = [f'[tables.orders]\nkind = "parquet"\npath = "{orders_file}"\n']
    entries += [f'[tables.{t}]\nkind = "sample"\n' for t in OTHERS]
    sources.write_text("\n".join(entries))
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(sources))


def test_delivery_says_why_on_time_is_missing_and_draws_lead_time(without_promised_date) -> None:
    runs = every_tab("pages/delivery.py", timeout=240)
    boxes = [i.value for i in in_every_tab(runs, "info")]
    for what in ("The gap between the two lenses", "The on-time trend", "Suggested events"):
        assert f"{what} cannot be shown: metric 'delivery.on_time_shipped' {MISSING}" in boxes or (
            f"{what} cannot be shown: metric 'delivery.on_time_received' {MISSING}" in boxes
        ), boxes
    titles = [str(c.proto.spec) for c in in_every_tab(runs, "vega_lite_chart")]
    assert len(titles) == 1 and "Lead time: order to ship vs order to receipt" in titles[0], titles
    assert all("rows quarantined" in captions(run) for run in runs.values())  # every tab ran to the footer
