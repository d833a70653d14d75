"""Every page drawn from lazy sources (the sample written to Parquet: scanned, validated in place, never read
whole) shows exactly the numbers it shows from the in-memory sample, with no error."""

from __future__ import annotations

import pytest

from connectors.sample import generate
from tests.apptest import captions, run_page

PAGES = [
    None,  # the Overview
    "pages/delivery.py",
    "pages/retention.py",
    "pages/satisfaction.py",
    "pages/voice.py",
    "pages/segments.py",
    "pages/catalog.py",
]


@pytest.fixture(scope="module")
def parquet_sources(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("lake")
    entries = []
    for name, frame in generate().items():
        frame.write_parquet(folder / f"{name}.parquet")
        entries.append(f'[tables.{name}]\nkind = "parquet"\npath = "{name}.parquet"\n')
    (folder / "sources.toml").write_text("\n".join(entries))
    return str(folder / "sources.toml")


def _numbers(at) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "overview")
def test_page_from_parquet_equals_the_sample(page, parquet_sources, monkeypatch) -> None:
    query = {"region": "Southwest"} if page == "pages/delivery.py" else {}
    monkeypatch.delenv("OUTSIDEIN_SOURCES", raising=False)
    in_memory = run_page(page, query)
    monkeypatch.setenv("OUTSIDEIN_SOURCES", parquet_sources)
    lazy = run_page(page, query)  # run_page asserts that no exception reached the page
    assert "from parquet" in captions(lazy) and "from sample" in captions(in_memory)  # the footer names the kind
    assert _numbers(lazy) == _numbers(in_memory)
    if page in (None, "pages/delivery.py", "pages/satisfaction.py"):
        assert _numbers(lazy), "the page shows its cards"
