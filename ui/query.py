"""Cached metric results for pages: small hashable arguments in, a small Polars frame out.

Frames are never cache arguments (st.cache_data hashes Polars frames unreliably); the
data set is named by its version token instead, which changes when data is reloaded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import narwhals as nw
import polars as pl
import streamlit as st

import metrics
from connectors.sources import default_sources_path
from metrics.analysis import change, periods
from metrics.decisions import events as view_events
from metrics.decisions import targets as goal_file
from metrics.decisions.errors import DecisionError
from ui import data
from ui import format as fmt
from ui.state import Choices, Filters


@st.cache_data(show_spinner=False, max_entries=512)
def _compute(
    name: str,
    version: str,
    grain: str,
    by: tuple[str, ...],
    start: date | None,
    end: date | None,
    where: tuple[tuple[str, tuple[str, ...]], ...],
    options: tuple[tuple[str, str], ...],
) -> pl.DataFrame:
    del version  # part of the cache key only
    return metrics.compute(
        name, data.dataset().tables, grain=grain, by=by, start=start, end=end, where=dict(where), **dict(options)
    )


def metric(
    name: str, filters: Filters, by: tuple[str, ...] = (), grain: str | None = None, **options: str
) -> pl.DataFrame:
    """Metric `name` under the shared filters (grain 'all' gives one row per `by`).

    A series gets `complete` per period (metrics.analysis.periods): false for a bucket that ends after the
    data's last date or the window's end, which cards, sentences and charts show as open ("so far").
    """
    grain = grain or filters.grain
    frame = _compute(
        name,
        data.version(),
        grain,
        tuple(by),
        filters.start,
        filters.end,
        filters.where_key(),
        tuple(sorted(options.items())),
    )
    if "complete" in frame.columns:  # cohort metrics mark their own cells
        return frame
    return periods.mark_complete(frame, grain, through(filters))


def through(filters: Filters) -> date | None:
    """The last day whose rows are all in for this view (see metrics.analysis.periods.through)."""
    return periods.through(choices().last, filters.end)


@st.cache_data(show_spinner=False, max_entries=8)
def _choices(version: str) -> Choices:
    del version
    ds = data.dataset()
    # One small query per table, wherever it lives (a lazy scan reads only these columns).
    bounds = [
        nw.from_native(ds.tables[t]).lazy().select(nw.col(c).min().alias("first"), nw.col(c).max().alias("last"))
        for t, c in periods.TIME_COLUMNS.items()  # the one list of dated tables (also the data's last date)
        if t in ds.tables and c in ds.columns(t)
    ]
    first = last = None
    if bounds:
        days = pl.concat([b.collect("polars").to_native().cast(pl.Date) for b in bounds], how="vertical_relaxed")
        first, last = days.get_column("first").min(), days.get_column("last").max()
    if first is None:  # nothing dated loaded (e.g. every source failed): pages say what is missing
        first = last = date.today()

    def options(column: str) -> tuple[str, ...]:
        values = [
            nw.from_native(ds.tables[t]).lazy().select(column).unique().collect("polars").to_native().to_series()
            for t in ("orders", "customers", "responses")
            if column in ds.columns(t)
        ]
        return tuple(sorted(pl.concat(values).drop_nulls().unique().to_list())) if values else ()

    return Choices(first=first, last=last, regions=options("region"), segments=options("segment"))


def choices() -> Choices:
    """Date bounds and filter options the loaded data offers."""
    return _choices(data.version())


def twins(
    internal: str, customer: str, filters: Filters, by: tuple[str, ...] = (), grain: str | None = None
) -> pl.DataFrame:
    """Both lenses of a twin pair in one long frame, with a `lens` label (internal first) and each lens's
    `min_n` (the charts draw its points below that hollow)."""
    frames = []
    for name in (internal, customer):
        spec = metrics.spec(name)
        labels = {"lens": pl.lit(spec.title), "min_n": pl.lit(spec.min_n)}
        frames.append(metric(name, filters, by=by, grain=grain).with_columns(**labels))
    return pl.concat(frames, how="diagonal_relaxed")


def gap_by(internal: str, customer: str, filters: Filters, category: str) -> pl.DataFrame:
    """Over the whole window, per `category`: both rates, n, and the gap in points (customer - internal)."""
    shipped = metric(internal, filters, by=(category,), grain="all").select(category, "n", shipped="value")
    received = metric(customer, filters, by=(category,), grain="all").select(category, received="value")
    joined = shipped.join(received, on=category, how="inner")
    return joined.with_columns(gap_pts=100 * (pl.col("received") - pl.col("shipped"))).sort(category)


def gap_sentence(internal: str, customer: str, filters: Filters) -> str | None:
    """One sentence on the gap between the two lenses in the period the cards show: the last finished one
    (metrics.analysis.change.finished_and_open_gap); after it, greyed, the open period's values "so far"."""
    inside, outside = metrics.spec(internal).title, metrics.spec(customer).title
    finished, still_open = change.finished_and_open_gap(twins(internal, customer, filters), inside, outside)
    if finished is None and still_open is None:
        return None
    if finished is None:  # said plainly, rather than letting an open period stand in for a finished one
        lines = [f"**No finished {filters.grain} in this view yet:** the gap is read on finished periods only."]
    else:
        when = periods.label_of(finished["period"], filters.grain)
        lines = [
            f"**{when}:** {_lenses(finished)}: a gap of **{fmt.signed(finished['gap_pts'], 1)} points** between what we"
            " measure and what customers experience."
        ]
        if floor := _too_few(finished, internal, customer):  # the cards grey these values out: say why here too
            lines[0] += f" :gray-background[fewer than {floor} observations: too few to trust]"
    if still_open is not None:
        so_far = periods.label_of(still_open["period"], filters.grain, complete=False)
        lines.append(f":gray[{so_far}: {_lenses(still_open)}; still open: not compared.]")
    return "  \n".join(lines)


