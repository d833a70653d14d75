"""Data shaping for the retention page: pure Polars over retention metric results, plus cached fetches.

The metric layer computes every number (metrics/retention.py); this module only reshapes its small
results for charts and derives the takeaway sentence. Pooled rates (the weighted mean curve, the
before/after of the takeaway) are sums of the metric's own `active` and `cohort_size` columns.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import metrics
from metrics.analysis import periods
from metrics.analysis.shifts import share_shifts
from metrics.api import CUSTOMER_TABLE, filter_applies
from metrics.decisions import events
from metrics.intervals import add_interval
from ui import data, query
from ui.page import EmptyView
from ui.state import Filters

COHORT = "retention.cohort"
# Each cohort mode's code (the `mode=` value saved links carry: never changed) and the words its button shows.
MODE_LABELS = {"return_on": "Ordered that period", "on_or_after": "Ordered that period or later"}
MODES = tuple(MODE_LABELS)
MODE_HELP = (
    f"{MODE_LABELS['return_on']}: a customer counts in period k if they ordered in that very period. "
    f"{MODE_LABELS['on_or_after']}: if they ordered in period k or any later one (a curve that never rises). "
    "In the link: `mode=return_on` or `mode=on_or_after`."
)
COMPLETE, OPEN = "complete", "still open: a lower bound"


# ---------------------------------------------------------------- labels


def came_back(mode: str, grain: str) -> str:
    """Plain words for period 1 of a cohort in this mode."""
    return f"ordered again the next {grain}" if mode == "return_on" else f"ordered again the next {grain} or later"


# ---------------------------------------------------------------- heatmap and curves


def heatmap_cells(cohort: pl.DataFrame, grain: str) -> pl.DataFrame:
    """Cells from period 1 on (period 0 is 100 % by definition; the size column stands for it).

    text: '41%' for a finished period; an open period can only grow, so it reads '≥6%'
    (or 'open' while nobody has come back yet): an incomplete cell never reads as a 0.
    """
    pct = (pl.col("value") * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit("%")
    text = pl.when(pl.col("complete")).then(pct).when(pl.col("active") > 0).then(pl.lit("≥") + pct)
    return (
        cohort.filter(pl.col("period") >= 1)
        .with_columns(
            cohort_label=periods.label("cohort", grain),
            status=pl.when(pl.col("complete")).then(pl.lit(COMPLETE)).otherwise(pl.lit(OPEN)),
            text=text.otherwise(pl.lit("open")),
        )
        .sort("cohort", "period")
    )


def cohort_sizes(cohort: pl.DataFrame, grain: str) -> pl.DataFrame:
    """One row per cohort: its size, and `status` (an open first period is still taking new customers)."""
    status = pl.when(pl.col("complete")).then(pl.lit(COMPLETE)).otherwise(pl.lit(OPEN))
    return (
        cohort.filter(pl.col("period") == 0)
        .select("cohort", "cohort_size", "complete")
        .with_columns(cohort_label=periods.label("cohort", grain), status=status)
        .sort("cohort")
    )


def cohort_curves(cohort: pl.DataFrame, grain: str) -> pl.DataFrame:
    """Each cohort's curve over its finished periods only (an open period would dip falsely)."""
    return (
        cohort.filter(pl.col("complete"))
        .with_columns(cohort_label=periods.label("cohort", grain))
        .select("cohort", "cohort_label", "period", "cohort_size", "active", "value")
        .sort("cohort", "period")
    )


def mean_curve(cohort: pl.DataFrame) -> pl.DataFrame:
    """The size-weighted mean curve over finished cells, with a Wilson 95 % interval.

    value(k) = sum(active) / sum(cohort_size) over cohorts whose period k has ended: the mean of
    the cohorts' rates weighted by cohort size. n = customers, cohorts = cohorts behind the point.
    """
    pooled = (
        cohort.filter(pl.col("complete"))
        .group_by("period")
        .agg(n=pl.col("cohort_size").sum(), successes=pl.col("active").sum(), cohorts=pl.len())
        .with_columns(value=pl.col("successes") / pl.col("n"))
    )
    return add_interval(pooled, "wilson").sort("period")


# ---------------------------------------------------------------- takeaway


def next_period(cohort: pl.DataFrame) -> pl.DataFrame:
    """Finished period-1 cells: per cohort (and group), who came back one bucket later."""
    return cohort.filter(pl.col("period") == 1, pl.col("complete")).sort("cohort")


def retention_shifts(cells: pl.DataFrame, by: tuple[str, ...], min_n: int) -> pl.DataFrame:
    """Per group, the cohort from which next-period retention changed most, with Wilson intervals.

    before / after are pooled rates (active / cohort_size) of the cohorts on each side;
    significant = the two 95 % intervals do not overlap.
    """
    return share_shifts(cells, "cohort", "cohort_size", "value", by=by, min_weight=min_n)


def worst_cohort(cells: pl.DataFrame, min_n: int) -> dict | None:
    """The cohort with the lowest next-period retention among cohorts of at least min_n customers."""
    big = cells.filter(pl.col("cohort_size") >= min_n)
    if big.is_empty():
        return None
    return big.sort("value", "cohort").row(0, named=True)


def pooled(cells: pl.DataFrame) -> float | None:
    total = cells.get_column("cohort_size").sum()
    return cells.get_column("active").sum() / total if total else None


