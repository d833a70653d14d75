"""Segment metrics: known answers by hand, the DuckDB SQL reference, backends agree, invariants."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from metrics import MetricError, MissingData, compute
from metrics.intervals import nps_adjusted_wald, wilson
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import segments as ref

D = date


def _orders(rows: list[tuple]) -> pl.DataFrame:
    """rows: (customer_id, order_date, amount, segment)."""
    keys = ("customer_id", "order_date", "amount", "segment")
    return ms.frame("orders", [{"order_id": f"o{i}", **dict(zip(keys, r, strict=True))} for i, r in enumerate(rows)])


def _responses(rows: list[tuple]) -> pl.DataFrame:
    """rows: (customer_id, survey, score, segment)."""
    keys = ("customer_id", "survey", "score", "segment")
    return ms.frame(
        "responses",
        [
            {"response_id": f"r{i}", "responded_at": D(2024, 3, 1), **dict(zip(keys, r, strict=True))}
            for i, r in enumerate(rows)
        ],
    )


RFM_ORDERS = [
    ("c1", D(2024, 6, 30), 100.0, None),
    ("c1", D(2024, 6, 1), 100.0, None),
    ("c1", D(2024, 5, 1), 100.0, None),
    ("c2", D(2024, 6, 20), 50.0, None),
    ("c3", D(2024, 1, 10), 500.0, None),
    ("c3", D(2024, 2, 10), 500.0, None),
    ("c4", D(2024, 3, 1), 20.0, None),
    ("c5", D(2024, 5, 15), 80.0, None),
    ("c5", D(2024, 6, 15), 80.0, None),
]


def test_rfm_known_answer():
    out = compute("segments.rfm", {"orders": _orders(RFM_ORDERS)})
    # 5 customers, so score = rank: recency 141, 121, 15, 10, 0 days -> R 1..5 (c3, c4, c5, c2, c1);
    # frequency 1, 1, 2, 2, 3 -> F 1, 1, 3, 3, 5 (ties share the lower rank); monetary ascending -> M.
    assert out.select(
        "customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"
    ).rows() == [
        ("c1", 0, 3, 300.0, 5, 5, 4),
        ("c2", 10, 1, 50.0, 4, 1, 2),
        ("c3", 141, 2, 1000.0, 1, 3, 5),
        ("c4", 121, 1, 20.0, 2, 1, 1),
        ("c5", 15, 2, 160.0, 3, 3, 3),
    ]
    assert out["segment"].to_list() == ["Champions", "New", "At risk", "Hibernating", "Needs attention"]
    assert out.row(0, named=True)["first_order"] == D(2024, 5, 1)


def test_rfm_per_segment_known_answer():
    out = compute("segments.rfm", {"orders": _orders(RFM_ORDERS)}, rows="segment")
    # The five customers of test_rfm_known_answer, one per named segment; revenue = their monetary.
    assert out.rows() == [
        ("At risk", 1, 1000.0),
        ("Champions", 1, 300.0),
        ("Hibernating", 1, 20.0),
        ("Needs attention", 1, 160.0),
        ("New", 1, 50.0),
    ]
    assert out.schema == pl.Schema({"segment": pl.String, "customers": pl.Int64, "revenue": pl.Float64})


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("window", [(None, None), (D(2024, 2, 1), D(2024, 10, 31))])
def test_rfm_per_segment_is_the_per_customer_table_summed_on_every_backend(shape, window):
    t = ms.tables(shape, seed=3)
    per_customer = compute("segments.rfm", t, start=window[0], end=window[1])
    expected = (
        per_customer.group_by("segment")
        .agg(customers=pl.len().cast(pl.Int64), revenue=pl.col("monetary").sum())
        .sort("segment")
    )
    for tables in (t, ms.as_duckdb(t)):
        out = compute("segments.rfm", tables, start=window[0], end=window[1], rows="segment")
        assert_frame_equal(out, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-6)


def test_rfm_recency_counts_from_the_window_end():
    out = compute("segments.rfm", {"orders": _orders(RFM_ORDERS)}, end=D(2024, 6, 16))
    assert dict(out.select("customer_id", "recency_days").rows()) == {"c1": 15, "c3": 127, "c4": 107, "c5": 1}


def test_rfm_ties_share_the_lowest_score():
    rows = [(f"c{i}", D(2024, 1, 1), 10.0, None) for i in range(7)]
    out = compute("segments.rfm", {"orders": _orders(rows)})
    assert out.select("r_score", "f_score", "m_score").unique().rows() == [(1, 1, 1)]
    assert out["segment"].unique().to_list() == ["Hibernating"]


def _summary_tables() -> dict[str, pl.DataFrame]:
    orders = _orders(
        [
            ("a", D(2024, 1, 10), 100.0, "smb"),
            ("a", D(2024, 3, 5), 50.0, "smb"),  # within 3 months of the first order: retained
            ("b", D(2024, 1, 20), 200.0, "smb"),  # never again
            ("c", D(2024, 2, 1), 300.0, "enterprise"),
            ("c", D(2024, 5, 2), 300.0, "enterprise"),  # one day past Feb 1 + 3 months: not retained
            ("d", D(2024, 5, 1), 1000.0, "enterprise"),  # first order + 3 months is after May 2: not eligible
            ("e", D(2024, 1, 5), None, None),  # no segment: 'unknown'; no amount: revenue 0
        ]
    )
    responses = _responses(
        [
            ("a", "nps", 10, None),
            ("b", "nps", 3, None),
            (None, "nps", 7, "smb"),  # no customer: its own segment
            ("zz", "nps", 9, "enterprise"),  # customer without orders: its own segment
            ("c", "csat", 1, None),  # not NPS
        ]
    )
    return {"orders": orders, "responses": responses}


def test_summary_known_answer():
    out = compute("segments.summary", _summary_tables())
    assert out["segment"].to_list() == ["enterprise", "smb", "unknown"]
    ent, smb, unknown = out.to_dicts()
    assert (smb["customers"], smb["revenue"], smb["revenue_mean"]) == (2, 350.0, 175.0)
    assert smb["revenue_sd"] == pytest.approx(1250**0.5)
    assert smb["revenue_share"] == pytest.approx(350 / 1950)
    assert (smb["retention_n"], smb["retained"], smb["retention_3m"]) == (2, 1, 0.5)
    assert (smb["nps_n"], smb["nps"]) == (3, 0.0)
    assert (ent["customers"], ent["revenue"], ent["revenue_sd"]) == (2, 1600.0, pytest.approx(80_000**0.5))
    assert (ent["retention_n"], ent["retained"], ent["retention_3m"]) == (1, 0, 0.0)
    assert (ent["nps_n"], ent["nps"]) == (1, 100.0)
    assert (unknown["customers"], unknown["revenue"], unknown["revenue_share"]) == (1, 0.0, 0.0)
    assert unknown["revenue_sd"] is None
    assert (unknown["nps_n"], unknown["nps"], unknown["nps_ci_low"]) == (0, None, None)
    assert (unknown["retention_n"], unknown["retained"]) == (1, 0)
    low, high = wilson()
    expected = pl.DataFrame({"successes": [1], "n": [2]}).select(low.alias("low"), high.alias("high")).row(0)
    assert (smb["retention_ci_low"], smb["retention_ci_high"]) == pytest.approx(expected)


def test_summary_customers_table_segment_wins():
    t = _summary_tables()
    t["customers"] = ms.frame("customers", [{"customer_id": c, "segment": "vip"} for c in "abcde"])
    out = compute("segments.summary", t)
    vip = out.filter(segment="vip").row(0, named=True)
    assert (vip["customers"], vip["revenue"], vip["nps_n"]) == (5, 1950.0, 2)
    assert out["segment"].to_list() == ["vip"]  # responses of unmatched customers have no segment row to join


def test_summary_without_any_segment_column_is_a_clear_error():
    t = {"orders": _summary_tables()["orders"].drop("segment")}
    with pytest.raises(MissingData, match=r"needs customers\.segment or orders\.segment"):
        compute("segments.summary", t)


@pytest.mark.parametrize("name", ["segments.rfm", "segments.summary"])
def test_segments_take_no_breakdown(name):
    with pytest.raises(MetricError, match="takes no breakdown"):
        compute(name, _summary_tables(), by=["region"])


# --- reference, backends --------------------------------------------------------------------------

RFM_COLUMNS = ["first_order", "last_order", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("window", [(None, None), (D(2024, 2, 1), D(2024, 10, 31))])
def test_rfm_matches_reference(shape, window):
    t = ms.tables(shape, seed=2)
    expected = ref.rfm(t["orders"], *window)
    for tables in (t, ms.as_duckdb(t)):
        out = compute("segments.rfm", tables, start=window[0], end=window[1])
        assert_matches(out, expected, ["customer_id"], [*RFM_COLUMNS, "segment"])


SUMMARY_COLUMNS = [
    "customers",
    "revenue",
    "revenue_share",
    "revenue_mean",
    "revenue_sd",
    "nps_n",
    "nps",
    "retention_n",
    "retained",
    "retention_3m",
]


def _with_reference_intervals(expected: pl.DataFrame) -> pl.DataFrame:
    r_low, r_high = wilson("retained", "retention_n")
    n_low, n_high = nps_adjusted_wald("nps_n")
    return expected.with_columns(retention_ci_low=r_low, retention_ci_high=r_high, nps_ci_low=n_low, nps_ci_high=n_high)


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("with_customers", [False, True])
def test_summary_matches_reference(shape, with_customers):
    t = ms.tables(shape, seed=6)
    customers = None
    if with_customers:
        ids = t["orders"]["customer_id"].unique().sort().to_list()
        rows = [{"customer_id": c, "segment": ms.SEGMENTS[i % 2] if i % 3 else None} for i, c in enumerate(ids)]
        customers = t["customers"] = ms.frame("customers", rows)
    window = (D(2024, 1, 15), D(2024, 12, 31)) if shape == "random" else (None, None)
    expected = _with_reference_intervals(ref.summary(t["orders"], t["responses"], customers, *window))
    columns = [*SUMMARY_COLUMNS, "retention_ci_low", "retention_ci_high", "nps_ci_low", "nps_ci_high"]
    for tables in (t, ms.as_duckdb(t)):
        out = compute("segments.summary", tables, start=window[0], end=window[1])
        assert_matches(out, expected, ["segment"], columns, tol=1e-6)


# --- invariants -----------------------------------------------------------------------------------


@st.composite
def _order_rows(draw):
    n = draw(st.integers(1, 40))
    return [
        (
            f"c{draw(st.integers(0, 9))}",
            D.fromordinal(D(2024, 1, 1).toordinal() + draw(st.integers(0, 300))),
            # Cents: their float sums depend on row order; rfm rounds monetary, so equal totals still tie.
            draw(st.one_of(st.none(), st.integers(0, 100_000).map(lambda cents: cents / 100))),
            draw(st.sampled_from([None, "smb", "enterprise"])),
        )
        for _ in range(n)
    ]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_order_rows(), seed=st.integers(0, 10_000))
def test_segments_invariants(rows, seed):
    t = {"orders": _orders(rows)}
    rfm = compute("segments.rfm", t)
    assert rfm["customer_id"].is_unique().all()
    assert rfm.height == len({r[0] for r in rows})
    for col in ("r_score", "f_score", "m_score"):
        assert rfm[col].is_between(1, 5).all()
    assert (rfm["recency_days"] >= 0).all()
    assert rfm.equals(compute("segments.rfm", ms.shuffled(t, seed)))
    summary = compute("segments.summary", t)
    assert summary["customers"].sum() == rfm.height
    assert summary["retention_3m"].drop_nulls().is_between(0, 1).all()
    assert (summary["retained"] <= summary["retention_n"]).all()
    if summary["revenue"].sum() > 0:
        assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert_matches(compute("segments.summary", ms.shuffled(t, seed)), summary, ["segment"], SUMMARY_COLUMNS, tol=1e-6)