def _too_few(gap: dict, internal: str, customer: str) -> int | None:
    """The min_n a lens of `gap` falls short of (the cards' rule: n below the metric's min_n), else None."""
    for name, n in ((internal, gap["n_inside"]), (customer, gap["n_outside"])):
        if n < metrics.spec(name).min_n:
            return metrics.spec(name).min_n
    return None


def _lenses(gap: dict) -> str:
    """Both lenses' values in one period, each with its n (as on the cards)."""
    return (
        f"{fmt.value(gap['inside'], 'share')} of orders left on time (n = {fmt.count(gap['n_inside'])}),"
        f" {fmt.value(gap['outside'], 'share')} arrived on time (n = {fmt.count(gap['n_outside'])})"
    )


LEAD_TIMES = ("delivery.lead_time_internal", "delivery.lead_time_customer")


def lead_times(filters: Filters) -> pl.DataFrame:
    """Median and p90 lead time per lens in long form (period, lens, complete, stat, days), with `complete` as
    metric() marks each period: the chart draws a period still open as open."""
    return (
        twins(*LEAD_TIMES, filters)
        .select("period", "lens", "complete", median="value", p90="p90")
        .unpivot(index=["period", "lens", "complete"], variable_name="stat", value_name="days")
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _targets(path: str, stamp: int) -> tuple[goal_file.Target, ...]:
    del stamp  # the file's modification time: an edited file is read again
    return goal_file.load(Path(path))


@st.cache_data(show_spinner=False, max_entries=4)
def _table_targets(version: str) -> tuple[tuple[goal_file.Target, ...], tuple[str, ...]]:
    """The targets table's goals and problems (goal_file.from_table)."""
    del version  # the data's version: a reloaded targets table is read again
    return goal_file.from_table(data.dataset().tables.get("targets"))


def targets_or_error() -> tuple[tuple[goal_file.Target, ...], str | None]:
    """The dashboard's goals: the `targets` table's, then the file's (metrics.decisions.targets.app_path) where
    the table sets none (merge); with a file that cannot be used, the table's and the reason."""
    table, problems = _table_targets(data.version())
    said = "; ".join(problems) or None  # the page names them with any problem of the file
    path = goal_file.app_path(default_sources_path())
    if path is None:
        return table, said
    try:
        file = _targets(str(path), path.stat().st_mtime_ns if path.exists() else 0)
    except DecisionError as err:
        return table, "; ".join(x for x in (f"Goals from the targets file not shown: {err}", said) if x)
    return goal_file.merge(table, file), said


def goals(names: tuple[str, ...], filters: Filters) -> tuple[goal_file.Target, ...]:
    """The view's goal for each of `names` that has one (a region's or segment's own beats the overall one)."""
    return goal_file.goals(targets_or_error()[0], names, filters.where())


def panel_marks(names: tuple[str, ...], filters: Filters, frame: pl.DataFrame, column: str) -> dict[str, Any]:
    """The goals of `names` and the events of each panel of `frame` broken down by `column`, as the keyword
    arguments of charts_trend.small_multiples and group_trends (metrics.decisions: targets.per_panel and
    events.per_panel say which belong to which panel)."""
    values = frame.get_column(column).unique().to_list() if column in frame.columns else []
    goals = goal_file.per_panel(targets_or_error()[0], names, filters.where(), column, values)
    return {"panel_goals": goals, "panel_events": view_events.per_panel(events(filters), column, values)}


def events(filters: Filters) -> pl.DataFrame:
    """The loaded `events` in the view's window that concern its regions and segments (metrics.decisions.events)."""
    return view_events.in_view(data.dataset().tables.get("events"), filters.start, filters.end, filters.where())
