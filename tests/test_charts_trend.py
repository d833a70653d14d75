"""Trend charts: points below a metric's min_n are drawn hollow and said so, on single and twin charts."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl

from ui.charts import OPEN_NOTE
from ui.charts_trend import HALF_WIDTH_PX, TRUST_LABELS, band_trend, keyed_lines, small_multiples, twin_trend


def _twins(n_customer_last: int) -> pl.DataFrame:
    rows = []
    for lens, min_n in (("On time as shipped", 30), ("On time as received", 50)):
        for month, n in ((1, 200), (2, 120), (3, n_customer_last if lens.endswith("received") else 200)):
            rows.append(
                {"period": date(2026, month, 1), "lens": lens, "min_n": min_n, "n": n}
                | {"value": 0.9, "ci_low": 0.85, "ci_high": 0.95, "region": "West"}
            )
    return pl.DataFrame(rows)


def _rows(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows]


def _point_layer(spec: dict) -> dict:
    layers = spec["layer"] if "layer" in spec else spec["spec"]["layer"]
    return next(layer for layer in layers if layer["mark"]["type"] == "point")


def test_twin_points_below_their_own_min_n_are_hollow_and_explained() -> None:
    spec = twin_trend(_twins(n_customer_last=40), "share", "On time").to_dict()
    low = [(r["lens"], r["n"]) for r in _rows(spec) if r["trust"] == TRUST_LABELS[1]]
    assert low == [("On time as received", 40)]  # 40 is below received's 50, not a problem for shipped's 30
    fill = _point_layer(spec)["encoding"]["fill"]
    assert fill["condition"]["value"] == "white" and fill["field"] == "lens"
    assert spec["title"]["subtitle"][-1] == "Hollow points: fewer than 30 or 50 observations (min n), too few to trust"


def test_twin_chart_without_low_points_adds_no_note() -> None:
    spec = twin_trend(_twins(n_customer_last=60), "share", "On time", "By month").to_dict()
    assert all(r["trust"] == TRUST_LABELS[0] for r in _rows(spec))
    assert spec["title"]["subtitle"] == ["By month"]


def test_small_multiples_mark_low_points_in_every_panel() -> None:
    spec = small_multiples(_twins(n_customer_last=10), "region", "share", "By region").to_dict()
    assert sum(r["trust"] == TRUST_LABELS[1] for r in _rows(spec)) == 1
    assert _point_layer(spec)["encoding"]["fill"]["condition"]["value"] == "white"
    assert "Hollow points" in spec["title"]["subtitle"][0]


def test_single_line_keeps_its_trust_legend() -> None:
    frame = _twins(n_customer_last=10).filter(pl.col("lens") == "On time as received").drop("lens", "min_n")
    spec = band_trend(frame, "share", 50, "Received", "By month").to_dict()
    fill = _point_layer(spec)["encoding"]["fill"]
    assert fill["field"] == "trust" and fill["scale"]["range"] == ["#e4572e", "white", "white"]
    assert [r["n"] for r in _rows(spec) if r["trust"] == TRUST_LABELS[1]] == [10]


def test_an_open_last_period_is_drawn_hollow_and_said_so() -> None:
    frame = _twins(n_customer_last=60)
    last = frame.get_column("period").max()
    spec = twin_trend(frame.with_columns(complete=pl.col("period") < last), "share", "On time", "By month").to_dict()
    still_open = [r for r in _rows(spec) if r["trust"] == TRUST_LABELS[2]]
    assert len(still_open) == 2, "the open period of each lens"
    assert _point_layer(spec)["encoding"]["fill"]["condition"]["value"] == "white"
    assert any("still open (so far)" in line for line in spec["title"]["subtitle"])


def test_small_multiples_without_low_points_have_no_subtitle() -> None:
    spec = small_multiples(_twins(n_customer_last=60), "region", "share", "By region").to_dict()
    assert "subtitle" not in spec["title"] and spec["title"]["text"] == "By region"


def _received(n_last: int) -> pl.DataFrame:
    return _twins(n_customer_last=n_last).filter(pl.col("lens") == "On time as received").drop("lens", "min_n")


def test_the_trust_legend_lists_only_the_states_drawn_by_their_short_names() -> None:
    """Was: in half a page the legend read "below min n: too few to t…" and "period still open: sc…", and it
    listed states no point had. Now it lists the states drawn, named by the part before the colon."""
    spec = band_trend(_received(10), "share", 50, "Received", "By month", width_px=HALF_WIDTH_PX).to_dict()
    fill = _point_layer(spec)["encoding"]["fill"]
    assert fill["legend"]["values"] == [TRUST_LABELS[0], TRUST_LABELS[1]]  # nothing open: not listed
    assert fill["scale"]["domain"] == list(TRUST_LABELS)  # each state keeps its colour whatever is listed
    assert fill["legend"]["labelExpr"] == "split(datum.label, ':')[0]"
    assert spec["title"]["subtitle"] == ["By month"]  # the caller's subtitle says what hollow grey is

    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(json.dumps(spec | {"width": HALF_WIDTH_PX}))
    legend = re.findall(r'<g class="mark-text role-legend-label"[^>]*>(.*?)</g>', svg, re.S)
    assert re.findall(r">([^<]+)</text>", "".join(legend)) == ["enough data", "below min n"]  # whole words, no …


def test_an_open_period_on_a_single_line_is_listed_and_said_so() -> None:
    last = date(2026, 3, 1)
    frame = _received(60).with_columns(complete=pl.col("period") < last)
    spec = band_trend(frame, "share", 50, "Received", "By month").to_dict()
    assert _point_layer(spec)["encoding"]["fill"]["legend"]["values"] == [TRUST_LABELS[0], TRUST_LABELS[2]]
    assert spec["title"]["subtitle"] == ["By month", OPEN_NOTE]  # the legend's "period still open", explained


def test_keyed_lines_say_an_open_period_in_the_one_wording_of_every_chart() -> None:
    """Was its own "; hollow: period still open (so far)" appended to the subtitle."""
    frame = _twins(n_customer_last=60).rename({"lens": "source"})
    last = frame.get_column("period").max()
    opened = keyed_lines(frame.with_columns(complete=pl.col("period") < last), ("source",), "share", "T", "By month")
    assert opened.to_dict()["title"]["subtitle"] == ["By month", OPEN_NOTE]
    finished = keyed_lines(frame, ("source",), "share", "T", "By month").to_dict()
    assert finished["title"]["subtitle"] == ["By month"]
