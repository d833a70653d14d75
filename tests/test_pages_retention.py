"""The retention page: its data shaping (known answers, properties) and the page under AppTest."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from connectors.sample import STORY, generate
from metrics.analysis.shifts import largest_shift
from tests.apptest import every_tab, in_every_tab, run_page
from ui.retention import data as rt

# ---------------------------------------------------------------- largest_shift


def test_largest_shift_finds_the_step_by_hand() -> None:
    # Weights 10 each; values .5 .5 .5 .2 .2 .2: the cut before row 4 gives means .5 and .2,
    # stat = 30 * 30 / 60 * 0.3² = 1.35. Any other cut mixes the levels and scores lower.
    frame = pl.DataFrame({"c": [1, 2, 3, 4, 5, 6], "w": [10] * 6, "v": [0.5, 0.5, 0.5, 0.2, 0.2, 0.2]})
    row = largest_shift(frame, "c", "w", "v", min_weight=1).row(0, named=True)
    assert row["split_at"] == 4
    assert row["before"] == pytest.approx(0.5) and row["after"] == pytest.approx(0.2)
    assert row["stat"] == pytest.approx(1.35)


def test_largest_shift_weights_by_size_and_works_per_group() -> None:
    # Group a: before = (100*.4 + 300*.6) / 400 = .55 over rows 1-2, after = .1 over rows 3-4.
    frame = pl.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "c": [1, 2, 3, 4] * 2,
            "w": [100, 300, 50, 50, 10, 10, 10, 10],
            "v": [0.4, 0.6, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3],
        }
    )
    out = largest_shift(frame, "c", "w", "v", by=("g",), min_weight=1)
    a = out.filter(pl.col("g") == "a").row(0, named=True)
    assert a["split_at"] == 3 and a["before"] == pytest.approx(0.55) and a["after"] == pytest.approx(0.1)
    b = out.filter(pl.col("g") == "b").row(0, named=True)
    assert b["stat"] == pytest.approx(0.0), "a flat series has no shift"


def test_largest_shift_respects_minimum_points_and_weight() -> None:
    frame = pl.DataFrame({"c": [1, 2, 3], "w": [10, 10, 10], "v": [0.9, 0.1, 0.1]})
    assert largest_shift(frame, "c", "w", "v", min_points=2, min_weight=1).is_empty(), "3 rows cannot give 2 + 2"
    frame = pl.DataFrame({"c": [1, 2, 3, 4], "w": [5, 5, 5, 5], "v": [0.9, 0.9, 0.1, 0.1]})
    assert largest_shift(frame, "c", "w", "v", min_weight=30).is_empty(), "each side needs min_weight"


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(1, 500), st.floats(0, 1, allow_nan=False)),
        min_size=4,
        max_size=14,
    )
)
def test_largest_shift_is_the_best_cut_of_pooled_means(rows: list[tuple[int, float]]) -> None:
    weights = [w for w, _ in rows]
    values = [v for _, v in rows]
    frame = pl.DataFrame({"c": list(range(len(rows))), "w": weights, "v": values})
    got = largest_shift(frame, "c", "w", "v", min_weight=0).row(0, named=True)
    cuts = []
    for cut in range(2, len(rows) - 1):  # brute force over every cut with 2+ rows a side
        wb, wa = sum(weights[:cut]), sum(weights[cut:])
        mb = sum(w * v for w, v in rows[:cut]) / wb
        ma = sum(w * v for w, v in rows[cut:]) / wa
        cuts.append((wb * wa / (wb + wa) * (mb - ma) ** 2, mb, ma))
    best = max(stat for stat, _, _ in cuts)
    assert got["stat"] == pytest.approx(best, abs=1e-9)
    # Cuts whose statistics tie (a repeating series) are equally right: the answer must be one of them.
    tied = [(mb, ma) for stat, mb, ma in cuts if stat == pytest.approx(best, abs=1e-9)]
    assert any(got["before"] == pytest.approx(mb) and got["after"] == pytest.approx(ma) for mb, ma in tied)


# ---------------------------------------------------------------- heatmap, curves


def _cohort_frame() -> pl.DataFrame:
    """Two monthly cohorts as retention.cohort returns them; March is still open."""
    return pl.DataFrame(
        {
            "cohort": [date(2026, 1, 1)] * 3 + [date(2026, 2, 1)] * 2,
            "period": [0, 1, 2, 0, 1],
            "cohort_size": [10, 10, 10, 30, 30],
            "active": [10, 5, 0, 30, 3],
            "value": [1.0, 0.5, 0.0, 1.0, 0.1],
            "complete": [True, True, False, True, False],
        }
    )


def test_heatmap_cells_mark_open_cells_and_never_read_zero() -> None:
    cells = rt.heatmap_cells(_cohort_frame(), "month")
    assert cells.get_column("period").min() == 1, "period 0 (always 100 %) is left to the size column"
    texts = dict(zip(zip(cells["cohort"], cells["period"], strict=True), cells["text"], strict=True))
    assert texts[(date(2026, 1, 1), 1)] == "50%"
    assert texts[(date(2026, 1, 1), 2)] == "open", "an open cell where nobody came back yet is not a 0"
    assert texts[(date(2026, 2, 1), 1)] == "≥10%", "an open cell is a lower bound"
    assert set(cells.filter(~pl.col("complete"))["status"]) == {rt.OPEN}
    assert cells["cohort_label"].to_list() == ["Jan 2026", "Jan 2026", "Feb 2026"]


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 50), st.booleans()), min_size=1, max_size=20))
def test_no_open_cell_ever_reads_zero(cells: list[tuple[int, int, bool]]) -> None:
    frame = pl.DataFrame(
        {
            "cohort": [date(2026, 1, 1)] * len(cells),
            "period": list(range(1, len(cells) + 1)),
            "cohort_size": [s for s, _, _ in cells],
            "active": [min(a, s) for s, a, _ in cells],
            "complete": [c for _, _, c in cells],
        }
    ).with_columns(value=pl.col("active") / pl.col("cohort_size"))
    out = rt.heatmap_cells(frame, "week")
    open_texts = out.filter(~pl.col("complete"))["text"].to_list()
    assert all(t == "open" or t.startswith("≥") for t in open_texts)
    assert out.height == len(cells)


def test_mean_curve_is_size_weighted_over_finished_cells() -> None:
    curve = rt.mean_curve(_cohort_frame())
    by_period = {r["period"]: r for r in curve.to_dicts()}
    # Period 0: (10 + 30) / (10 + 30) = 1. Period 1: only January has finished: 5 / 10.
    assert by_period[0]["value"] == pytest.approx(1.0) and by_period[0]["n"] == 40
    assert by_period[1]["value"] == pytest.approx(0.5) and by_period[1]["cohorts"] == 1
    assert 2 not in by_period, "no cohort has finished period 2"
    assert by_period[1]["ci_low"] < 0.5 < by_period[1]["ci_high"]


def test_cohort_sizes_flag_a_cohort_still_joining() -> None:
    frame = _cohort_frame().with_columns(
        complete=pl.when(pl.col("cohort") == date(2026, 2, 1)).then(False).otherwise(pl.col("complete"))
    )
    sizes = rt.cohort_sizes(frame, "month")
    assert sizes["cohort_size"].to_list() == [10, 30]
    assert sizes["status"].to_list() == [rt.COMPLETE, rt.OPEN]


# ---------------------------------------------------------------- takeaway


def _regional_cells() -> pl.DataFrame:
    """Next-period cells: region B drops from 40 % to 10 % from April; A stays at 40 %."""
    months = [date(2026, m, 1) for m in range(1, 7)]
    rows = []
    for region, late in (("A", 0.4), ("B", 0.1)):
        for m in months:
            value = late if m >= date(2026, 4, 1) else 0.4
            rows.append({"cohort": m, "region": region, "cohort_size": 200, "active": int(200 * value)})
    return pl.DataFrame(rows).with_columns(value=pl.col("active") / pl.col("cohort_size"))


def test_takeaway_names_the_region_that_dropped() -> None:
    cells = _regional_cells()
    shifts = rt.retention_shifts(cells, ("region",), 30)
    b = shifts.filter(pl.col("region") == "B").row(0, named=True)
    assert b["significant"] and b["split_at"] == date(2026, 4, 1) and b["n_after"] == 600
    overall = cells.group_by("cohort").agg(pl.col("cohort_size", "active").sum()).sort("cohort")
    overall = overall.with_columns(value=pl.col("active") / pl.col("cohort_size"))
    text = rt.takeaway_text(shifts, "region", overall, "return_on", "month", 30)
    assert text.startswith("**B** retains worse for customers who first ordered from Apr 2026 on: 10%")
    assert "down from 40%" in text and "n = 600 vs 600" in text
    # Weakest cohort: any of Apr-Jun at (80 + 20) / 400 = 25 %; pooled overall = (6*80 + 3*80 + 3*20) / 2400.
    assert "Weakest cohort: Apr 2026, 25%" in text and "vs 32% across all cohorts" in text


def test_takeaway_says_when_nothing_moved() -> None:
    cells = _regional_cells().filter(pl.col("region") == "A")
    text = rt.takeaway_text(rt.retention_shifts(cells, ("region",), 30), "region", cells, "return_on", "month", 30)
    assert text.startswith("No region's next-month retention moved beyond its 95 % interval")
    empty = cells.head(0)
    assert "No cohort has a finished next month" in rt.takeaway_text(empty, None, empty, "return_on", "month", 30)


# ---------------------------------------------------------------- the page under AppTest


def run(query: dict | None = None, chart: str | None = None) -> AppTest:
    return run_page("pages/retention.py", {**(query or {}), **({"chart": chart} if chart else {})}, timeout=120)


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]


def test_page_renders_cards_charts_and_n() -> None:
    runs = every_tab("pages/retention.py", timeout=120)
    at = runs["Cohort heatmap"]
    assert list(runs) == ["Cohort heatmap", "Retention curves", "Churn and repeat purchase", "Revenue retention"]
    assert at.title[0].value == "Retention"
    assert [m.label for m in at.metric] and len(at.metric) == 4
    captions = " ".join(c.value for c in in_every_tab(runs, "caption"))
    assert "n = " in captions and "no interval" in captions, "GRR and NRR say they have no interval"
    assert len(chart_titles(at)) == 1, "only the open tab's charts are drawn"
    titles = [t for run in runs.values() for t in chart_titles(run)]
    assert any(t.startswith("Cohort retention by month") for t in titles)
    assert any(t.startswith("Retention curves") for t in titles)
    assert any("Gross (GRR) and net (NRR)" in t for t in titles)
    assert len(titles) == 6
    assert at.get("button_group")[0].value == "return_on"


def test_takeaway_shows_the_planted_region_drop() -> None:
    at = run({"region": STORY.region})
    text = at.markdown[0].value
    assert text.startswith(f"**{STORY.region}** retains worse")
    since = text.split("first ordered from ")[1].split(" on:")[0]
    assert since in ("Feb 2026", "Mar 2026", "Apr 2026"), since
    note = " ".join(c.value for c in at.caption)
    assert "does not apply" not in note, "the region filter reaches revenue through the customers table"


def test_mode_and_grain_come_from_the_url() -> None:
    at = run({"mode": "on_or_after", "grain": "quarter"})
    assert at.get("button_group")[0].value == "on_or_after"
    heatmap = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart") if "hconcat" in json.loads(c.proto.spec))
    assert heatmap["title"]["text"] == "Cohort retention by quarter of first order"
    assert "on_or_after" in " ".join(heatmap["title"]["subtitle"])
    assert "Read in return_on mode" in at.markdown[0].value


def test_cohort_mode_buttons_read_as_words_while_the_link_keeps_the_code() -> None:
    at = run({"mode": "on_or_after"})
    control = at.get("button_group")[0]
    assert control.options == ["Ordered that period", "Ordered that period or later"]  # not return_on, on_or_after
    assert control.value == "on_or_after"
    assert at.query_params["mode"] == "on_or_after", "a saved link's value stays as it is"
    control.set_value("return_on").run()
    assert "mode" not in at.query_params, "the default drops out of the link, as a bound control's does"
    assert "Read in return_on mode" not in at.markdown[0].value
    at.get("button_group")[0].set_value("on_or_after").run()
    assert at.query_params["mode"] == "on_or_after", "a click writes the code, not the words"
    assert "Read in return_on mode" in at.markdown[0].value


def _bound_with_labels() -> None:
    import streamlit as st

    labels = {"return_on": "Ordered that period", "on_or_after": "Ordered that period or later"}
    st.segmented_control(
        "Cohort mode", tuple(labels), format_func=labels.get, default="return_on", key="mode", bind="query-params"
    )


def test_a_bound_control_with_labels_would_break_saved_links() -> None:
    """Why ui.state.segmented_labelled binds the mode to the URL by hand: Streamlit (1.67) keeps a bound control's
    shown text in the URL (its wire value is the formatted option), so with a format_func a saved link's
    `mode=on_or_after` is ignored and dropped, and the link would carry the words. If this starts failing,
    bind="query-params" keeps options in the URL, and the hand binding can go."""
    saved = AppTest.from_function(_bound_with_labels)
    saved.query_params["mode"] = "on_or_after"
    saved.run()
    assert saved.get("button_group")[0].value == "return_on", "a saved link's code is not understood"
    assert "mode" not in saved.query_params, "and is dropped from the link"
    words = AppTest.from_function(_bound_with_labels)
    words.query_params["mode"] = "Ordered that period or later"
    words.run()
    assert words.get("button_group")[0].value == "on_or_after", "the value in the URL is the label"
    assert words.query_params["mode"] == "Ordered that period or later"


def test_tampered_mode_falls_back_with_a_notice() -> None:
    at = run({"mode": "<b>everything</b>"})
    assert at.get("button_group")[0].value == "return_on"
    assert any("ignored" in c.value and "mode=" in c.value for c in at.caption)
    assert not at.error


def test_single_chart_link_draws_only_that_chart() -> None:
    at = run(chart="retention-curves")
    assert chart_titles(at) == ["Retention curves: each cohort (grey) and their mean weighted by cohort size (orange)"]
    assert not at.metric, "no cards on a single-chart link"


def test_a_view_with_no_orders_says_so_instead_of_drawing_cohorts(tmp_path, monkeypatch) -> None:
    """West customers exist, but none of the orders left are West Clinics ones: the cohort section explains."""
    orders = generate().get("orders")
    orders.filter(~((pl.col("region") == "West") & (pl.col("segment") == "Clinics"))).write_parquet(
        tmp_path / "orders.parquet"
    )
    sources = tmp_path / "sources.toml"
    tables = "".join(f'[tables.{t}]\nkind = "sample"\n\n' for t in ("responses", "reviews", "notes", "customers"))
    sources.write_text(tables + f'[tables.orders]\nkind = "parquet"\npath = "{tmp_path / "orders.parquet"}"\n')
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(sources))
    at = run({"region": "West", "segment": "Clinics"})
    # (the GRR/NRR cards say in their own boxes that this data has no revenue table)
    assert "No orders in this view: widen the dates or clear filters." in [i.value for i in at.info]
    assert not any(t.startswith("Cohort retention") for t in chart_titles(at))
