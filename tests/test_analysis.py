"""metrics/analysis: one home for period names, open buckets, changes and the NPS distribution."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metrics
from connectors.sample import STORY
from metrics.analysis import change, periods
from metrics.analysis.distribution import score_counts
from tests.apptest import captions, run_page

# --- period names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grain", "start", "label"),
    [
        ("day", date(2026, 10, 14), "14 Oct 2026"),
        ("week", date(2026, 10, 12), "week of 12 Oct 2026"),
        ("month", date(2026, 10, 1), "Oct 2026"),
        ("quarter", date(2026, 10, 1), "Q4 2026"),
        ("year", date(2026, 1, 1), "2026"),
        ("all", None, "the whole window"),
    ],
)
def test_a_bucket_has_one_name_as_expression_and_as_text(grain, start, label):
    assert periods.label_of(start, grain) == label
    assert periods.label_of(start, grain, complete=False) == (label if grain == "all" else f"{label} so far")
    frame = pl.DataFrame({"period": [start or date(2026, 1, 1)]}, schema={"period": pl.Date})
    assert frame.select(periods.label("period", grain)).item() == label
    marked = frame.with_columns(complete=pl.lit(False)).select(periods.label_marked("period", grain)).item()
    assert marked == periods.label_of(start, grain, complete=False) or grain == "all"


def test_the_weekly_gap_sentence_names_the_week_like_the_cards():
    """Was: cards said 'week of 26 Oct 2026', the gap sentence 'Oct 2026' (a fixed %b %Y)."""
    at = run_page("pages/delivery.py", {"region": STORY.region, "grain": "week"}, timeout=180)
    sentence = next(m.value for m in at.markdown if "gap of" in m.value)
    assert sentence.startswith("**week of "), sentence
    card_labels = [m.label for m in at.metric]
    assert card_labels and all(label.startswith("week of ") for label in card_labels), card_labels


# --- open buckets -------------------------------------------------------------------------------------------

LAST = date(2026, 10, 31)  # a Saturday: the sample data's last day


@pytest.mark.parametrize(
    ("grain", "start", "until", "complete"),
    [
        ("week", date(2026, 10, 19), LAST, True),  # Mon 19 - Sun 25 Oct
        ("week", date(2026, 10, 26), LAST, False),  # Mon 26 Oct - Sun 1 Nov: one day short
        ("week", date(2026, 10, 26), date(2026, 11, 1), True),
        ("month", date(2026, 10, 1), LAST, True),
        ("month", date(2026, 10, 1), date(2026, 10, 15), False),  # the window ends mid-month
        ("month", date(2026, 9, 1), date(2026, 10, 15), True),
        ("quarter", date(2026, 7, 1), LAST, True),
        ("quarter", date(2026, 10, 1), LAST, False),  # Q4 holds October alone
        ("quarter", date(2026, 10, 1), date(2026, 12, 31), True),
        ("month", date(2026, 10, 1), None, True),  # nothing known: nothing marked open
    ],
)
def test_a_bucket_is_complete_when_it_ends_by_the_last_day_seen(grain, start, until, complete):
    frame = periods.mark_complete(pl.DataFrame({"period": [start]}), grain, until)
    assert frame.get_column("complete").item() is complete
    if until is not None:
        assert (periods.last_day(start, grain) <= until) is complete


def test_through_is_the_earlier_of_the_data_and_the_window():
    assert periods.through(LAST, date(2026, 9, 30)) == date(2026, 9, 30)
    assert periods.through(LAST, date(2027, 1, 1)) == LAST
    assert periods.through(None, None) is None


def _series(values: list[float], complete: list[bool], n: int = 400) -> pl.DataFrame:
    starts = [date(2026, 1, 1) + timedelta(days=91 * i) for i in range(len(values))]
    half = 0.02
    return pl.DataFrame(
        {
            "period": starts,
            "n": [n] * len(values),
            "value": values,
            "ci_low": [v - half for v in values],
            "ci_high": [v + half for v in values],
            "complete": complete,
        }
    )


def test_an_open_bucket_is_never_compared_with_a_finished_one():
    jump_in_open = _series([0.38, 0.39, 0.63], [True, True, False])
    assert change.significant_change(jump_in_open, 30) is None
    now, before = change.latest_two(jump_in_open)
    assert (now["value"], before["value"]) == (0.39, 0.38)
    assert change.finished_and_open(jump_in_open)[1]["value"] == 0.63
    finished_jump = _series([0.38, 0.39, 0.63], [True, True, True])
    moved = change.significant_change(finished_jump, 30)
    assert moved is not None and moved[1]["value"] == 0.63


def _twins(n: list[int]) -> pl.DataFrame:
    """Two lenses over a finished September and an open October, with these n (shipped, received per month)."""
    return pl.DataFrame(
        {
            "lens": ["shipped", "received", "shipped", "received"],
            "period": [date(2026, 9, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 10, 1)],
            "n": n,
            "value": [0.95, 0.90, 0.97, 0.70],
            "complete": [True, True, False, False],
        }
    )


def test_the_latest_gap_is_read_within_one_period_and_says_whether_it_is_open():
    twins = _twins([100, 100, 40, 40])
    gap = change.latest_gap(twins, "shipped", "received")
    assert gap is not None and gap["period"] == date(2026, 10, 1) and gap["complete"] is False
    assert gap["gap_pts"] == pytest.approx(-27.0)
    assert change.latest_gap(twins.filter(pl.col("lens") == "shipped"), "shipped", "received") is None


@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
def test_the_overview_shows_an_open_last_period_as_so_far_and_never_compares_it(grain):
    at = run_page(None, {"grain": grain}, timeout=180)
    text = captions(at)
    last_start = {"week": date(2026, 10, 26), "month": date(2026, 10, 1), "quarter": date(2026, 10, 1)}[grain]
    open_label = periods.label_of(last_start, grain, complete=False)
    changed = " ".join(m.value for m in at.markdown if "the 95 % intervals do not overlap" in m.value)
    card_labels = [m.label for m in at.metric]
    if grain == "month":  # October 2026 ends on the data's last day: finished
        assert "so far" not in text and "Oct 2026" in card_labels
    else:
        assert f"{open_label}: " in text and "still open: not compared" in text, text
        assert periods.label_of(last_start, grain) not in card_labels, card_labels
        assert f"in {periods.label_of(last_start, grain)} " not in changed, changed


# --- NPS distribution ---------------------------------------------------------------------------------------


def test_distribution_counts_what_the_nps_card_counts_under_a_segment_filter():
    """Was: with responses lacking a segment column, the card counted 1 answer and the distribution 3."""
    responses = pl.DataFrame(
        {
            "response_id": ["r1", "r2", "r3"],
            "responded_at": [date(2026, 3, 1)] * 3,
            "survey": ["nps"] * 3,
            "score": [10, 3, 8],
            "customer_id": ["c1", "c2", "c3"],
        }
    )
    customers = pl.DataFrame({"customer_id": ["c1", "c2", "c3"], "segment": ["A", "B", "B"]})
    tables, where = {"responses": responses, "customers": customers}, {"segment": ("A",)}
    nps = metrics.compute("satisfaction.nps", tables, grain="all", where=where)
    counts = score_counts(tables, None, None, where)
    assert nps["n"].item() == 1
    assert counts["count"].sum() == 1 and counts.filter(pl.col("score") == 10)["count"].item() == 1


@settings(max_examples=30)
@given(
    st.lists(
        st.tuples(st.integers(-1, 11), st.sampled_from(["c1", "c2", "c3", "c4"]), st.integers(0, 300)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([("A",), ("B",), ("A", "B")]),
)
def test_distribution_adds_up_to_the_metric_n_through_the_customers_table(rows, segments):
    responses = pl.DataFrame(
        {
            "response_id": [str(i) for i in range(len(rows))],
            "responded_at": [date(2026, 1, 1) + timedelta(days=d) for _, _, d in rows],
            "survey": ["nps"] * len(rows),
            "score": [s for s, _, _ in rows],
            "customer_id": [c for _, c, _ in rows],
        }
    )
    customers = pl.DataFrame({"customer_id": ["c1", "c2", "c3"], "segment": ["A", "B", "A"]})  # c4: unknown
    tables, where = {"responses": responses, "customers": customers}, {"segment": segments}
    start, end = date(2026, 2, 1), date(2026, 9, 30)
    nps = metrics.compute("satisfaction.nps", tables, grain="all", start=start, end=end, where=where)
    counts = score_counts(tables, start, end, where)
    assert counts["count"].sum() == (nps["n"].item() if nps.height else 0)
    for group in ("promoters", "passives", "detractors"):
        got = counts.filter(pl.col("category") == group)["count"].sum()
        assert got == (nps[group].item() if nps.height else 0)


def test_the_nps_mix_names_an_open_quarter_so_far():
    at = run_page("pages/satisfaction.py", {"grain": "quarter"}, timeout=180)
    specs = " ".join(c.proto.spec for c in at.get("vega_lite_chart"))
    assert "Q4 2026 so far" in specs and "Q3 2026" in specs


def test_the_gap_is_read_in_the_last_finished_period_and_the_open_one_only_beside_it():
    """Was: the gap sentence read the latest period, open or not, while the cards read the last finished one."""
    twins = _twins([100, 90, 40, 30])
    finished, still_open = change.finished_and_open_gap(twins, "shipped", "received")
    assert finished is not None and still_open is not None
    assert (finished["period"], finished["complete"], finished["n_inside"], finished["n_outside"]) == (
        date(2026, 9, 1),
        True,
        100,
        90,
    )
    assert finished["gap_pts"] == pytest.approx(-5.0)
    # The same period as a card of either lens shows.
    for lens in ("shipped", "received"):
        assert change.latest_two(twins.filter(pl.col("lens") == lens))[0]["period"] == finished["period"]
    assert (still_open["period"], still_open["complete"]) == (date(2026, 10, 1), False)
    assert still_open["gap_pts"] == pytest.approx(-27.0)
    only_open = change.finished_and_open_gap(twins.filter(~pl.col("complete")), "shipped", "received")
    assert only_open[0] is None and only_open[1] is not None
    unmarked = change.finished_and_open_gap(twins.drop("complete"), "shipped", "received")
    assert unmarked[0] is not None and unmarked[0]["period"] == date(2026, 10, 1) and unmarked[1] is None


def _gap_lines(at) -> list[str]:
    return next(m.value for m in at.markdown if "the gap is read" in m.value or "gap of" in m.value).split("  \n")


def test_the_gap_sentence_speaks_of_the_finished_period_the_cards_show():
    """Was, on /delivery?region=West&segment=Clinics&grain=week: cards on the week of 19 Oct (finished, n = 28),
    the sentence on 'week of 26 Oct 2026 so far' (n = 6) with its gap as the headline."""
    at = run_page("pages/delivery.py", {"region": "West", "segment": "Clinics", "grain": "week"}, timeout=180)
    # n = 28 is below the minimum of 30: the cards are greyed, with their period's name as a caption.
    card_labels = [m.label for m in at.metric] + [c.value for c in at.main.caption if c.value.startswith("week of")]
    finished = periods.label_of(date(2026, 10, 19), "week")
    assert card_labels == [finished, finished], card_labels
    headline, *rest = _gap_lines(at)
    assert headline.startswith(f"**{finished}:**"), headline
    assert "so far" not in headline and "gap of" in headline and "(n = 28)" in headline, headline
    assert headline.endswith(":gray-background[fewer than 30 observations: too few to trust]"), headline
    so_far = periods.label_of(date(2026, 10, 26), "week", complete=False)
    assert rest == [rest[0]] and rest[0].startswith(f":gray[{so_far}: ") and "not compared" in rest[0], rest


def test_without_a_finished_period_the_gap_sentence_says_so():
    at = run_page("pages/delivery.py", {"start": "2026-10-01", "grain": "quarter"}, timeout=180)
    headline, so_far = _gap_lines(at)
    assert headline == "**No finished quarter in this view yet:** the gap is read on finished periods only."
    assert so_far.startswith(":gray[Q4 2026 so far: ") and "gap of" not in so_far, so_far