def takeaway_text(
    shifts: pl.DataFrame, group: str | None, cells: pl.DataFrame, mode: str, grain: str, min_n: int
) -> str:
    """One or two sentences an executive reads first. Pure: frames in, markdown out.

    Names the group (or the whole view) whose next-period retention dropped most, when the drop
    is beyond both 95 % intervals; otherwise says nothing moved and names the weakest cohort.
    """
    if cells.is_empty():
        return f"No cohort has a finished next {grain} yet in this view: widen the dates."
    action = came_back(mode, grain)
    drops = shifts.filter(pl.col("significant"), pl.col("after") < pl.col("before")).sort("stat", descending=True)
    parts = []
    if drops.height:
        top = drops.row(0, named=True)
        who = f"**{top[group]}**" if group else "**This view**"
        since = periods.label_of(top["split_at"], grain)
        parts.append(
            f"{who} retains worse for customers who first ordered from {since} on: {top['after']:.0%} "
            f"{action}, down from {top['before']:.0%} for earlier cohorts "
            f"(n = {top['n_after']:,} vs {top['n_before']:,} customers; the 95 % intervals do not overlap)."
        )
    else:
        where = "No region's" if group else "No"
        parts.append(f"{where} next-{grain} retention moved beyond its 95 % interval across cohorts.")
    worst, overall = worst_cohort(cells, min_n), pooled(cells)
    if worst is not None and overall is not None:
        parts.append(
            f"Weakest cohort: {periods.label_of(worst['cohort'], grain)}, {worst['value']:.0%} {action} "
            f"(n = {worst['cohort_size']:,}) vs {overall:.0%} across all cohorts, weighted by size."
        )
    return " ".join(parts)


# ---------------------------------------------------------------- cached fetches


def cohorts(filters: Filters, mode: str, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """The cohort matrix at the page grain (cached by ui.query)."""
    return query.metric(COHORT, filters, by=by, mode=mode)


def view_cohorts(filters: Filters, mode: str) -> pl.DataFrame:
    """The cohort matrix the page draws; raises EmptyView when the view has no orders."""
    cohort = cohorts(filters, mode)
    if cohort.is_empty():
        raise EmptyView("No orders in this view: widen the dates or clear filters.")
    return cohort


def takeaway(filters: Filters, mode: str) -> str:
    """Always read in return_on mode: on_or_after cells of recent cohorts are censored (they have had
    less time to order 'or later'), which would make every recent cohort look worse."""
    text = _takeaway(filters)
    if mode != "return_on":
        text += " (Read in return_on mode: on_or_after understates recent cohorts, which had less time.)"
    return text


def _takeaway(filters: Filters, mode: str = "return_on") -> str:
    min_n = metrics.spec(COHORT).min_n
    cells = next_period(cohorts(filters, mode))
    if _has_region() and (by_region := cohorts(filters, mode, by=("region",))).height:
        shifts = retention_shifts(next_period(by_region), ("region",), min_n)
        return takeaway_text(shifts, "region", cells, mode, filters.grain, min_n)
    return takeaway_text(retention_shifts(cells, (), min_n), None, cells, mode, filters.grain, min_n)


def _has_region() -> bool:
    """Whether orders carry a region: without one the page has no regional view (not an error)."""
    return "region" in data.dataset().columns("orders")


def region_next(filters: Filters, mode: str) -> tuple[pl.DataFrame | None, str | None]:
    """Finished next-period cells per region and cohort (None when the data has no region or no cohorts), and
    the region whose retention dropped most (None when no drop is beyond the 95 % intervals)."""
    if not _has_region():
        return None, None
    by_region = cohorts(filters, mode, by=("region",))
    if by_region.is_empty():
        return None, None
    cells = next_period(by_region)
    shifts = retention_shifts(cells, ("region",), metrics.spec(COHORT).min_n)
    drops = shifts.filter(pl.col("significant"), pl.col("after") < pl.col("before")).sort("stat", descending=True)
    return cells, (drops.item(0, "region") if drops.height else None)


def suggested_events(filters: Filters, mode: str) -> pl.DataFrame | None:
    """Where next-period retention changed level per region (from that cohort on, 95 % intervals apart), as
    rows for the events table (metrics.decisions.events.suggested); None without cohorts by region."""
    if not _has_region():
        return None
    by_region = cohorts(filters, mode, by=("region",))
    if by_region.is_empty():
        return None
    shifts = retention_shifts(next_period(by_region), ("region",), metrics.spec(COHORT).min_n)
    return events.suggested(shifts, "region", "Next-period retention")


def mode_in_url() -> str:
    """The cohort mode a single-chart link asks for (the page control is not drawn then)."""
    mode = st.query_params.get("mode", MODES[0])
    return mode if mode in MODES else MODES[0]


def revenue_filter_note(filters: Filters) -> str | None:
    """GRR and NRR read the revenue table; a filter that reaches it neither through its own column nor
    through the customers table cannot apply there."""
    ds = data.dataset()
    if not ds.has("revenue"):
        return None
    revenue, customers = ds.columns("revenue"), ds.columns(CUSTOMER_TABLE)
    ignored = [c for c, v in filters.where().items() if v and not filter_applies(revenue, customers, c)]
    if not ignored:
        return None
    return (
        f"GRR and NRR cover every {' and '.join(ignored)}: the revenue table has no "
        f"{' or '.join(ignored)} column, so the {' and '.join(ignored)} filter does not apply to them."
    )


def revenue_pair(filters: Filters) -> pl.DataFrame:
    """GRR and NRR in one long frame (period, metric, value, n, ...)."""
    frames = []
    for name in ("retention.grr", "retention.nrr"):
        frame = query.metric(name, filters)
        frames.append(frame.with_columns(metric=pl.lit(metrics.spec(name).title)))
    return pl.concat(frames, how="diagonal_relaxed").sort("metric", "period")
