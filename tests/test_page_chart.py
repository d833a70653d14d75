"""Charts reach st.altair_chart without Altair's schema validation (ui.page.without_schema_check), same spec."""

from __future__ import annotations

import re

import altair as alt
import polars as pl
import pytest

from ui import charts_trend
from ui.page import without_schema_check


def trend(lenses: int = 2) -> pl.DataFrame:
    periods = pl.date_range(pl.date(2026, 1, 1), pl.date(2026, 6, 1), "1mo", eager=True)
    rows = [
        {"period": p, "lens": f"lens {k}", "value": 0.9 - 0.01 * i, "ci_low": 0.85, "ci_high": 0.95, "n": 100 + i}
        for k in range(lenses)
        for i, p in enumerate(periods)
    ]
    return pl.DataFrame(rows).with_columns(min_n=pl.lit(30), complete=pl.col("period") < pl.date(2026, 6, 1))


@pytest.mark.parametrize(
    "figure",
    [
        charts_trend.twin_trend(trend(), "share", "Twins", "subtitle"),
        charts_trend.band_trend(trend(1).drop("lens"), "share", 30, "One", "subtitle", reference=0.9),
        charts_trend.small_multiples(trend().with_columns(region=pl.lit("West")), "region", "share", "Facets"),
        alt.Chart(pl.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x:Q", y="y:Q"),
    ],
    ids=["layer", "band", "facet", "chart"],
)
def test_the_spec_is_the_one_altair_validates(figure) -> None:
    quick = without_schema_check(figure)
    assert quick.to_dict() == figure.to_dict()
    assert isinstance(quick, type(figure)), "Streamlit still sees the same kind of chart"
    assert type(figure).__name__ == type(quick).__name__


def test_validation_is_what_is_skipped_and_only_on_the_copy() -> None:
    broken = alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    broken["mark"] = {"type": "point", "no_such_property": 1}  # Vega-Lite's schema forbids it
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        broken.to_dict()
    assert without_schema_check(broken).to_dict()["mark"]["no_such_property"] == 1
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        broken.to_dict()  # the original still validates (exports convert it)


def test_shorthands_resolve_through_one_shared_class_table() -> None:
    """ui.charts builds Altair's schema-hash -> class table once instead of on every shorthand in encode()."""
    from altair.utils import schemapi

    from ui import charts

    first = alt.Chart().mark_line().encode(x="period:T", y="value:Q", tooltip=["lens:N"])
    second = alt.Chart().mark_rule().encode(x="date:T", color=alt.value("#999"))
    assert isinstance(first.encoding.x, alt.X) and isinstance(first.encoding.tooltip[0], alt.Tooltip)
    assert isinstance(second.encoding.color, alt.ColorValue)
    assert first.to_dict()["encoding"] == {
        "x": {"field": "period", "type": "temporal"},
        "y": {"field": "value", "type": "quantitative"},
        "tooltip": [{"field": "lens", "type": "nominal"}],
    }
    key = tuple(alt.X._default_wrapper_classes())
    assert charts._CLASS_TABLES[key] is schemapi._FromDict(alt.X._default_wrapper_classes()).class_dict
    assert schemapi.DEBUG_MODE is False, "objects are validated once, as a finished spec, not one by one"


@pytest.mark.parametrize(
    "page",
    [
        "pages/overview.py",
        "pages/delivery.py",
        "pages/retention.py",
        "pages/satisfaction.py",
        "pages/voice.py",
        "pages/segments.py",
    ],
)
def test_layers_without_parameters_are_not_copied_and_draw_the_same(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ui.charts passes subcharts without selection parameters to layer/facet/concat as they are, skipping
    Altair's deep copies: every chart of every page has the spec Altair's own path gives."""
    from altair.vegalite.v6 import api

    from tests.apptest import run_page
    from ui import charts

    def specs() -> list[str]:
        at = run_page(page, {"region": "West", "grain": "quarter"})
        # Dataset names aside: a hash of the rows, whose order one faceted chart's data does not fix (the
        # same page twice on Altair's own path differs there too).
        return [re.sub(r'"name": "[0-9a-f]{32}"', "", c.proto.spec) for c in at.get("vega_lite_chart")]

    quick = specs()
    copies = []
    monkeypatch.setattr(
        api, "_remove_duplicate_params", lambda layer: copies.append(1) or charts._remove_duplicate_params(layer)
    )
    monkeypatch.setattr(api, "_combine_subchart_params", charts._combine_subchart_params)
    assert quick and specs() == quick
    assert copies, "the page builds layers: Altair's own path ran"


def test_a_chart_with_a_selection_still_takes_altairs_path() -> None:
    hover = alt.selection_point(fields=["x"], on="pointerover", name="hover")
    base = alt.Chart(pl.DataFrame({"x": [1, 2], "y": [3, 4]})).encode(x="x:Q", y="y:Q")
    layered = alt.layer(base.mark_line(), base.mark_point().add_params(hover))
    spec = layered.to_dict()
    assert [p["name"] for p in spec["params"]] == ["hover"], "lifted to the top, as Altair does"
    assert all("params" not in layer for layer in spec["layer"])
