"""Reviews as a marketplace exports them, through the CSV connector, with answers worked out by hand.

tests/fixtures/olist/ holds files shaped like the public Olist export (review_score, review_comment_message
with quoted multi-line Portuguese comments, CRLF inside quotes, "" quotes, accents, empty comments, ISO
timestamps, a review id repeated for another order) and its orders file. 12 orders: A1-A6 delivered on
or before the estimated date, L1-L4 delivered 1, 2, 5 and 10 days late, U1 not delivered, C1 canceled.
37 review rows: one per order, 24 for orders outside the file, and a repeated review id.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import narwhals as nw
import polars as pl
import pytest

from connectors.loader import LoadContext, load_dataset
from metrics import compute

FIXTURE = Path(__file__).parent / "fixtures" / "olist"
# Stars: linked A1-A6 5 5 4 5 4 3 (sum 26), L1-L4 3 2 1 1 (sum 7), U1 1, C1 1; unlinked 10 x 5, 5 x 4,
# 2 x 3, 2 x 2, 5 x 1 (sum 85). Total 36 reviews, sum 120; 13 fives + 7 fours = 20 positive, 9 one-star.
N, TOTAL, POSITIVE, ONE_STAR = 36, 120, 20, 9
SUM_OF_SQUARES = 13 * 25 + 7 * 16 + 4 * 9 + 3 * 4 + 9 * 1  # = 494
WITH_TEXT = 15  # 7 linked (A2 A4 A6 L1 L3 L4 U1) + 8 unlinked; one comment is only spaces: missing


@pytest.fixture(scope="module")
def olist():
    return load_dataset(FIXTURE / "sources.toml", context=LoadContext({}, lambda: None))


def rows_of(frame) -> pl.DataFrame:
    """A loaded table's rows (CSV sources stay lazy scans until a query reads them)."""
    return nw.from_native(frame).lazy().collect("polars").to_native()


def test_export_loads_as_it_comes(olist):
    reviews = rows_of(olist.tables["reviews"])
    assert (reviews.height, rows_of(olist.tables["orders"]).height) == (N, 12)
    assert reviews.get_column("text").null_count() == N - WITH_TEXT  # star-only reviews are valid rows
    texts = reviews.get_column("text").drop_nulls().to_list()
    assert (
        'O vendedor prometeu "entrega expressa" e o pedido chegou 5 dias depois do previsto.\nNão compro mais.' in texts
    )
    assert "Demorou demais.\r\nChegou dez dias depois do previsto, com a caixa amassada." in texts
    assert "Ótimo atendimento, parabéns à loja.\nVoltarei a comprar." in texts
    assert reviews.get_column("published_at").min() == date(2018, 1, 11)
    # The only quarantined row is the repeated review id: record 37, row 38 counting the header (spreadsheet
    # numbering; multi-line comments make the file's line number larger).
    bad = olist.quarantine.select("table", "row", "column", "reason").rows()
    assert bad == [("reviews", 38, "review_id", "duplicate review_id (first seen at row 14)")]


def test_review_rating_by_hand(olist):
    got = compute("satisfaction.review_rating", olist.tables, grain="all").row(0, named=True)
    mean = TOTAL / N
    sd = ((SUM_OF_SQUARES - N * mean**2) / (N - 1)) ** 0.5  # sqrt(94 / 35)
    half = 2.030107928 * sd / N**0.5  # t(0.975, 35)
    assert (got["n"], got["positive"], got["one_star"]) == (N, POSITIVE, ONE_STAR)
    assert got["value"] == pytest.approx(10 / 3)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((mean - half, mean + half), abs=1e-4)
    assert (got["share_positive"], got["share_one_star"]) == pytest.approx((20 / 36, 0.25))
    monthly = compute("satisfaction.review_rating", olist.tables, grain="month")
    # Jan: A1 A2 A3 A4 A6 (22 stars); Feb: A5, L1-L4, U1, C1 (13) + 12 unlinked (44); Mar: 12 unlinked (41).
    assert monthly.select("period", "n").rows() == [
        (date(2018, 1, 1), 5),
        (date(2018, 2, 1), 19),
        (date(2018, 3, 1), 12),
    ]
    assert monthly["value"].to_list() == pytest.approx([22 / 5, 57 / 19, 41 / 12])


def test_late_orders_rated_lower_by_hand(olist):
    got = compute("satisfaction.rating_by_delivery", olist.tables, grain="all")
    late, on_time = got.to_dicts()
    assert (late["delivery"], late["n"], late["value"]) == ("late", 4, pytest.approx(7 / 4))
    assert (on_time["delivery"], on_time["n"], on_time["value"]) == ("on_time", 6, pytest.approx(26 / 6))
    # Variances: on time 3.3333 / 5 = 2/3, late 2.75 / 3 = 11/12; se² = (2/3) / 6 + (11/12) / 4 = 0.340278;
    # Welch df = se⁴ / ((1/9)² / 5 + (11/48)² / 3) = 5.797, rounded down to 5: t(0.975, 5) = 2.570582.
    se = ((2 / 3) / 6 + (11 / 12) / 4) ** 0.5
    difference = 7 / 4 - 26 / 6
    assert late["difference"] == pytest.approx(difference)
    low, high = difference - 2.570581836 * se, difference + 2.570581836 * se
    assert (late["difference_ci_low"], late["difference_ci_high"]) == pytest.approx((low, high))
    assert high < 0  # even six reviews against four say so
    bands = compute("satisfaction.rating_by_delivery", olist.tables, grain="all", lateness="bands")
    assert bands.select("delivery", "n", "value").rows() == [
        ("late_1_2", 2, 2.5),
        ("late_3_7", 1, 1.0),
        ("late_8_plus", 1, 1.0),
        ("on_time", 6, pytest.approx(26 / 6)),
    ]


def test_theme_metrics_count_only_reviews_with_text(olist):
    themes = compute("voice.themes", {"reviews": olist.tables["reviews"]}, grain="all")
    assert themes.get_column("n").unique().to_list() == [WITH_TEXT]
    assert themes.get_column("source").unique().to_list() == ["olist"]


def test_star_only_export_without_a_comment_column_still_loads(tmp_path):
    reviews = pl.read_csv(FIXTURE / "olist_order_reviews_dataset.csv").drop("review_comment_message").head(5)
    reviews.write_csv(tmp_path / "reviews.csv")
    (tmp_path / "sources.toml").write_text(
        '[tables.reviews]\nkind = "csv"\npath = "reviews.csv"\n[tables.reviews.columns]\nrating = "review_score"\n'
        'published_at = "review_creation_date"\n[tables.reviews.constants]\nsource = "olist"\n',
        encoding="utf-8",
    )
    ds = load_dataset(tmp_path / "sources.toml", context=LoadContext({}, lambda: None))
    assert rows_of(ds.tables["reviews"]).height == 5 and ds.quarantine.is_empty()
    assert compute("satisfaction.review_rating", ds.tables, grain="all")["n"].to_list() == [5]
