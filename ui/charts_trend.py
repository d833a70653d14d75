"""One metric over time with its 95 % band, alone or per group, with sample-size guardrails.

Shared by the retention and satisfaction pages. Points from fewer than min_n observations
are drawn grey and hollow (never dropped); a metric without an interval says so in the subtitle.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import CUSTOMER_COLOR
from ui.format import UNIT_AXIS_FORMAT
from ui.period_axis import period_x

LOW_N_COLOR = "#b8bfc7"
TRUST_LABELS = ("enough data", "below min n: too few to trust")


def axis_format(unit: str) -> str:
    return UNIT_AXIS_FORMAT.get(unit, ".2f")


def with_trust(frame: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """Add `trust`: TRUST_LABELS[1] where n < min_n, else TRUST_LABELS[0]."""
    low, ok = TRUST_LABELS[1], TRUST_LABELS[0]
    return frame.with_columns(trust=pl.when(pl.col("n") < min_n).then(pl.lit(low)).otherwise(pl.lit(ok)))


def _tooltip(unit: str, extra: list[alt.Tooltip] | None = None) -> list[alt.Tooltip]:
    fmt = axis_format(unit)
    return [
        alt.Tooltip("period:T", title="Period"),
        *(extra or []),
        alt.Tooltip("value:Q", title="Value", format=fmt),
        alt.Tooltip("ci_low:Q", title="95 % CI low", format=fmt),
        alt.Tooltip("ci_high:Q", title="95 % CI high", format=fmt),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("trust:N", title="Sample size"),
    ]


def _layers(base: alt.Chart, unit: str, reference: float | None, tooltip: list[alt.Tooltip]) -> list[alt.Chart]:
    axis = alt.Axis(format=axis_format(unit))
    zoom = alt.Scale(zero=False)
    layers = [
        base.mark_area(opacity=0.18, color=CUSTOMER_COLOR).encode(
            y=alt.Y("ci_low:Q", title=None, axis=axis, scale=zoom), y2="ci_high:Q"
        ),
        base.mark_line(color=CUSTOMER_COLOR).encode(y=alt.Y("value:Q", axis=axis, scale=zoom)),
        base.mark_point(size=40, strokeWidth=1.5, opacity=1).encode(
            y="value:Q",
            fill=alt.Fill(
                "trust:N",
                title=None,
                scale=alt.Scale(domain=list(TRUST_LABELS), range=[CUSTOMER_COLOR, "white"]),
                legend=alt.Legend(orient="top", symbolStrokeColor=LOW_N_COLOR),
            ),
            stroke=alt.Stroke(
                "trust:N", scale=alt.Scale(domain=list(TRUST_LABELS), range=[CUSTOMER_COLOR, LOW_N_COLOR]), legend=None
            ),
            tooltip=tooltip,
        ),
    ]
    if reference is not None:
        layers.append(base.mark_rule(strokeDash=[4, 3], color="#555").encode(y=alt.datum(reference)))
    return layers


def band_trend(
    frame: pl.DataFrame, unit: str, min_n: int, title: str, subtitle: str | list[str], reference: float | None = None
) -> alt.LayerChart:
    """Line with its 95 % band; `frame`: period, n, value, ci_low, ci_high (null bounds draw no band)."""
    data = with_trust(frame, min_n)
    base = alt.Chart(data).encode(x=period_x(data))
    chart = alt.layer(*_layers(base, unit, reference, _tooltip(unit)))
    return chart.properties(title=alt.Title(title, subtitle=subtitle, anchor="start"), height=300)


def group_label(frame: pl.DataFrame, group: str, min_n: int, total: pl.Expr | None = None) -> pl.DataFrame:
    """Add `label` = 'group (n = total)' and flag groups whose whole-window n is below min_n.

    `total` defaults to the sum of `n` over the group's periods. A missing group value reads
    '(not recorded)': it is shown, not dropped.
    """
    name = pl.col(group).fill_null("(not recorded)")
    total = pl.col("n").sum().over(group) if total is None else total
    flag = pl.when(total < min_n).then(pl.lit(f" · below min n {min_n}")).otherwise(pl.lit(""))
    label = pl.format("{} (n = {})", name, total) + flag
    return frame.with_columns(label=label)


def group_trends(
    frame: pl.DataFrame,
    group: str,
    unit: str,
    min_n: int,
    title: str,
    subtitle: str,
    reference: float | None = None,
    columns: int = 3,
) -> alt.FacetChart:
    """Small multiples of band_trend, one per `group` value, on shared axes."""
    data = group_label(with_trust(frame, min_n), group, min_n)
    base = alt.Chart().encode(x=period_x(data))
    tooltip = _tooltip(unit, [alt.Tooltip(f"{group}:N", title=group.capitalize())])
    layers = alt.layer(*_layers(base, unit, reference, tooltip), data=data)
    return (
        layers.properties(width=250, height=170)
        .facet(facet=alt.Facet("label:N", title=None, sort=alt.SortField("label")), columns=columns)
        .properties(title=alt.Title(title, subtitle=subtitle, anchor="start"))
    )
