"""validate(): known bad rows land in the quarantine with their exact reason and row; good rows flow on."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.contract import SURVEY_RANGES, TABLES
from connectors.validate import QUARANTINE_SCHEMA, ContractError, conform, validate


def _orders(**columns) -> pl.DataFrame:
    """A small raw orders frame: three good rows as text, with `columns` overriding whole columns."""
    base = {
        "order_id": ["o1", "o2", "o3"],
        "customer_id": ["c1", "c2", "c3"],
        "order_date": ["2024-01-05", "2024-01-06", "2024-01-07"],
        "shipped_date": ["2024-01-06", "2024-01-07", None],
        "delivered_date": ["2024-01-08", "2024-01-09", None],
        "amount": ["10.5", "20", ""],
    }
    return pl.DataFrame(base | columns)


def _problems(result) -> list[tuple]:
    return result.quarantine.select("row", "column", "value", "reason").rows()


def _responses(surveys: list, scores: list) -> pl.DataFrame:
    n = len(surveys)
    return pl.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n)],
            "responded_at": ["2024-03-01"] * n,
            "survey": surveys,
            "score": scores,
        }
    )


# ---------------------------------------------------------------- good rows


def test_valid_rows_flow_on_unchanged_and_typed():
    result = validate("orders", _orders(), "orders.csv")
    assert result.quarantine.height == 0 and result.quarantined_rows == 0
    assert result.frame.schema == pl.Schema({c: TABLES["orders"].schema[c] for c in _orders().columns})
    assert result.frame.rows() == [
        ("o1", "c1", date(2024, 1, 5), date(2024, 1, 6), date(2024, 1, 8), 10.5),
        ("o2", "c2", date(2024, 1, 6), date(2024, 1, 7), date(2024, 1, 9), 20.0),
        ("o3", "c3", date(2024, 1, 7), None, None, None),
    ]


def test_already_typed_frame_is_returned_as_is():
    typed = validate("orders", _orders()).frame
    again = validate("orders", typed)
    assert again.quarantine.height == 0
    assert again.frame.equals(typed)


def test_columns_come_out_in_contract_order_and_extra_columns_are_dropped():
    raw = _orders().select("amount", "order_date", "customer_id", "order_id").with_columns(note=pl.lit("x"))
    result = validate("orders", raw)
    assert result.frame.columns == ["order_id", "customer_id", "order_date", "amount"]


def test_empty_frame_validates_to_empty_typed_frame():
    result = validate("orders", _orders().clear())
    assert result.frame.height == 0 and result.quarantine.height == 0
    assert result.frame.schema["order_date"] == pl.Date
    assert result.quarantine.schema == pl.Schema(QUARANTINE_SCHEMA)


# ---------------------------------------------------------------- casting


def test_uncastable_date_is_quarantined_with_source_row():
    result = validate("orders", _orders(order_date=["2024-01-05", "2024-02-30", "soon"]), "o.csv", first_row=2)
    assert _problems(result) == [
        (3, "order_date", "2024-02-30", "cannot read as date"),
        (4, "order_date", "soon", "cannot read as date"),
    ]
    assert result.quarantine.get_column("source").unique().to_list() == ["o.csv"]
    assert result.quarantine.get_column("table").unique().to_list() == ["orders"]
    assert result.frame.get_column("order_id").to_list() == ["o1"]


def test_uncastable_number_is_quarantined():
    result = validate("orders", _orders(amount=["12,50", "abc", "7"]))
    assert _problems(result) == [
        (1, "amount", "12,50", "cannot read as float64"),
        (2, "amount", "abc", "cannot read as float64"),
    ]
    assert result.frame.get_column("amount").to_list() == [7.0]


def test_whole_numbers_only_for_integer_columns():
    result = validate("responses", _responses(["nps", "nps", "nps", "nps"], ["7", "7.0", "7.5", "seven"]))
    assert _problems(result) == [
        (3, "score", "7.5", "cannot read as int64"),
        (4, "score", "seven", "cannot read as int64"),
    ]
    assert result.frame.get_column("score").to_list() == [7, 7]


def test_spreadsheet_serial_number_dates():
    raw = _orders(
        order_date=[45296, 45297, 45298],  # 2024-01-05 .. 2024-01-07
        shipped_date=[45297.75, None, 0.5],  # the fraction is the time of day; 0.5 is not a plausible date
        delivered_date=[None, None, None],
    )
    result = validate("orders", raw)
    assert result.frame.get_column("order_date").to_list() == [date(2024, 1, 5), date(2024, 1, 6)]
    assert result.frame.get_column("shipped_date").to_list() == [date(2024, 1, 6), None]
    assert _problems(result) == [(3, "shipped_date", "0.5", "cannot read as date")]


def test_serial_numbers_out_of_spreadsheet_range_are_not_dates():
    # Spreadsheets hold serials 1 (1899-12-31) .. 2958465 (9999-12-31); anything else is not a date.
    months = [45292, 2_958_435, 0, -5, 10**12]  # 2024-01-01, 9999-12-01, then three impossible ones
    raw = pl.DataFrame({"customer_id": list("abcde"), "month": months, "revenue": [1.0] * 5})
    result = validate("revenue", raw)
    assert result.frame.get_column("month").to_list() == [date(2024, 1, 1), date(9999, 12, 1)]
    assert _problems(result) == [
        (3, "month", "0", "cannot read as date"),
        (4, "month", "-5", "cannot read as date"),
        (5, "month", "1000000000000", "cannot read as date"),
    ]


def test_datetimes_and_iso_timestamps_become_dates():
    typed = _orders(order_date=[datetime(2024, 1, 5, 23, 59), datetime(2024, 1, 6), datetime(2024, 1, 7, 8)])
    assert validate("orders", typed).frame.get_column("order_date").to_list() == [date(2024, 1, d) for d in (5, 6, 7)]
    text = _orders(order_date=["2024-01-05T10:00:00", "2024-01-06 08:30", "2024-01-07"])
    assert validate("orders", text).frame.get_column("order_date").to_list() == [date(2024, 1, d) for d in (5, 6, 7)]


def test_date_format_option():
    raw = _orders(
        order_date=["05/01/2024", "06/01/2024", "2024-01-07"], shipped_date=[None] * 3, delivered_date=[None] * 3
    )
    result = validate("orders", raw, date_format="%d/%m/%Y")
    assert result.frame.get_column("order_date").to_list() == [date(2024, 1, 5), date(2024, 1, 6)]
    assert _problems(result) == [(3, "order_date", "2024-01-07", "cannot read as date")]


def test_leading_zero_ids_stay_text_and_whole_float_ids_lose_the_decimal():
    assert validate("orders", _orders(order_id=["00123", "0042", "7"])).frame.get_column("order_id").to_list() == [
        "00123",
        "0042",
        "7",
    ]
    from_sheet = _orders(order_id=[123.0, 42.0, 1.5], customer_id=[1, 2, 3])
    result = validate("orders", from_sheet)
    assert result.frame.get_column("order_id").to_list() == ["123", "42", "1.5"]
    assert result.frame.get_column("customer_id").to_list() == ["1", "2", "3"]


def test_huge_or_special_float_ids_do_not_crash():
    result = validate("customers", pl.DataFrame({"customer_id": [1e20, float("inf"), 5.0]}))
    assert result.frame.get_column("customer_id").to_list() == ["1e+20", "inf", "5"]


def test_whitespace_is_trimmed_everywhere():
    raw = _orders(
        order_id=["  o1", "o2  ", " o3 "],
        order_date=[" 2024-01-05", "2024-01-06 ", "\t2024-01-07\n"],
        amount=[" 10.5 ", "20", "   "],
    )
    result = validate("orders", raw)
    assert result.quarantine.height == 0
    assert result.frame.select("order_id", "order_date", "amount").rows() == [
        ("o1", date(2024, 1, 5), 10.5),
        ("o2", date(2024, 1, 6), 20.0),
        ("o3", date(2024, 1, 7), None),
    ]


# ---------------------------------------------------------------- required values and columns


def test_missing_required_value_blank_or_whitespace_or_nan():
    result = validate("orders", _orders(customer_id=["c1", "", "   "]))
    assert _problems(result) == [
        (2, "customer_id", "", "missing required value"),
        (3, "customer_id", "   ", "missing required value"),
    ]
    nan_id = validate("customers", pl.DataFrame({"customer_id": [1.0, float("nan")]}))
    assert _problems(nan_id) == [(2, "customer_id", None, "missing required value")]
    assert nan_id.frame.get_column("customer_id").to_list() == ["1"]


def test_missing_optional_value_is_fine_and_nan_amount_reads_as_missing():
    result = validate("orders", _orders(amount=[1.5, float("nan"), None], shipped_date=[None] * 3))
    assert result.quarantine.height == 0
    assert result.frame.get_column("amount").to_list() == [1.5, None, None]


def test_missing_required_column_raises_contract_error_listing_expected_and_found():
    raw = _orders().drop("customer_id", "order_date")
    with pytest.raises(ContractError) as err:
        validate("orders", raw)
    message = str(err.value)
    assert message.startswith("table 'orders' is missing required column(s) customer_id, order_date; ")
    assert "expected order_id, customer_id, order_date (optional: promised_date, shipped_date," in message
    assert message.endswith("found order_id, shipped_date, delivered_date, amount")
    with pytest.raises(ContractError, match="found no columns"):
        validate("notes", pl.DataFrame())


def test_missing_optional_columns_are_fine():
    result = validate("orders", _orders().select("order_id", "customer_id", "order_date"))
    assert result.frame.columns == ["order_id", "customer_id", "order_date"] and result.frame.height == 3


# ---------------------------------------------------------------- rules


def test_score_out_of_its_survey_range():
    result = validate(
        "responses", _responses(["nps", "nps", "csat", "csat", "ces", "ces", "nps"], [0, 11, 0, 5, 8, 1, -1])
    )
    assert [(r, c, why) for r, c, _, why in _problems(result)] == [
        (2, "score", "score out of range for nps (0-10)"),
        (3, "score", "score out of range for csat (1-5)"),
        (5, "score", "score out of range for ces (1-7)"),
        (7, "score", "score out of range for nps (0-10)"),
    ]
    assert result.frame.get_column("score").to_list() == [0, 5, 1]
    assert set(SURVEY_RANGES) == {"nps", "csat", "ces"}


def test_unknown_survey_and_survey_names_in_any_case():
    result = validate("responses", _responses(["sus", " NPS ", "Csat", "nps"], [3, 9, 4, 10]))
    assert _problems(result) == [(1, "survey", "sus", "unknown survey (expected nps, csat or ces)")]
    assert result.frame.select("survey", "score").rows() == [("nps", 9), ("csat", 4), ("nps", 10)]


def test_rating_out_of_range():
    raw = pl.DataFrame(
        {
            "review_id": ["v1", "v2", "v3", "v4"],
            "published_at": ["2024-01-01"] * 4,
            "source": ["yelp"] * 4,
            "rating": [0, 1, 5, 6],
            "text": ["a", "b", "c", "d"],
        }
    )
    result = validate("reviews", raw, "reviews.csv", first_row=2)
    assert _problems(result) == [
        (2, "rating", "0", "rating out of range (1-5)"),
        (5, "rating", "6", "rating out of range (1-5)"),
    ]
    assert result.frame.get_column("review_id").to_list() == ["v2", "v3"]


def test_shipped_or_delivered_before_ordered():
    raw = _orders(
        shipped_date=["2024-01-04", "2024-01-07", "2024-01-07"],
        delivered_date=["2024-01-08", "2024-01-05", "2024-01-07"],
    )
    result = validate("orders", raw)
    assert _problems(result) == [
        (1, "shipped_date", "2024-01-04", "shipped_date before order_date"),
        (2, "delivered_date", "2024-01-05", "delivered_date before order_date"),
        (2, "delivered_date", "2024-01-05", "delivered_date before shipped_date"),
    ]
    assert result.quarantined_rows == 2
    # Same-day shipping and delivery is fine.
    assert result.frame.get_column("order_id").to_list() == ["o3"]


def test_delivered_before_shipped():
    raw = _orders(shipped_date=["2024-01-09", None, None], delivered_date=["2024-01-08", None, None])
    assert _problems(validate("orders", raw)) == [
        (1, "delivered_date", "2024-01-08", "delivered_date before shipped_date")
    ]


def test_revenue_month_must_be_first_of_month():
    raw = pl.DataFrame({"customer_id": ["a", "b"], "month": ["2024-01-01", "2024-01-15"], "revenue": ["5", "6"]})
    result = validate("revenue", raw)
    assert _problems(result) == [(2, "month", "2024-01-15", "month is not the first day of a month")]


def test_a_row_that_fails_casting_is_not_also_reported_by_rules():
    raw = _orders(order_date=["2024-01-05", "bad", "2024-01-07"], shipped_date=["2024-01-06", "2020-01-01", None])
    assert _problems(validate("orders", raw)) == [(2, "order_date", "bad", "cannot read as date")]


# ---------------------------------------------------------------- duplicates


def test_duplicate_id_keeps_first_and_quarantines_later_ones():
    raw = _orders(order_id=["o1", "o1", "o1"])
    result = validate("orders", raw, first_row=2)
    assert _problems(result) == [
        (3, "order_id", "o1", "duplicate order_id (first seen at row 2)"),
        (4, "order_id", "o1", "duplicate order_id (first seen at row 2)"),
    ]
    assert result.frame.get_column("customer_id").to_list() == ["c1"]


def test_duplicate_of_a_quarantined_row_is_kept():
    # The first o1 is bad, so the second is the first usable one and stays.
    raw = _orders(order_id=["o1", "o1", "o2"], order_date=["never", "2024-01-06", "2024-01-07"])
    result = validate("orders", raw)
    assert _problems(result) == [(1, "order_date", "never", "cannot read as date")]
    assert result.frame.get_column("customer_id").to_list() == ["c2", "c3"]


def test_ids_differing_only_by_whitespace_are_duplicates():
    result = validate("orders", _orders(order_id=["o1", " o1 ", "o3"]))
    assert _problems(result) == [(2, "order_id", "o1", "duplicate order_id (first seen at row 1)")]


# ---------------------------------------------------------------- row numbers


@pytest.mark.parametrize("first_row", [0, 1, 2, 10])
def test_first_row_offsets_quarantine_row_numbers(first_row):
    result = validate("orders", _orders(amount=["1", "x", "3"]), first_row=first_row)
    assert result.quarantine.get_column("row").to_list() == [first_row + 1]


def test_several_problems_in_one_row_count_once():
    raw = _orders(customer_id=["", "c2", "c3"], amount=["x", "1", "2"])
    result = validate("orders", raw)
    assert _problems(result) == [
        (1, "amount", "x", "cannot read as float64"),
        (1, "customer_id", "", "missing required value"),
    ]
    assert result.quarantined_rows == 1 and result.frame.height == 2


def test_conform_casts_trusted_frames_to_contract_order():
    frame = pl.DataFrame({"revenue": [1], "month": [date(2024, 1, 1)], "customer_id": ["a"]})
    out = conform("revenue", frame)
    assert out.columns == ["customer_id", "month", "revenue"] and out.schema["revenue"] == pl.Float64


# ---------------------------------------------------------------- property: nothing lost, nothing bad let through

_DAY0 = date(2024, 1, 1)


@st.composite
def _order_row(draw) -> tuple[dict, bool]:
    """One raw orders row as text, and whether it is bad (breaks a cast or a rule)."""
    order = _DAY0 + timedelta(days=draw(st.integers(0, 300)))
    shipped = order + timedelta(days=draw(st.integers(0, 5)))
    delivered = shipped + timedelta(days=draw(st.integers(0, 5)))
    row = {
        "order_id": draw(st.sampled_from(["o1", "o2", "o3", " o4", "00123", "6"])),
        "customer_id": draw(st.sampled_from(["c1", "c2 ", "7"])),
        "order_date": order.isoformat(),
        "shipped_date": draw(st.sampled_from([shipped.isoformat(), None, ""])),
        "delivered_date": delivered.isoformat(),
        "amount": draw(st.sampled_from(["12.5", "0", None, " 3 ", "-4.25"])),
    }
    if row["shipped_date"] in (None, "") and draw(st.booleans()):
        row["delivered_date"] = None
    flaw = draw(
        st.sampled_from(
            [None] * 6
            + [
                "bad_date",
                "bad_amount",
                "no_customer",
                "no_id",
                "shipped_early",
                "delivered_early",
                "delivered_before_ship",
            ]
        )
    )
    before = (order - timedelta(days=draw(st.integers(1, 30)))).isoformat()
    match flaw:
        case "bad_date":
            row["order_date"] = draw(st.sampled_from(["2024-02-30", "tomorrow", "31/12/2024"]))
        case "bad_amount":
            row["amount"] = draw(st.sampled_from(["1,5", "$3", "n/a"]))
        case "no_customer":
            row["customer_id"] = draw(st.sampled_from(["", "  ", None]))
        case "no_id":
            row["order_id"] = draw(st.sampled_from(["", None]))
        case "shipped_early":
            row["shipped_date"], row["delivered_date"] = before, None
        case "delivered_early":
            row["shipped_date"], row["delivered_date"] = None, before
        case "delivered_before_ship":
            row["shipped_date"] = (order + timedelta(days=3)).isoformat()
            row["delivered_date"] = (order + timedelta(days=1)).isoformat()
    return row, flaw is not None


@settings(max_examples=150)
@given(rows=st.lists(_order_row(), max_size=40), first_row=st.integers(0, 5))
def test_property_nothing_lost_and_no_bad_row_passes(rows, first_row):
    raw = pl.DataFrame([r for r, _ in rows], schema={c: pl.String for c in _orders().columns}, orient="row")
    result = validate("orders", raw, "prop", first_row=first_row)
    quarantined = set(result.quarantine.get_column("row").to_list())

    # Nothing lost: every input row is either valid or quarantined, never both.
    assert result.frame.height + len(quarantined) == len(rows)
    assert quarantined <= set(range(first_row, first_row + len(rows)))

    # Exactly the bad rows, plus later repeats of an id among good rows, are quarantined.
    seen, expected = set(), set()
    for i, (row, bad) in enumerate(rows):
        if bad or row["order_id"].strip() in seen:
            expected.add(first_row + i)
        else:
            seen.add(row["order_id"].strip())
    assert quarantined == expected

    # No valid row breaks a rule.
    valid = result.frame
    assert valid.select(pl.sum_horizontal(pl.col("order_id", "customer_id", "order_date").null_count())).item() == 0
    assert valid.get_column("order_id").is_unique().all()
    assert valid.filter(
        (pl.col("shipped_date") < pl.col("order_date"))
        | (pl.col("delivered_date") < pl.col("order_date"))
        | (pl.col("delivered_date") < pl.col("shipped_date"))
    ).is_empty()
    assert valid.select((pl.col("order_id") == pl.col("order_id").str.strip_chars()).all()).item()


@st.composite
def _response_row(draw) -> tuple[dict, bool]:
    survey = draw(st.sampled_from(["nps", "csat", "ces", "NPS", "sus", "", "net promoter"]))
    score = draw(st.integers(-2, 12))
    kind = survey.strip().lower()
    bad = kind not in SURVEY_RANGES or not SURVEY_RANGES[kind][0] <= score <= SURVEY_RANGES[kind][1]
    text = draw(st.sampled_from([str(score), f"{score}.0", f" {score} "]))
    return {
        "response_id": f"r{draw(st.integers(0, 10_000_000))}",
        "responded_at": "2024-05-01",
        "survey": survey or None,
        "score": text,
    }, bad


@settings(max_examples=150)
@given(rows=st.lists(_response_row(), max_size=40, unique_by=lambda r: r[0]["response_id"]))
def test_property_survey_scores(rows):
    raw = pl.DataFrame(
        [r for r, _ in rows],
        schema={c: pl.String for c in ("response_id", "responded_at", "survey", "score")},
        orient="row",
    )
    result = validate("responses", raw)
    quarantined = set(result.quarantine.get_column("row").to_list())
    assert result.frame.height + len(quarantined) == len(rows)
    assert quarantined == {i + 1 for i, (_, bad) in enumerate(rows) if bad}
    for survey, (low, high) in SURVEY_RANGES.items():
        scores = result.frame.filter(pl.col("survey") == survey).get_column("score")
        assert scores.is_empty() or (low <= scores.min() and scores.max() <= high)
    assert set(result.frame.get_column("survey").to_list()) <= set(SURVEY_RANGES)


# ---------------------------------------------------------------- in place: counts, samples, engines


def test_check_counts_every_row_and_keeps_a_capped_sample():
    from connectors.validate import check

    raw = pl.LazyFrame({"customer_id": ["c"] * 50, "month": [date(2024, 1, 2)] * 50, "revenue": [1.0] * 50})
    result = check("revenue", raw, "r.parquet", first_row=1, sample=10)
    assert result.counts.rows() == [("month", "month is not the first day of a month", 50)]
    assert result.quarantined_rows == 50 and result.rows == 0
    assert result.quarantine.get_column("row").to_list() == list(range(1, 11))  # the first 10, by source row
    assert isinstance(result.frame, pl.LazyFrame) and result.frame.collect().height == 0


def test_text_that_needs_no_trimming_is_read_as_it_is_so_filters_reach_the_scan():
    """A text column no row of which validation would change (no surrounding spaces, no blanks) is passed on
    untouched: a filter on it runs on the source rows, not after trimming every value. One that needs it
    (customer_id " c2", the blank survey, a survey in capitals) is still normalized."""
    from connectors.validate import check

    orders = pl.LazyFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": ["c1", " c2", "c3"],
            "order_date": [date(2024, 1, 5)] * 3,
            "region": ["West", "East", "West"],
        }
    )
    result = check("orders", orders, "orders.parquet")
    plan = result.frame.filter(pl.col("region") == "West").explain()
    assert 'col("region").str.strip_chars' not in plan
    assert 'col("customer_id").str.strip_chars' in plan
    assert plan.index("SELECT") < plan.index('FILTER col("region")')  # the filter sits under the casts
    assert result.frame.filter(pl.col("region") == "West").collect()["customer_id"].to_list() == ["c1", "c3"]
    assert result.frame.collect()["customer_id"].to_list() == ["c1", "c2", "c3"]

    answers = pl.LazyFrame(
        {
            "response_id": ["r1", "r2", "r3"],
            "responded_at": [date(2024, 1, 5)] * 3,
            "survey": ["nps", "NPS", "csat"],
            "score": [9, 10, 4],
            "comment": ["late", "", "fine"],
        }
    )
    typed = check("responses", answers).frame.collect()
    assert typed["survey"].to_list() == ["nps", "nps", "csat"]
    assert typed["comment"].to_list() == ["late", None, "fine"]


def test_typed_engine_gives_the_polars_answer():
    """The same rules on a DuckDB relation (a typed engine, like Spark or a database) as on Polars."""
    import duckdb

    from connectors.validate import check

    typed = pl.DataFrame(
        {
            "order_id": ["o1", "o2", " o1", "o4", "o5"],
            "customer_id": ["c1", None, "c3", "c4", "c5"],
            "order_date": [date(2024, 1, d) for d in (5, 6, 7, 8, 9)],
            "shipped_date": [date(2024, 1, 6), None, None, date(2024, 1, 1), None],
            "amount": [1.0, 2.0, None, 4.0, 5.0],
        }
    )
    con = duckdb.connect()
    relation = con.sql("select * from typed")
    polars, duck = check("orders", typed.lazy(), "t"), check("orders", relation, "t")
    assert (
        duck.counts.sort("reason").rows()
        == polars.counts.sort("reason").rows()
        == [
            ("order_id", "duplicate order_id", 1),
            ("customer_id", "missing required value", 1),
            ("shipped_date", "shipped_date before order_date", 1),
        ]
    )
    # DuckDB has no row order: rows are numbered in order_id order there, in file order in Polars.
    assert polars.quarantine.select("row", "reason").rows() == [
        (2, "missing required value"),
        (3, "duplicate order_id (first seen at row 1)"),
        (4, "shipped_date before order_date"),
    ]
    assert sorted(duck.frame.pl().get_column("order_id").to_list()) == ["o1", "o5"]
    assert sorted(polars.frame.collect().get_column("order_id").to_list()) == ["o1", "o5"]
    assert duck.rows == polars.rows == 2


def test_many_duplicates_are_left_out_by_a_window(monkeypatch):
    from connectors import validate as v

    monkeypatch.setattr(v, "DROP_LIST_MAX", 2)
    raw = pl.LazyFrame({"customer_id": ["a", "b", "a", "a", "b", "c"]})
    result = v.check("customers", raw, first_row=1)
    assert result.quarantined_rows == 3 and result.rows == 3
    assert result.frame.collect().get_column("customer_id").to_list() == ["a", "b", "c"]
    assert result.quarantine.select("row", "reason").rows() == [
        (3, "duplicate customer_id (first seen at row 1)"),
        (4, "duplicate customer_id (first seen at row 1)"),
        (5, "duplicate customer_id (first seen at row 2)"),
    ]
