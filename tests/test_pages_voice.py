"""The Voice page under AppTest, and its data shaping on hand-made frames."""

from __future__ import annotations

import csv
from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import metrics
from connectors.sample import STORY, generate
from metrics.taxonomy import load_themes
from tests.apptest import captions, drawn_charts, every_tab, in_every_tab, run_page
from ui import format as fmt
from ui import verbatims
from ui.voice import data as voice

PAGE = "pages/voice.py"
CHART_IDS = (
    "voice-themes-over-time",
    "voice-themes-by-nps-group",
    "voice-theme-impact",
    "voice-complaints-vs-delivery",
)


def run(query: dict | None = None) -> AppTest:
    return run_page(PAGE, query)


def match_count(at: AppTest) -> int:
    line = next(c.value for c in at.caption if "texts match" in c.value)
    return int(line.split(" texts match")[0].replace(",", ""))


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return run()


def test_page_shows_takeaway_charts_and_verbatims(default_page: AppTest) -> None:
    at = default_page
    assert at.title[0].value == "Voice"
    takeaway = at.markdown[0].value
    assert f"In {STORY.region}" in takeaway, "the planted region's slow-delivery complaints lead the page"
    assert "n = " in takeaway
    assert [t.label for t in at.tabs] == ["Themes over time", "By NPS group", "Complaints vs delivery", "Verbatims"]
    assert "chart=voice-themes-over-time" in captions(at) and not at.dataframe, "only the open tab is drawn"
    runs = every_tab(PAGE)
    text = " ".join(c.value for c in in_every_tab(runs, "caption"))
    for chart_id in CHART_IDS:
        assert f"chart={chart_id}" in text, chart_id
    at = runs["Verbatims"]
    assert at.markdown[0].value == takeaway, "the takeaway is the same whatever tab is open"
    # All texts, unfiltered: as many as the metric counts, and the table is capped.
    table = at.dataframe[0].value
    assert len(table) == voice.VERBATIM_LIMIT
    assert list(table.columns) == ["date", "channel", "source", "score", "region", "days_late", "text"]
    dates = list(table["date"])
    assert dates == sorted(dates, reverse=True), "newest first"
    texts = metrics.compute("voice.themes", generate(), grain="all")
    total = texts.group_by("source").agg(pl.col("n").first()).get_column("n").sum()
    assert match_count(at) == total


def test_url_keys_filter_the_verbatims() -> None:
    at = run({"theme": "delivery_speed", "source": "reviews", "q": "LATE", "region": STORY.region})
    assert at.selectbox(key="theme").value == "delivery_speed"
    assert at.text_input(key="q").value == "LATE"
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table["channel"]) == {"reviews"}
    assert set(table["region"]) == {STORY.region}
    assert all("late" in t.lower() for t in table["text"])
    assert match_count(at) == len(table)  # fewer than the limit, so all are shown
    assert "Delivery speed" in captions(at)


def test_tampered_theme_falls_back_with_a_notice() -> None:
    at = run({"theme": "<script>x</script>", "source": "fax"})
    assert at.selectbox(key="theme").value == verbatims.ALL
    notice = captions(at)
    assert "ignored" in notice and "theme=" in notice and "source=" in notice
    assert not at.error


def test_single_chart_link_draws_only_that_chart() -> None:
    at = run({"chart": "voice-theme-impact"})
    assert not at.title, "no header in single-chart mode"
    assert not at.dataframe
    assert len(at.get("vega_lite_chart")) == 1 and drawn_charts(at) == ["voice-theme-impact"]


def test_comment_markup_is_shown_literally(tmp_path, monkeypatch) -> None:
    """A review carrying HTML and Markdown reaches the page as the exact characters typed."""
    payload = "<b>bold</b> **x** <script>alert(1)</script>"
    reviews = tmp_path / "reviews.csv"
    with reviews.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review_id", "published_at", "source", "rating", "text", "customer_id", "region"])
        writer.writerow(["X1", STORY.end.isoformat(), "trustpilot", 1, payload, "C0000001", STORY.region])
    sources = tmp_path / "sources.toml"
    tables = "".join(f'[tables.{t}]\nkind = "sample"\n\n' for t in ("orders", "responses", "notes", "customers"))
    sources.write_text(tables + f'[tables.reviews]\nkind = "csv"\npath = "{reviews}"\n')
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(sources))
    at = run({"source": "reviews", "q": "script"})
    table = at.dataframe[0].value
    assert list(table["text"]) == [payload]
    rendered = " ".join(m.value for m in at.markdown) + captions(at)
    assert "<script>" not in rendered and "**x**" not in rendered, "user text never goes through markdown"


