"""Pages on data without some tables: each missing section says why in its box, the rest is drawn, and
the Overview's "What changed" names the KPIs it could not read (never drops them silently)."""

from __future__ import annotations

import pytest

from tests.apptest import every_tab, in_every_tab, run_page

# Orders, survey answers and customers only: no reviews, notes, revenue or events.
KEPT = ("orders", "responses", "customers")


@pytest.fixture
def without_reviews_and_revenue(tmp_path, monkeypatch) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(f'[tables.{t}]\nkind = "sample"\n\n' for t in KEPT))
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(sources))


def test_overview_names_what_it_could_not_read(without_reviews_and_revenue) -> None:
    at = run_page("pages/overview.py", timeout=240)
    lines = [m.value for m in at.markdown]
    not_read = [line for line in lines if "Not read:" in line]
    assert len(not_read) == 1 and "Review rating (stars)" in not_read[0] and "reviews" in not_read[0], lines
    boxes = [i.value for i in at.info]
    assert any("reviews" in box for box in boxes), boxes  # the stars card and the late-cost sentence say why
    assert any("On time as received" in line or "on time" in line.lower() for line in lines)  # the rest is drawn


def test_delivery_draws_all_but_the_review_section(without_reviews_and_revenue) -> None:
    runs = every_tab("pages/delivery.py", timeout=240)
    boxes = [i.value for i in in_every_tab(runs, "info")]
    assert boxes and all("reviews" in box for box in boxes), boxes
    assert len(in_every_tab(runs, "vega_lite_chart")) >= 5  # trend, gaps, lead time, carrier charts still drawn
