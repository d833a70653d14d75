"""Polars fast paths agree with the portable narwhals path on every metric_shapes shape.

retention.cohort (return_on), retention.repeat_purchase_rate and retention.churn take a Polars-only
route (list aggregations, which narwhals lacks) when the input is Polars;
any other backend (here DuckDB) runs the narwhals route. Same input, both routes, same frame.
"""

from __future__ import annotations

import narwhals as nw
import pytest
from polars.testing import assert_frame_equal

from metrics import compute
from metrics.periods import bucket_index
from metrics.retention import _churn_counts_bitmask
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


def test_churn_bitmask_covers_short_spans_and_leaves_long_ones_to_the_window_path():
    """Month grain on these shapes fits one Int64 bitmask; week grain spans more than 62 buckets and must take
    the portable path, so the comparisons above check both routes on Polars."""
    orders = nw.from_native(ms.orders("random", seed=3)).lazy()
    for grain, fits in (("month", True), ("week", False)):
        active = orders.with_columns(idx=bucket_index("order_date", grain, orders.implementation))
        assert (_churn_counts_bitmask(active, ["customer_id"], ()) is not None) is fits
