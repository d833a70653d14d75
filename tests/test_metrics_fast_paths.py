"""Polars fast paths agree with the portable narwhals path on every metric_shapes shape.

retention.cohort (return_on), retention.repeat_purchase_rate and retention.churn take a Polars-only
route (list aggregations, which narwhals lacks) when the input is Polars;
any other backend (here DuckDB) runs the narwhals route. Same input, both routes, same frame.
"""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from metrics import compute
from tests import metric_shapes as ms

FAST = (
    ("retention.cohort", {"mode": "return_on"}),
    ("retention.cohort", {"mode": "on_or_after"}),
    ("retention.repeat_purchase_rate", {}),
    ("retention.churn", {}),
)


@pytest.mark.parametrize(("name", "options"), FAST, ids=[f"{n}-{o.get('mode', '')}" for n, o in FAST])
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), [("month", ()), ("week", ("region",)), ("day", ()), ("year", ("segment",))])
def test_fast_path_matches_portable_path(name, options, shape, grain, by):
    tables = {"orders": ms.orders(shape, seed=3)}
    fast = compute(name, tables, grain=grain, by=list(by), **options)
    portable = compute(name, ms.as_duckdb(tables), grain=grain, by=list(by), **options)
    assert_frame_equal(fast, portable, check_exact=False, abs_tol=1e-12)
    if shape == "random":
        assert fast.height > 0
