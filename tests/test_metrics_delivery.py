"""Delivery metrics: known answers by hand, the DuckDB SQL reference, backends agree, invariants."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from metrics import compute
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import delivery as ref

D = date


def _orders(rows: list[tuple]) -> dict[str, pl.DataFrame]:
    keys = ("order_date", "promised_date", "shipped_date", "delivered_date")
    return {
        "orders": ms.frame(
            "orders",
            [{"order_id": f"o{i}", "customer_id": "c", **dict(zip(keys, r, strict=True))} for i, r in enumerate(rows)],
        )
    }


def test_on_time_known_answer():
    t = _orders(
        [
            (D(2024, 1, 1), D(2024, 1, 5), D(2024, 1, 5), D(2024, 1, 5)),  # on time both ways (same day counts)
            (D(2024, 1, 2), D(2024, 1, 5), D(2024, 1, 4), D(2024, 1, 7)),  # shipped on time, received late
            (D(2024, 1, 3), None, D(2024, 1, 4), D(2024, 1, 5)),  # no promise: excluded
            (D(2024, 1, 4), D(2024, 1, 6), None, None),  # due before the last date, not shipped: late
            (D(2024, 1, 20), D(2024, 1, 25), None, None),  # not yet due (last date is Jan 20): excluded
            (D(2024, 1, 19), D(2024, 1, 22), D(2024, 1, 19), D(2024, 1, 20)),  # done but not yet due: excluded
        ]
    )
    shipped = compute("delivery.on_time_shipped", t)
    received = compute("delivery.on_time_received", t)
    assert shipped.select("period", "n", "successes").rows() == [(D(2024, 1, 1), 3, 2)]
    assert received.select("n", "successes").rows() == [(3, 1)]
    assert shipped["value"][0] == pytest.approx(2 / 3)


def test_lead_time_known_answer():
    t = _orders(
        [
            (D(2024, 1, 1), None, D(2024, 1, 2), D(2024, 1, 5)),  # 1 day to ship, 4 to receive
            (D(2024, 1, 1), None, D(2024, 1, 4), D(2024, 1, 11)),  # 3, 10
            (D(2024, 1, 10), None, D(2024, 1, 20), None),  # 10, not delivered: no customer lead time
            (D(2024, 1, 10), None, None, None),  # not shipped: no lead time at all
            (D(2024, 2, 1), None, D(2024, 2, 1), D(2024, 2, 3)),  # February: 0, 2
        ]
    )
    internal = compute("delivery.lead_time_internal", t)
    assert internal.select("period", "n", "value", "mean").rows() == [
        (D(2024, 1, 1), 3, 3.0, pytest.approx(14 / 3)),
        (D(2024, 2, 1), 1, 0.0, 0.0),
    ]
    assert internal["p90"][0] == pytest.approx(3 + 0.8 * 7)  # linear between the 2nd (3) and 3rd (10) value
    # median interval: 3 ± 1.96·sqrt(pi/2)·sd/sqrt(3), sd of (1, 3, 10) = sqrt(67/3)
    half = 1.959963984540054 * (3.141592653589793 / 2) ** 0.5 * (67 / 3) ** 0.5 / 3**0.5
    assert internal.row(0, named=True)["ci_low"] == pytest.approx(3 - half)
    assert internal["ci_low"][1] is None  # one order: no interval
    customer = compute("delivery.lead_time_customer", t, grain="all")
    assert customer.select("n", "value", "mean").rows() == [(3, 4.0, pytest.approx(16 / 3))]


NAMES = {
    "delivery.on_time_shipped": ("shipped_date", ref.on_time, ["n", "successes", "value"]),
    "delivery.on_time_received": ("delivered_date", ref.on_time, ["n", "successes", "value"]),
    "delivery.lead_time_internal": ("shipped_date", ref.lead_time, ["n", "value", "p90", "mean"]),
    "delivery.lead_time_customer": ("delivered_date", ref.lead_time, ["n", "value", "p90", "mean"]),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize(("grain", "by"), [("month", ()), ("week", ("region",)), ("quarter", ()), ("all", ())])
def test_matches_sql_reference_on_both_backends(name, shape, grain, by):
    col, reference, columns = NAMES[name]
    tables = {"orders": ms.orders(shape)}
    expected = reference(tables["orders"], col, grain, by)
    for frames in (tables, ms.as_duckdb(tables)):
        got = compute(name, frames, grain=grain, by=list(by))
        assert_matches(got, expected, ["period", *by], columns)
    assert got.height == expected.height


dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 6, 30))
order_rows = st.lists(
    st.tuples(dates, st.integers(0, 9), st.none() | st.integers(0, 12), st.none() | st.integers(0, 12)),
    min_size=1,
    max_size=40,
)


def _to_orders(rows) -> dict[str, pl.DataFrame]:
    def after(d: date, *days: int | None) -> date | None:
        return None if None in days else d + timedelta(days=sum(days))

    return _orders([(d, after(d, p), after(d, s), after(d, s, r)) for d, p, s, r in rows])


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(rows=order_rows, seed=st.integers(0, 1000))
def test_invariants(rows, seed):
    tables = _to_orders(rows)
    for name in NAMES:
        got = compute(name, tables, grain="month")
        assert_frame_equal(
            got, compute(name, ms.shuffled(tables, seed), grain="month"), check_exact=False, abs_tol=1e-9
        )
        with_ci = got.drop_nulls("ci_low")
        assert (with_ci["ci_low"] <= with_ci["value"] + 1e-9).all()
        assert (with_ci["value"] <= with_ci["ci_high"] + 1e-9).all()
        if name.startswith("delivery.on_time"):
            assert got["value"].is_between(0, 1).all() and with_ci["ci_low"].is_between(0, 1).all()
        else:
            assert (got["value"] <= got["p90"]).all() and (got["n"] > 0).all()
