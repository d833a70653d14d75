"""Voice metrics: known answers by hand, the DuckDB SQL reference, backends agree, invariants."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import MetricError, compute, spec
from metrics.intervals import nps_adjusted_wald, wilson
from metrics.spec import Query
from metrics.taxonomy import ENV_VAR, load_themes
from tests import metric_shapes as ms
from tests.reference import assert_matches
from tests.reference import voice as ref

D = date


def _responses(rows: list[tuple]) -> pl.DataFrame:
    """rows: (responded_at, survey, score, comment, source)."""
    keys = ("responded_at", "survey", "score", "comment", "source")
    return ms.frame(
        "responses", [{"response_id": f"r{i}", **dict(zip(keys, r, strict=True))} for i, r in enumerate(rows)]
    )


def _reviews(rows: list[tuple]) -> pl.DataFrame:
    """rows: (published_at, source, rating, text)."""
    keys = ("published_at", "source", "rating", "text")
    return ms.frame("reviews", [{"review_id": f"v{i}", **dict(zip(keys, r, strict=True))} for i, r in enumerate(rows)])


def _notes(rows: list[tuple]) -> pl.DataFrame:
    """rows: (written_at, text)."""
    return ms.frame("notes", [{"note_id": f"n{i}", "written_at": d, "text": t} for i, (d, t) in enumerate(rows)])


def _row(result: pl.DataFrame, **match) -> dict:
    rows = result.filter(**match).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


# --- known answers --------------------------------------------------------------------------------


def test_word_boundaries_and_case():
    texts = [
        "Delivery was delayed",  # 'delayed' is a keyword
        "I can relate to that",  # 'late' inside 'relate': no
        "LATE again!",  # case-insensitive, punctuation is a boundary
        "it took ages to come",  # a phrase keyword
        "translated manual",  # 'late' inside 'translated': no
        "slowly",  # 'slow' is not a whole word here: no
    ]
    t = {"responses": _responses([(D(2024, 1, 5), "csat", 4, text, "typeform") for text in texts])}
    out = compute("voice.themes", t)
    row = _row(out, theme="delivery_speed")
    assert (row["n"], row["value"], row["share"]) == (6, 3.0, pytest.approx(0.5))
    assert row["mean_score"] is None  # CSAT comments carry no NPS score


def test_themes_per_source_with_scores():
    t = {
        "responses": _responses(
            [
                (D(2024, 1, 2), "nps", 2, "Parcel arrived late", None),  # source -> 'survey'
                (D(2024, 1, 3), "nps", 6, "slow and the price is too high", None),
                (D(2024, 1, 4), "nps", 10, "great", None),
                (D(2024, 1, 5), "csat", 1, "late!", None),  # mention without an NPS score
                (D(2024, 1, 6), "nps", 9, "   ", None),  # blank: not a text
                (D(2024, 1, 7), "nps", 9, None, None),  # no comment: not a text
                (D(2024, 2, 1), "nps", 3, "late", "typeform"),
            ]
        ),
        "reviews": _reviews(
            [
                (D(2024, 1, 9), "trustpilot", 1, "Box was crushed and late"),
                (D(2024, 1, 9), "trustpilot", 5, "Lovely"),
            ]
        ),
        "notes": _notes([(D(2024, 1, 15), "Customer says the refund is still waiting")]),
    }
    out = compute("voice.themes", t)
    assert out.columns == [
        "period",
        "source",
        "theme",
        "n",
        "value",
        "ci_low",
        "ci_high",
        "channel",
        "label",
        "share",
        "share_ci_low",
        "share_ci_high",
        "mean_score",
    ]
    survey = _row(out, period=D(2024, 1, 1), source="survey", theme="delivery_speed")
    assert (survey["channel"], survey["label"], survey["n"], survey["value"]) == ("surveys", "Delivery speed", 4, 3.0)
    assert survey["mean_score"] == pytest.approx((2 + 6) / 2)  # the CSAT mention has no NPS score
    low, high = _wilson(3, 4)
    assert (survey["share_ci_low"], survey["share_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert (survey["ci_low"], survey["ci_high"]) == (pytest.approx(4 * low), pytest.approx(4 * high))
    assert _row(out, period=D(2024, 1, 1), source="survey", theme="price")["value"] == 1.0
    review = _row(out, source="trustpilot", theme="delivery_speed")
    assert (review["channel"], review["n"], review["value"], review["mean_score"]) == ("reviews", 2, 1.0, 1.0)
    assert _row(out, source="trustpilot", theme="damaged_item")["value"] == 1.0
    note = _row(out, source="notes", theme="returns")
    assert (note["channel"], note["n"], note["value"], note["mean_score"]) == ("notes", 1, 1.0, None)
    assert _row(out, source="notes", theme="delivery_speed")["value"] == 1.0  # 'still waiting'
    assert _row(out, period=D(2024, 2, 1), source="typeform", theme="delivery_speed")["mean_score"] == 3.0
    assert out.filter(theme="support")["value"].sum() == 0  # every theme has a row, even with no mentions
    assert out.height == 4 * len(load_themes())  # 4 period/source groups x 8 themes


def test_start_end_apply_to_every_text_table():
    t = {
        "responses": _responses([(D(2024, 1, 2), "nps", 2, "late", None), (D(2024, 3, 2), "nps", 2, "late", None)]),
        "reviews": _reviews([(D(2024, 1, 9), "yelp", 1, "late"), (D(2024, 3, 9), "yelp", 1, "late")]),
        "notes": _notes([(D(2024, 1, 9), "late"), (D(2024, 3, 9), "late")]),
    }
    out = compute("voice.themes", t, grain="all", start=D(2024, 2, 1))
    assert sorted(out.filter(theme="delivery_speed")["source"].to_list()) == ["notes", "survey", "yelp"]
    assert out.filter(theme="delivery_speed")["n"].to_list() == [1, 1, 1]


def test_any_text_table_alone_is_enough():
    fn = spec("voice.themes").fn
    q = Query(grain="all")
    reviews = {"reviews": ms.as_duckdb({"reviews": _reviews([(D(2024, 1, 9), "yelp", 2, "too expensive")])})["reviews"]}
    import narwhals as nw

    only_reviews = fn({k: nw.from_native(v) for k, v in reviews.items()}, q).collect().to_polars()
    assert _row(only_reviews, theme="price")["value"] == 1
    only_notes = fn({"notes": nw.from_native(_notes([(D(2024, 1, 9), "broken")]).lazy())}, q).collect().to_polars()
    assert _row(only_notes, theme="damaged_item")["value"] == 1
    with pytest.raises(MetricError, match="at least one of"):
        fn({}, q)


def test_theme_impact_known_answer():
    rows = [
        (D(2024, 1, 2), "nps", 0, "late again", None),  # mentions delivery: detractor
        (D(2024, 1, 3), "nps", 3, "Delayed", None),  # detractor
        (D(2024, 1, 4), "nps", 10, "late but fine", None),  # promoter
        (D(2024, 1, 5), "nps", 10, "great", None),  # does not mention: promoter
        (D(2024, 1, 6), "nps", 8, "ok", None),  # passive
        (D(2024, 1, 7), "nps", 0, None, None),  # no comment: in neither group
        (D(2024, 1, 8), "csat", 1, "late", None),  # not NPS: left out
    ]
    out = compute("voice.theme_impact", {"responses": _responses(rows)})
    row = _row(out, theme="delivery_speed")
    assert (row["n"], row["promoters"], row["detractors"]) == (3, 1, 2)
    assert row["value"] == pytest.approx(100 * (1 - 2) / 3)
    assert (row["n_without"], row["promoters_without"], row["detractors_without"]) == (2, 1, 0)
    assert row["nps_without"] == pytest.approx(50.0)
    assert row["impact"] == pytest.approx(-100 / 3 - 50)
    # Adjusted Wald by hand for the mentioners: n' = 6, P' = 1.75/6, D' = 2.75/6.
    p, d = 1.75 / 6, 2.75 / 6
    half = 1.959963984540054 * ((p + d - (p - d) ** 2) / 6) ** 0.5
    assert row["ci_low"] == pytest.approx(100 * (p - d - half))
    assert row["ci_high"] == pytest.approx(100 * (p - d + half))
    price = _row(out, theme="price")
    assert (price["n"], price["value"], price["ci_low"], price["n_without"]) == (0, None, None, 5)


# --- taxonomy -------------------------------------------------------------------------------------


def test_default_taxonomy():
    themes = load_themes()
    assert [t.id for t in themes] == [
        "delivery_speed",
        "damaged_item",
        "price",
        "product_quality",
        "support",
        "ease_of_use",
        "returns",
        "communication",
    ]
    assert themes[0].label == "Delivery speed"
    assert "still waiting" in themes[0].keywords


def test_taxonomy_override_by_env_and_keywords_are_escaped(tmp_path, monkeypatch):
    path = tmp_path / "themes.toml"
    path.write_text('[themes.dots]\nlabel = "Dots"\nkeywords = ["a.b", "(x)"]\n', encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    texts = ["a.b here", "axb here", "say a.b.", "no"]
    t = {"responses": _responses([(D(2024, 1, 5), "nps", 9, text, None) for text in texts])}
    out = compute("voice.themes", t)
    assert out["theme"].to_list() == ["dots"]
    assert out["value"].to_list() == [2.0]  # '.' is literal: 'axb' does not match


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[themes.x\n", "not valid TOML"),
        ("[other]\n", "has no"),
        ('[themes.x]\nlabel = "X"\nkeywords = []\n', "keywords must be a non-empty list"),
        ('[themes.Bad-Id]\nkeywords = ["a"]\n', "id must be lowercase"),
    ],
)
def test_broken_taxonomy_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetricError, match=message) as info:
        load_themes(path)
    assert "\n" not in str(info.value)
    with pytest.raises(MetricError, match="cannot read"):
        load_themes(tmp_path / "missing.toml")


# --- reference, backends --------------------------------------------------------------------------

THEMES_COLUMNS = ["n", "value", "channel", "label", "mean_score", "share"]


def _check_interval_columns(out: pl.DataFrame) -> None:
    low, high = wilson("value", "n")
    expected = out.with_columns(share_ci_low=low, share_ci_high=high)
    assert_matches(out, expected, ["period", "source", "theme"], ["share_ci_low", "share_ci_high"], tol=1e-9)


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("grain", ["week", "month", "all"])
def test_themes_match_reference(shape, grain):
    t = ms.tables(shape, seed=3)
    texts = {k: t[k] for k in ("responses", "reviews", "notes")}
    expected = ref.themes(texts, load_themes(), grain)
    for tables in (t, ms.as_duckdb(t)):
        out = compute("voice.themes", tables, grain=grain)
        assert_matches(out, expected, ["period", "source", "theme"], THEMES_COLUMNS)
        _check_interval_columns(out)


def test_themes_window_matches_reference():
    t = ms.tables("random", seed=5)
    start, end = D(2024, 3, 1), D(2024, 9, 30)
    expected = ref.themes({k: t[k] for k in ("responses", "reviews", "notes")}, load_themes(), "month", start, end)
    out = compute("voice.themes", ms.as_duckdb(t), start=start, end=end)
    assert_matches(out, expected, ["period", "source", "theme"], THEMES_COLUMNS)


IMPACT_COLUMNS = ["n", "value", "promoters", "detractors", "n_without", "nps_without", "impact", "label"]


@pytest.mark.parametrize("shape", ms.SHAPES)
@pytest.mark.parametrize("grain", ["month", "quarter", "all"])
def test_theme_impact_matches_reference(shape, grain):
    t = ms.tables(shape, seed=4)
    expected = ref.theme_impact(t["responses"], load_themes(), grain)
    low, high = nps_adjusted_wald()
    expected = expected.with_columns(ci_low=low, ci_high=high)
    without = expected.select(
        "period", "theme", n="n_without", promoters="promoters_without", detractors="detractors_without"
    ).with_columns(without_ci_low=low, without_ci_high=high)
    for tables in (t, ms.as_duckdb(t)):
        out = compute("voice.theme_impact", tables, grain=grain)
        assert_matches(out, expected, ["period", "theme"], [*IMPACT_COLUMNS, "ci_low", "ci_high"])
        assert_matches(out, without, ["period", "theme"], ["without_ci_low", "without_ci_high"])


def test_by_column_missing_from_some_tables_is_null_there():
    t = ms.tables("random", seed=1)  # notes have no region
    out = compute("voice.themes", t, by=["region"], grain="all")
    assert out.filter(source="notes")["region"].null_count() == out.filter(source="notes").height
    assert set(out.filter(channel="reviews")["region"].drop_nulls()) <= set(ms.REGIONS)
    assert out.columns[:3] == ["period", "region", "source"]


# --- invariants -----------------------------------------------------------------------------------

WORDS = ["late", "Late", "relate", "price", "cheap", "broken", "ok", "support", "took ages", "refund", "", "  "]


@st.composite
def _text_tables(draw):
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        survey = draw(st.sampled_from(["nps", "csat"]))
        score = draw(st.integers(0, 10) if survey == "nps" else st.integers(1, 5))
        comment = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4)))
        day = D(2024, 1, 1 + draw(st.integers(0, 27)))
        rows.append((day, survey, score, comment, draw(st.sampled_from([None, "typeform"]))))
    reviews = [
        (D(2024, 1, 1 + draw(st.integers(0, 27))), "yelp", draw(st.integers(1, 5)), draw(st.sampled_from(WORDS)))
        for _ in range(draw(st.integers(0, 10)))
    ]
    return {"responses": _responses(rows), "reviews": _reviews(reviews)}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(tables=_text_tables(), seed=st.integers(0, 10_000))
def test_themes_invariants(tables, seed):
    out = compute("voice.themes", tables, grain="week")
    assert out.filter(pl.col("value") > pl.col("n")).is_empty()
    shares = out.filter(pl.col("n") > 0)
    for col in ("share", "share_ci_low", "share_ci_high"):
        assert shares[col].is_between(0, 1).all()
    assert (shares["share_ci_low"] <= shares["share"] + 1e-12).all()
    assert (shares["share"] <= shares["share_ci_high"] + 1e-12).all()
    shuffled = compute("voice.themes", ms.shuffled(tables, seed), grain="week")
    assert shuffled.equals(out)
    impact = compute("voice.theme_impact", tables, grain="all")
    assert impact.equals(compute("voice.theme_impact", ms.shuffled(tables, seed), grain="all"))
    assert impact["value"].drop_nulls().is_between(-100, 100).all()
    assert (impact["n"] + impact["n_without"]).n_unique() <= 1  # every NPS commenter is in one group per theme


def _wilson(k: int, n: int) -> tuple[float, float]:
    low, high = wilson()
    row = pl.DataFrame({"successes": [k], "n": [n]}).select(low.alias("low"), high.alias("high")).row(0)
    return row
