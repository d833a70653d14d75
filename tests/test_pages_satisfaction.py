"""The satisfaction page: its data shaping (known answers, properties) and the page under AppTest."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import metrics
from connectors.sample import STORY, generate
from metrics.analysis.distribution import score_counts
from tests.apptest import run_page
from ui.satisfaction import data as sat


def _responses(rows: list[tuple[str, int, str, str, date]]) -> pl.DataFrame:
    return (
        pl.DataFrame(
            rows,
            schema={
                "survey": pl.String,
                "score": pl.Int64,
                "region": pl.String,
                "segment": pl.String,
                "responded_at": pl.Date,
            },
            orient="row",
        )
        .with_row_index("response_id")
        .with_columns(pl.col("response_id").cast(pl.String))
    )


D = date(2026, 3, 10)


def test_score_counts_by_hand() -> None:
    frame = _responses(
        [
            ("nps", 10, "East", "A", D),
            ("nps", 10, "East", "A", D),
            ("nps", 6, "East", "A", D),
            ("nps", 8, "West", "A", D),
            ("csat", 5, "East", "A", D),  # another survey: not counted
            ("nps", 11, "East", "A", D),  # out of range: not counted
            ("nps", 9, "East", "A", date(2025, 1, 1)),  # before the window
        ]
    )
    out = score_counts({"responses": frame}, date(2026, 1, 1), date(2026, 12, 31), {}, ("region",))
    east = out.filter(pl.col("region") == "East")
    assert east.height == 11, "every score 0-10 is listed"
    counts = dict(zip(east["score"], east["count"], strict=True))
    assert counts[10] == 2 and counts[6] == 1 and counts[9] == 0 and sum(counts.values()) == 3
    assert east["n"].unique().to_list() == [3]
    assert east.filter(pl.col("score") == 10)["share"].item() == pytest.approx(2 / 3)
    assert dict(zip(east["score"], east["category"], strict=True))[6] == "detractors"
    assert dict(zip(east["score"], east["category"], strict=True))[7] == "passives"
    west = score_counts({"responses": frame}, None, None, {"region": ("West",)})
    assert west["count"].sum() == 1 and west.filter(pl.col("score") == 8)["count"].item() == 1


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["nps", "csat", "ces"]),
            st.integers(-1, 11),
            st.sampled_from(["East", "West"]),
            st.sampled_from(["A", "B"]),
            st.integers(0, 400),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_score_counts_add_up_to_the_metric_n(rows: list[tuple[str, int, str, str, int]]) -> None:
    frame = _responses([(s, sc, r, g, date(2025, 6, 1) + timedelta(days=d)) for s, sc, r, g, d in rows])
    start, end = date(2025, 7, 1), date(2026, 3, 31)
    where = {"region": ("East",)}
    counts = score_counts({"responses": frame}, start, end, where, ("segment",))
    nps = metrics.compute(
        sat.NPS, {"responses": frame}, grain="all", by=("segment",), start=start, end=end, where=where
    )
    got = counts.group_by("segment").agg(pl.col("count").sum()).sort("segment")
    assert dict(zip(got["segment"], got["count"], strict=True)) == dict(zip(nps["segment"], nps["n"], strict=True))
    for cat in sat.CATEGORIES:  # the three bins agree with the metric's promoters / passives / detractors
        per = counts.filter(pl.col("category") == cat).group_by("segment").agg(pl.col("count").sum())
        assert dict(zip(per["segment"], per["count"], strict=True)) == dict(zip(nps["segment"], nps[cat], strict=True))


def test_nps_mix_shares_add_to_one() -> None:
    frame = _responses([("nps", s, "East", "A", D + timedelta(days=40 * (i % 3))) for i, s in enumerate(range(11))])
    nps = metrics.compute(sat.NPS, {"responses": frame}, grain="month")
    mix = sat.nps_mix(nps)
    totals = mix.group_by("period").agg(pl.col("share").sum())["share"].to_list()
    assert all(t == pytest.approx(1.0) for t in totals)
    assert mix["category"].unique().sort().to_list() == sorted(sat.CATEGORIES)


def test_group_summary_keeps_small_groups_and_says_why() -> None:
    rows = [("nps", 10, "East", "A", D)] * 40 + [("nps", 0, "West", "A", D)] * 5
    rows += [("csat", 5, "East", "A", D)] * 40 + [("ces", 6, "East", "A", D)] * 3
    frame = _responses(rows)
    frames = {n: metrics.compute(n, {"responses": frame}, grain="all", by=("region",)) for n in sat.METRICS}
    table = sat.group_summary(frames, "region", {n: 30 for n in sat.METRICS})
    assert table["region"].to_list() == ["East", "West"], "the small group is not hidden"
    east, west = table.to_dicts()
    assert east["NPS"] == pytest.approx(100) and east["NPS n"] == 40
    assert east["trust"] == "too few answers to trust: CES: n = 3 < 30"
    assert west["NPS"] == pytest.approx(-100)
    assert west["trust"] == "too few answers to trust: NPS: n = 5 < 30; CSAT: n = 0 < 30; CES: n = 0 < 30"
    styled = sat.summary_style(table, sat.short_min_ns()).to_html()
    assert "font-style: italic" in styled


def _shift_row(**kw) -> dict:
    row = {"group": "Southwest", "dimension": "region", "split_at": date(2026, 3, 1), "stat": 5.0}
    row |= {"value": 0.0, "n": 400, "ci_low": -10.0, "ci_high": 10.0}
    row |= {"value_before": 40.0, "n_before": 900, "ci_low_before": 33.0, "ci_high_before": 46.0}
    return row | kw


def test_takeaway_names_the_group_whose_nps_fell() -> None:
    shifts = sat.shift_table({"region": pl.DataFrame([_shift_row()]).drop("dimension")})
    assert shifts["significant"].to_list() == [True]
    text = sat.takeaway_text(shifts, {"value": 33.6, "n": 612}, "month")
    assert text == (
        "**Southwest** NPS fell from **+40** to **+0** from Mar 2026 on (n = 900 vs 400 answers; "
        "the 95 % intervals do not overlap). Latest overall NPS +34 (n = 612)."
    )


def test_takeaway_ignores_moves_inside_the_intervals() -> None:
    row = _shift_row(ci_high=35.0)  # overlaps the before interval (33-46)
    shifts = sat.shift_table({"segment": pl.DataFrame([row]).drop("dimension")})
    assert shifts["significant"].to_list() == [False]
    text = sat.takeaway_text(shifts, None, "month")
    assert text == "No segment's or region's NPS moved beyond its 95 % interval in this window."


# ---------------------------------------------------------------- the page under AppTest


def run(query: dict | None = None, chart: str | None = None) -> AppTest:
    return run_page("pages/satisfaction.py", {**(query or {}), **({"chart": chart} if chart else {})}, timeout=120)


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]


def test_page_shows_the_planted_nps_drop_on_top() -> None:
    at = run()
    text = at.markdown[0].value
    assert text.startswith(f"**{STORY.region}** NPS fell from")
    before = float(text.split("fell from **")[1].split("**")[0])
    after = float(text.split("** to **")[1].split("**")[0])
    assert before >= 25 and after <= 10, (before, after)
    assert len(at.metric) == 3 and at.metric[0].value.startswith(("+", "-"))  # NPS, CSAT, CES (stars: their tab)
    captions = " ".join(c.value for c in at.caption)
    assert "n = " in captions and "95 % CI" in captions


def test_split_comes_from_the_url_and_drives_the_breakdown() -> None:
    at = run({"split": "region"})  # a link with split= and no tab= opens the breakdown's tab
    assert at.get("button_group")[0].value == "region"
    assert [t.label for t in at.tabs] == ["Scores", "Public reviews", "By segment or region"]
    table = at.dataframe[0].value
    assert sorted(table["region"]) == sorted(STORY.regions)
    titles = chart_titles(at)
    assert "Net Promoter Score by region" in titles and "NPS scores by region, 0 to 10" in titles
    assert len(titles) == 7  # NPS trend and mix above the tabs, the breakdown's five


def chart_data(chart) -> pl.DataFrame:
    """The rows a drawn chart carries (Streamlit ships them as Arrow next to the spec)."""
    return pl.concat([pl.from_arrow(pa.ipc.open_stream(d.data.data).read_all()) for d in chart.proto.datasets])


def test_default_split_is_segment_with_small_groups_flagged() -> None:
    at = run({"grain": "week", "tab": "By segment or region"})
    assert at.get("button_group")[0].value == "segment"
    charts = {json.loads(c.proto.spec)["title"]["text"]: c for c in at.get("vega_lite_chart")}
    rows = chart_data(charts["Net Promoter Score by segment"])
    assert any(label.startswith(STORY.focus_segment + " (n = ") for label in rows["label"].unique())
    low = rows.filter(pl.col("n") < metrics.spec(sat.NPS).min_n)
    assert low.height, "weekly answers per segment fall below min n"
    assert low["trust"].unique().to_list() == ["below min n: too few to trust"], "and stay visible, flagged"


def test_tampered_split_falls_back_with_a_notice() -> None:
    at = run({"split": "carrier"})
    assert at.get("button_group")[0].value == "segment"
    assert any("ignored" in c.value and "split=carrier" in c.value for c in at.caption)


def test_single_chart_link_draws_only_that_chart() -> None:
    at = run({"split": "region"}, chart="satisfaction-score-distribution")
    assert chart_titles(at) == ["How customers score us, 0 to 10"]
    assert not at.metric and not at.dataframe


def test_review_stars_section_counts_star_only_reviews() -> None:
    at = run({"tab": "Public reviews"})
    assert len(at.metric) == 4  # the three above the tabs and review stars
    tables = generate()
    stars = metrics.compute(sat.STARS, tables, grain="all").row(0, named=True)
    line = next(m.value for m in at.markdown if "give 4 or 5 stars" in m.value)
    assert f"of {stars['n']:,} reviews" in line and f"**{stars['share_positive']:.0%}**" in line
    # The interval with the app's one rule (ui.format.interval), not rounded to whole percents ("95 % CI 12%–12%").
    low, high = stars["positive_ci_low"], stars["positive_ci_high"]
    assert f"(95 % CI {100 * low:.1f}% – {100 * high:.1f}%)" in line, line
    assert stars["n"] > tables["reviews"].get_column("text").drop_nulls().len()  # star-only ones included
    titles = chart_titles(at)
    assert {"Review rating (stars)", "Review stars by site", "Review stars by region"} <= set(titles)
    by_site = {json.loads(c.proto.spec)["title"]["text"]: c for c in at.get("vega_lite_chart")}["Review stars by site"]
    assert set(chart_data(by_site)["source"]) == {"trustpilot", "google", "yelp"}
