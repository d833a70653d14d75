"""Intervals and period helpers against values computed by hand or from statistical tables."""

from __future__ import annotations

from datetime import date, timedelta

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import _ci
from metrics.intervals import add_interval, t_quantile
from metrics.periods import bucket, bucket_index, days_between, next_bucket
from tests.metric_shapes import as_duckdb

# Two-sided 95 % t quantiles from statistical tables.
T_TABLE = {1: 12.7062, 2: 4.3027, 3: 3.1824, 5: 2.5706, 10: 2.2281, 29: 2.0452, 30: 2.0423, 31: 2.0395, 60: 2.0003}


@pytest.mark.parametrize(("df", "expected"), T_TABLE.items())
def test_t_quantile_matches_tables(df, expected):
    assert pl.select(t_quantile(pl.lit(df))).item() == pytest.approx(expected, abs=1e-4)


def test_t_quantile_no_degrees_of_freedom_is_null():
    assert pl.select(t_quantile(pl.lit(0))).item() is None


def test_wilson_known_values_and_exact_ends():
    frame = pl.DataFrame({"n": [10, 10, 10], "successes": [0, 5, 10]})
    got = add_interval(frame, "wilson")
    assert got["ci_low"].to_list() == pytest.approx([0.0, 0.2366, 0.7225], abs=1e-4)
    assert got["ci_high"].to_list() == pytest.approx([0.2775, 0.7634, 1.0], abs=1e-4)
    assert got["ci_low"][0] == 0.0 and got["ci_high"][2] == 1.0


def test_nps_interval_rocks_example_and_clipping():
    frame = pl.DataFrame({"n": [100, 100], "promoters": [50, 100], "detractors": [20, 0]})
    got = add_interval(frame, "nps")
    assert got["ci_low"][0] == pytest.approx(14.05, abs=0.01) and got["ci_high"][0] == pytest.approx(44.20, abs=0.01)
    assert got["ci_high"][1] == 100.0


def test_none_interval_adds_null_bounds():
    got = add_interval(pl.DataFrame({"n": [3], "value": [1.0]}), "none")
    assert got["ci_low"].to_list() == [None] and got["ci_high"].dtype == pl.Float64


@given(n=st.integers(1, 500), data=st.data())
def test_wilson_contains_rate_and_stays_in_unit_interval(n, data):
    k = data.draw(st.integers(0, n))
    row = add_interval(pl.DataFrame({"n": [n], "successes": [k]}), "wilson").row(0, named=True)
    assert 0 <= row["ci_low"] <= k / n <= row["ci_high"] <= 1


@given(n=st.integers(2, 300), data=st.data())
def test_nps_interval_contains_score_from_two_answers(n, data):
    p = data.draw(st.integers(0, n))
    d = data.draw(st.integers(0, n - p))
    row = add_interval(pl.DataFrame({"n": [n], "promoters": [p], "detractors": [d]}), "nps").row(0, named=True)
    assert -100 <= row["ci_low"] <= 100 * (p - d) / n + 1e-9 and 100 * (p - d) / n - 1e-9 <= row["ci_high"] <= 100


DAYS = pl.DataFrame({"d": [date(1968, 12, 25) + timedelta(days=i) for i in range(0, 3000)]})


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_bucket_helpers_agree_across_backends_and_chain(grain):
    results = []
    for frame in (DAYS.lazy(), as_duckdb({"days": DAYS})["days"]):
        out = nw.from_native(frame).with_columns(
            b=bucket("d", grain), i=bucket_index("d", grain), nx=next_bucket("d", grain)
        )
        results.append(out.collect().to_polars().sort("d"))
    assert results[0].equals(results[1])
    buckets = results[0].select("b", "i", "nx").unique().sort("b")
    assert buckets["i"].diff().drop_nulls().eq(1).all()  # consecutive buckets are one index apart
    assert buckets["nx"][:-1].to_list() == buckets["b"][1:].to_list()  # the next bucket is the following one
    if grain == "week":
        assert buckets["b"].dt.weekday().eq(1).all()  # Monday


def test_days_between_on_both_backends():
    frame = pl.DataFrame(
        {"a": [date(2024, 2, 27), date(2024, 3, 1), None], "b": [date(2024, 3, 1), date(2024, 2, 27), None]}
    )
    for native in (frame.lazy(), as_duckdb({"t": frame})["t"]):
        got = nw.from_native(native).select(days=days_between("a", "b")).collect().to_polars()
        assert got["days"].to_list() == [3, -3, None]  # 2024 is a leap year


@settings(max_examples=40)
@given(n=st.integers(1, 400), data=st.data())
def test_one_formula_gives_the_same_bounds_in_polars_and_inside_a_duckdb_query(n, data):
    """Cards (Polars, metrics/intervals.py) and table metrics (narwhals, metrics/_ci.py) share one formula."""
    k = data.draw(st.integers(0, n))
    p = data.draw(st.integers(0, n))
    d = data.draw(st.integers(0, n - p))
    frame = pl.DataFrame({"n": [n], "successes": [k], "promoters": [p], "detractors": [d]})
    wilson = add_interval(frame, "wilson").row(0, named=True)
    nps = add_interval(frame, "nps").row(0, named=True)
    lazy = nw.from_native(as_duckdb({"t": frame})["t"])
    w_low, w_high = _ci.wilson(nw.col("successes"), nw.col("n"))
    n_low, n_high = _ci.nps(nw.col("n"), nw.col("promoters"), nw.col("detractors"))
    row = lazy.select(w_low=w_low, w_high=w_high, n_low=n_low, n_high=n_high).collect().to_polars().row(0, named=True)
    assert (row["w_low"], row["w_high"]) == pytest.approx((wilson["ci_low"], wilson["ci_high"]), abs=1e-12)
    assert (row["n_low"], row["n_high"]) == pytest.approx((nps["ci_low"], nps["ci_high"]), abs=1e-9)
