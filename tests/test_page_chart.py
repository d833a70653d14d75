"""Charts reach st.altair_chart without Altair's schema validation (ui.page.without_schema_check), same spec."""

from __future__ import annotations

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
