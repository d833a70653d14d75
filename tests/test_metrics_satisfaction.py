"""Satisfaction metrics: known answers by hand, the DuckDB SQL reference, backends agree, invariants."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from connectors.contract import SURVEY_RANGES
from metrics import compute
from metrics.intervals import add_interval
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import satisfaction as ref


def _answers(survey: str, scores: list[int], day: date = date(2024, 3, 5)) -> dict[str, pl.DataFrame]:
    rows = [{"response_id": f"r{i}", "responded_at": day, "survey": survey, "score": s} for i, s in enumerate(scores)]
    other = [{"response_id": "x", "responded_at": day, "survey": "csat" if survey != "csat" else "nps", "score": 1}]
    return {"responses": ms.frame("responses", rows + other)}


def test_nps_of_every_score_once():
    got = compute("satisfaction.nps", _answers("nps", list(range(11)))).row(0, named=True)
    assert (got["n"], got["promoters"], got["passives"], got["detractors"]) == (11, 2, 2, 7)
    assert got["value"] == pytest.approx(-45.4545, abs=1e-4)


def test_nps_interval_rocks_2016():
    got = compute("satisfaction.nps", _answers("nps", [10] * 50 + [7] * 30 + [3] * 20)).row(0, named=True)
    assert got["value"] == pytest.approx(30)
    assert round(got["ci_low"], 1) == 14.1 and round(got["ci_high"], 1) == 44.2


def test_csat_and_ces_known_answers():
    csat = compute("satisfaction.csat", _answers("csat", [5, 4, 3, 1])).row(0, named=True)
    assert (csat["n"], csat["successes"], csat["value"]) == (4, 2, 0.5)
    # Wilson for 2 of 4 by hand: centre 0.5, half = 1.96·sqrt(1/16 + 1.96²/64) / (1 + 1.96²/4)
    z = 1.959963984540054
    half = z * (0.25 / 4 + z**2 / 64) ** 0.5 / (1 + z**2 / 4)
    assert csat["ci_low"] == pytest.approx(0.5 - half) and csat["ci_high"] == pytest.approx(0.5 + half)
    ces = compute("satisfaction.ces", _answers("ces", [7, 5, 3, 1])).row(0, named=True)
    assert (ces["n"], ces["value"], ces["share_easy"]) == (4, 4.0, 0.5)
    # t interval: 4 ± t(0.975, 3) · sd / 2, sd = sqrt(20/3), t(0.975, 3) = 3.18245 (tables)
    assert ces["ci_high"] == pytest.approx(4 + 3.182446 * (20 / 3) ** 0.5 / 2, abs=1e-5)


def test_wrong_survey_and_out_of_range_scores_do_not_count():
    got = compute("satisfaction.csat", _answers("csat", [5, 9, 0]))
    assert got.select("n", "successes").rows() == [(1, 1)]


NAMES = {
    "satisfaction.nps": (ref.nps, ["n", "promoters", "passives", "detractors", "value"], "nps"),
    "satisfaction.csat": (ref.csat, ["n", "successes", "value"], "wilson"),
    "satisfaction.ces": (ref.ces, ["n", "value", "share_easy"], "t"),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), [("month", ()), ("week", ("region",)), ("year", ("segment",)), ("all", ())])
def test_matches_sql_reference_on_both_backends(name, shape, grain, by):
    reference, columns, interval = NAMES[name]
    tables = {"responses": ms.responses(shape)}
    expected = add_interval(reference(tables["responses"], grain, by), interval)  # interval from the SQL's counts
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute(name, frames, grain=grain, by=list(by))
        assert_matches(got, expected, ["period", *by], [*columns, "ci_low", "ci_high"], tol=1e-9)
    assert got.height == expected.height


answers = st.lists(
    st.tuples(st.dates(date(2024, 1, 1), date(2024, 4, 30)), st.sampled_from(list(SURVEY_RANGES)), st.integers(0, 10)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60)
@given(rows=answers, seed=st.integers(0, 1000))
def test_invariants(rows, seed):
    frame = ms.frame(
        "responses",
        [{"response_id": f"r{i}", "responded_at": d, "survey": s, "score": x} for i, (d, s, x) in enumerate(rows)],
    )
    tables = {"responses": frame}
    for name in NAMES:
        got = compute(name, tables, grain="month")
        assert_frame_equal(
            got, compute(name, ms.shuffled(tables, seed), grain="month"), check_exact=False, abs_tol=1e-9
        )
        bounded = got.filter(pl.col("n") >= 2).drop_nulls("ci_low")  # NPS adjusted Wald may exclude n = 1 scores
        assert (bounded["ci_low"] <= bounded["value"] + 1e-9).all()
        assert (bounded["value"] <= bounded["ci_high"] + 1e-9).all()
        low, high = {"satisfaction.nps": (-100, 100), "satisfaction.csat": (0, 1), "satisfaction.ces": (1, 7)}[name]
        assert got["value"].is_between(low, high).all()
        if name != "satisfaction.ces":  # a t interval can leave the 1-7 scale
            assert got.drop_nulls("ci_low")["ci_low"].is_between(low, high).all()
            assert got.drop_nulls("ci_high")["ci_high"].is_between(low, high).all()
