"""The Segments page under AppTest, and its focus rule on hand-made frames."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from connectors.sample import STORY
from tests.apptest import captions, run_page
from ui.segments import data as segments

PAGE = "pages/segments.py"
CHART_IDS = ("segments-mix", "segments-compare", "segments-rfm")


def run(query: dict | None = None) -> AppTest:
    return run_page(PAGE, query)


def markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return run()


def test_page_makes_the_planted_focus_segment_plain(default_page: AppTest) -> None:
    at = default_page
    assert at.title[0].value == "Segments"
    headline = at.markdown[0].value
    # Small, high-value, loyal and homogeneous, all in the first line.
    assert headline.startswith(f"#### {STORY.focus_segment}: 5% of customers bring 31% of revenue")
    assert "NPS +60" in headline and "95% buying again" in headline and "spend the most alike" in headline
    assert "Focus segment: " in captions(at) and "above-median NPS and retention" in captions(at)
    for chart_id in CHART_IDS:
        assert f"chart={chart_id}" in captions(at), chart_id


def test_persona_card_defaults_to_the_focus_segment(default_page: AppTest) -> None:
    at = default_page
    assert at.selectbox(key="focus").value == STORY.focus_segment
    assert f"#### {STORY.focus_segment} · focus segment" in markdown(at)
    values = {m.label: m.value for m in at.metric}
    assert values["Customers"] == "971" and values["NPS"] == "+60" and values["3-month retention"] == "94.8%"
    text = captions(at)
    assert "n = 1,603 · 95 % CI +57 – +63" in text and "n = 864" in text and "spread sd/mean 0.67" in text
    quotes = [t.value for t in at.text if t.value.startswith("“")]  # st.text: definitions too
    late = [q for q in quotes if " late, " in q]
    assert 2 <= len(quotes) - len(late) <= 3, "sample verbatims as plain text"
    assert all(f"({STORY.end.year}-" in q for q in quotes), "the newest comments, with their date"
    # And one review of an order that arrived late, with how late and its stars.
    assert len(late) == 1 and "When an order arrived late" in markdown(at)
    assert re.search(r", (trustpilot|google|yelp), \d+ days? late, [1-5] of 5 stars\)$", late[0]), late[0]


def chart_spec(at: AppTest, title: str) -> dict:
    return next(s for c in at.get("vega_lite_chart") if (s := json.loads(c.proto.spec))["title"]["text"] == title)


def y_orders(spec: dict) -> list[list[str]]:
    """The y sort of every layer that encodes segments, in panel order."""
    layers = [layer for panel in spec.get("hconcat", [spec]) for layer in panel.get("layer", [panel])]
    return [layer["encoding"]["y"]["sort"] for layer in layers if "y" in layer.get("encoding", {})]


def test_segments_compared_lists_the_segments_in_one_order_in_every_panel(default_page: AppTest) -> None:
    mix = y_orders(chart_spec(default_page, "Each segment's share of customers and of revenue"))
    compared = chart_spec(default_page, "Segments compared: NPS, 3-month retention, revenue per customer")
    orders = y_orders(compared)
    assert len(orders) == 6, "three panels, each an interval and a dot"
    assert all(order == mix[0] for order in orders), orders  # a row reads across, in the mix chart's order
    panels = compared["hconcat"]
    assert all(layer["encoding"]["y"]["scale"]["domain"] == mix[0] for p in panels for layer in p["layer"])


def test_segment_order_is_by_share_of_revenue_then_name() -> None:
    shares = pl.DataFrame({"segment": ["A", "B", "C", "D"], "revenue_share": [0.2, 0.5, 0.2, None]})
    assert segments.segment_order(shares) == ["B", "A", "C", "D"]


def test_focus_key_selects_the_persona_card() -> None:
    at = run({"focus": "Consumer"})
    assert at.selectbox(key="focus").value == "Consumer"
    assert "#### Consumer" in markdown(at) and "Consumer · focus segment" not in markdown(at)
    assert {m.label: m.value for m in at.metric}["Customers"] == "11,507"


def test_tampered_focus_falls_back_with_a_notice() -> None:
    at = run({"focus": "Nobody"})
    assert at.selectbox(key="focus").value == STORY.focus_segment
    assert "do not fit the data" in captions(at) and "`focus=Nobody`" in captions(at)
    assert not at.error


def test_segment_filter_still_names_a_focus() -> None:
    at = run({"segment": "Consumer"})
    assert at.selectbox(key="focus").value == "Consumer"
    assert "#### Consumer: 100% of customers" in at.markdown[0].value


# --- the focus rule -----------------------------------------------------------------------------------------


def frame(rows: list[tuple[str, float, float, float]], n: int = 100) -> pl.DataFrame:
    segment, nps, retention, revenue = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "segment": segment,
            "nps": nps,
            "retention_3m": retention,
            "revenue_mean": revenue,
            "nps_n": [n] * len(rows),
            "retention_n": [n] * len(rows),
        }
    )


def test_focus_is_richest_among_segments_above_both_medians() -> None:
    # Medians: NPS (25 + 30) / 2 = 27.5, retention (0.6 + 0.85) / 2 = 0.725. Above both: B, C, D, of which
    # C earns most per customer. A earns most of all but is neither promoter-rich nor loyal.
    f = frame(
        [
            ("A", 10, 0.5, 9000),
            ("B", 40, 0.95, 500),
            ("C", 30, 0.9, 800),
            ("D", 50, 0.85, 700),
            ("E", 20, 0.6, 1),
            ("F", 25, 0.4, 2),
        ]
    )
    focus = segments.focus_segment(f)
    assert focus.segment == "C"
    assert focus.reason.startswith("C earns the most per customer ($800)")
    assert "NPS +30 vs median +28; retention 90% vs median 72%" in focus.reason


def test_focus_falls_back_and_ignores_unknown_and_small_groups() -> None:
    f = frame([("A", 10, 0.5, 900), ("unknown", 90, 0.9, 9999), ("B", 40, 0.4, 100)])
    assert segments.focus_segment(f).segment == "A"
    assert "No segment is above the median" in segments.focus_segment(f).reason
    few = frame([("A", 10, 0.5, 900), ("B", 40, 0.8, 100), ("C", 20, 0.6, 50)], n=5)
    assert segments.focus_segment(few, min_n=30).segment == "A", "B clears the medians on too few answers"


rows = st.lists(
    st.tuples(
        st.sampled_from("ABCDEFG"),
        st.floats(-100, 100),
        st.floats(0, 1),
        st.floats(0, 1e5),
    ),
    min_size=1,
    max_size=7,
    unique_by=lambda r: r[0],
)


@given(rows)
def test_focus_property(data: list[tuple[str, float, float, float]]) -> None:
    """The focus is a listed segment; when any segment beats both medians, the focus does too and
    no such segment earns more per customer."""
    f = frame(data)
    focus = segments.focus_segment(f)
    assert focus.segment in f.get_column("segment").to_list()
    nps_med, ret_med = f.get_column("nps").median(), f.get_column("retention_3m").median()
    strong = f.filter(pl.col("nps") > nps_med, pl.col("retention_3m") > ret_med)
    pool = strong if strong.height else f
    chosen = f.filter(pl.col("segment") == focus.segment).row(0, named=True)
    assert chosen["revenue_mean"] == pool.get_column("revenue_mean").max()
    if strong.height:
        assert chosen["nps"] > nps_med and chosen["retention_3m"] > ret_med


def test_compare_long_keeps_each_measure_with_its_own_n() -> None:
    summary = pl.DataFrame(
        {
            "segment": ["X"],
            "nps": [20.0],
            "nps_ci_low": [10.0],
            "nps_ci_high": [30.0],
            "nps_n": [40],
            "retention_3m": [0.5],
            "retention_ci_low": [0.4],
            "retention_ci_high": [0.6],
            "retention_n": [80],
            "revenue_mean": [100.0],
            "revenue_ci_low": [90.0],
            "revenue_ci_high": [110.0],
            "customers": [120],
        }
    )
    long = segments.compare_long(summary)
    assert dict(zip(long["measure"], long["n"], strict=True)) == {
        "3-month retention": 80,
        "NPS": 40,
        "Revenue per customer": 120,
    }


def test_the_persona_s_theme_shares_carry_intervals_in_the_app_s_one_format() -> None:
    """Was "95 % CI 12%–15%", whole percents written by hand (bounds could read the same); now ui.format.interval."""
    themes = next(c.value for c in run().caption if " (n = " in c.value and "95 % CI" in c.value)
    entries = themes.split(" · ")
    assert len(entries) >= 2, themes
    for entry in entries:
        low, high = re.search(r"95 % CI (\d+\.\d)% – (\d+\.\d)%\)$", entry).groups()  # type: ignore[union-attr]
        assert float(low) < float(high), entry