# --- data shaping -------------------------------------------------------------------------------------------


def test_theme_matching_is_the_taxonomy_pattern() -> None:
    frame = pl.DataFrame(
        {
            "date": [date(2026, 1, d) for d in (1, 2, 3, 4, 5)],
            "channel": ["surveys", "reviews", "notes", "surveys", "reviews"],
            "source": ["typeform", "google", "notes", "typeform", "yelp"],
            "text": ["Delayed again!", "I can relate", "Still waiting for it", "LATE", "Took ages, price ok"],
        }
    )
    found = verbatims.match(frame, "delivery_speed")
    # Whole words, case-insensitive; newest first; 'relate' is not 'late'.
    assert found.get_column("text").to_list() == [
        "Took ages, price ok",
        "LATE",
        "Still waiting for it",
        "Delayed again!",
    ]
    assert verbatims.match(frame, "delivery_speed", "reviews").height == 1
    assert verbatims.match(frame, search="AGAIN").get_column("text").to_list() == ["Delayed again!"]
    assert verbatims.match(frame, search="a.e").is_empty(), "search is literal, not a regex"


@given(st.lists(st.text(max_size=30), max_size=20))
def test_match_agrees_with_the_metric_pattern(texts: list[str]) -> None:
    """For every theme, match() keeps exactly the texts the metric's own pattern finds."""
    frame = pl.DataFrame(
        {"date": [date(2026, 1, 1)] * len(texts), "channel": ["notes"] * len(texts), "source": "notes", "text": texts},
        schema={"date": pl.Date, "channel": pl.String, "source": pl.String, "text": pl.String},
    )
    for theme in load_themes():
        expected = frame.filter(pl.col("text").str.contains(theme.pattern)).height
        assert verbatims.match(frame, theme.id).height == expected


def test_takeaway_names_flagged_region_and_costliest_theme() -> None:
    impact = pl.DataFrame(
        {
            "theme": ["a", "a", "b", "b"],
            "label": ["Alpha", "Alpha", "Beta", "Beta"],
            "who": ["mention it", "do not mention it"] * 2,
            "nps": [-40.0, 30.0, 10.0, 20.0],
            "n": [50, 500, 60, 490],
            "impact": [-70.0, -70.0, -10.0, -10.0],
        }
    )
    regions = pl.DataFrame(
        {
            "region": ["North", "South"],
            "flag": [False, True],
            "share": [0.10, 0.20],
            "overall_share": [0.12, 0.12],
            "shipped": [0.96, 0.97],
            "received": [0.93, 0.76],
        }
    )
    sentence = voice.takeaway(impact, regions)
    assert sentence.startswith("In South, 20% of texts")
    assert "97% of its orders left on time: only 76% arrived" in sentence
    assert "Alpha costs the most" in sentence and "-40 against +30" in sentence and "n = 50" in sentence
    assert voice.takeaway(None, None) is None


def test_md_escape_keeps_markup_literal() -> None:
    assert fmt.md_escape("**x** <b>") == r"\*\*x\*\* \<b\>"


def test_verbatim_counts_equal_the_metric_counts() -> None:
    """Per theme, the verbatims found for a region are exactly the mentions voice.themes counts there."""
    from ui.state import Filters

    f = Filters(STORY.start, STORY.end, regions=(STORY.region,))
    counted = metrics.compute("voice.themes", generate(), grain="all", where={"region": [STORY.region]})
    texts = verbatims.all_texts(f)
    for theme in load_themes():
        expected = counted.filter(pl.col("theme") == theme.id).get_column("value").sum()
        assert verbatims.match(texts, theme.id).height == expected, theme.id
