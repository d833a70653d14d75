"""Altair charts for the satisfaction page: promoter mix, 0-10 score distribution."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts_trend import group_label
from ui.satisfaction.data import CATEGORIES, CATEGORIES_ORDER

CATEGORY_COLORS = {"detractors": "#d1495b", "passives": "#bfc5cc", "promoters": "#2e9e6b"}
CATEGORY_SCALE = alt.Scale(domain=list(CATEGORIES), range=[CATEGORY_COLORS[c] for c in CATEGORIES])


def _title(title: str, subtitle: str | list[str]) -> alt.Title:
    return alt.Title(title, subtitle=subtitle, anchor="start")


def _category(legend: bool = True) -> alt.Color:
    return alt.Color(
        "category:N", title=None, scale=CATEGORY_SCALE, legend=alt.Legend(orient="top") if legend else None
    )


def mix_bars(frame: pl.DataFrame, x: str, order: list[str], title: str, subtitle: str, min_n: int) -> alt.Chart:
    """Stacked shares of detractors / passives / promoters per `x` value (period label or group label).

    Bars from fewer than min_n answers are drawn faded (their tooltip says so), not dropped.
    """
    data = frame.with_columns(order=pl.col("category").replace_strict(CATEGORIES_ORDER), low_n=pl.col("n") < min_n)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:O", sort=order, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=200)),
            y=alt.Y("share:Q", stack="zero", title="Share of answers", axis=alt.Axis(format=".0%")),
            color=_category(),
            order=alt.Order("order:Q"),
            opacity=alt.condition(alt.datum.low_n, alt.value(0.35), alt.value(1.0)),
            tooltip=[
                alt.Tooltip(f"{x}:N", title=""),
                alt.Tooltip("category:N", title="Group"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("count:Q", title="Answers", format=","),
                alt.Tooltip("n:Q", title="All answers (n)", format=","),
                alt.Tooltip("low_n:N", title=f"Below min n {min_n}"),
            ],
        )
        .properties(title=_title(title, subtitle), height=320)
    )


def score_bars(frame: pl.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Answers per score 0-10, coloured by what the score makes the customer."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "score:O",
                title="Score (0 = not at all likely to recommend, 10 = extremely likely)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("count:Q", title="Answers"),
            color=_category(),
            tooltip=[
                alt.Tooltip("score:O", title="Score"),
                alt.Tooltip("category:N", title="Counts as"),
                alt.Tooltip("count:Q", title="Answers", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("n:Q", title="All answers (n)", format=","),
            ],
        )
        .properties(title=_title(title, subtitle), height=320)
    )


def score_bars_by_group(frame: pl.DataFrame, group: str, min_n: int, title: str, subtitle: str) -> alt.FacetChart:
    """Share of answers per score in each group (shares, so groups of any size compare)."""
    data = group_label(frame, group, min_n, pl.col("n").first().over(group)).with_columns(low_n=pl.col("n") < min_n)
    chart = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("score:O", title="Score", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("share:Q", title="Share of answers", axis=alt.Axis(format=".0%")),
            color=_category(),
            opacity=alt.condition(alt.datum.low_n, alt.value(0.35), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("label:N", title=group.capitalize()),
                alt.Tooltip("score:O", title="Score"),
                alt.Tooltip("count:Q", title="Answers", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(width=250, height=160)
    )
    panels = alt.Facet("label:N", title=None, sort=alt.SortField("label"))
    # The title in facet(): .properties() on the faceted chart would deep-copy its layers again.
    return alt.layer(chart, data=data).facet(facet=panels, columns=3, title=_title(title, subtitle))


def mix_bars_by_group(
    frame: pl.DataFrame, group: str, order: list[str], min_n: int, title: str, subtitle: str
) -> alt.FacetChart:
    """mix_bars per period in small multiples, one per `group` value; faded bars: n < min_n."""
    data = group_label(frame, group, min_n, pl.col("n").filter(pl.col("category") == "promoters").sum().over(group))
    data = data.with_columns(order=pl.col("category").replace_strict(CATEGORIES_ORDER), low_n=pl.col("n") < min_n)
    chart = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("period_label:O", sort=order, title=None, axis=alt.Axis(labelAngle=-40, labelOverlap=True)),
            y=alt.Y("share:Q", stack="zero", title="Share of answers", axis=alt.Axis(format=".0%")),
            color=_category(),
            order=alt.Order("order:Q"),
            opacity=alt.condition(alt.datum.low_n, alt.value(0.35), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("label:N", title=group.capitalize()),
                alt.Tooltip("period_label:N", title="Period"),
                alt.Tooltip("category:N", title="Group"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("count:Q", title="Answers", format=","),
                alt.Tooltip("n:Q", title="All answers (n)", format=","),
            ],
        )
        .properties(width=250, height=150)
    )
    panels = alt.Facet("label:N", title=None, sort=alt.SortField("label"))
    # The title in facet(): .properties() on the faceted chart would deep-copy its layers again.
    return alt.layer(chart, data=data).facet(facet=panels, columns=3, title=_title(title, subtitle))
