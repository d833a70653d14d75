"""What the overview says: perception gaps, rising complaint themes, what changed. Built on metric results."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

import metrics
from metrics.analysis import change, periods
from metrics.analysis.headline import TWIN_PAIRS, WATCHED
from ui import data, query
from ui import format as fmt
from ui.state import Filters

PAIR_LABELS = {"delivery.on_time_received": "On time", "delivery.lead_time_customer": "Lead time (median days)"}
RISING_WINDOW_MONTHS = 3


def perception_gaps(filters: Filters) -> pl.DataFrame:
    """One row per twin pair over the whole window: both lenses, the gap, and each lens's n. Raises when a
    pair cannot be computed (the cards above say which); a view without due orders has no rows."""
    rows = []
    for internal, customer in TWIN_PAIRS:
        inside_frame = query.metric(internal, filters, grain="all")
        outside_frame = query.metric(customer, filters, grain="all")
        if inside_frame.is_empty() or outside_frame.is_empty():
            continue  # nothing due in this view: no gap to state
        inside, outside = inside_frame.row(0, named=True), outside_frame.row(0, named=True)
        unit = metrics.spec(customer).unit
        gap = outside["value"] - inside["value"]
        rows.append(
            {
                "measure": PAIR_LABELS.get(customer, metrics.spec(customer).title),
                "inside-out": f"{metrics.spec(internal).title}: {fmt.value(inside['value'], unit)}",
                "customer lens": f"{metrics.spec(customer).title}: {fmt.value(outside['value'], unit)}",
                "gap": fmt.delta(gap, unit),
                "n (inside / customer)": f"{inside['n']:,} / {outside['n']:,}",
            }
        )
    return pl.DataFrame(rows)


def rising_themes(filters: Filters, top: int = 3) -> pl.DataFrame:
    """Themes whose share of customer texts rose most: the last 3 months vs the 3 before (none when the view
    has too few months); raises when the data has no customer texts."""
    themes = query.metric("voice.themes", filters, grain="month")
    if themes.is_empty():
        return pl.DataFrame()
    themes = themes.filter(pl.col("complete"))  # an open month's share is not compared with finished ones
    months = themes.get_column("period").unique().sort()
    if months.len() < 2 * RISING_WINDOW_MONTHS:
        return pl.DataFrame()
    recent, before = months[-RISING_WINDOW_MONTHS:], months[-2 * RISING_WINDOW_MONTHS : -RISING_WINDOW_MONTHS]
    window = pl.when(pl.col("period").is_in(recent.implode())).then(pl.lit("recent"))
    window = window.when(pl.col("period").is_in(before.implode())).then(pl.lit("before"))
    sums = (
        themes.with_columns(window=window)
        .drop_nulls("window")
        .group_by("theme", "label", "window")
        .agg(pl.col("value").sum().alias("mentions"), pl.col("n").sum().alias("texts"))
        .with_columns(share=pl.col("mentions") / pl.col("texts"))
        .pivot("window", index=["theme", "label"], values=["share", "mentions", "texts"])
    )
    return (
        sums.with_columns(change_pts=100 * (pl.col("share_recent") - pl.col("share_before")))
        .sort("change_pts", "theme", descending=[True, False])
        .head(top)
        .select(
            theme="label",
            before="share_before",
            recent="share_recent",
            change_pts="change_pts",
            texts_recent="texts_recent",
        )
    )


def what_changed(filters: Filters) -> list[str]:
    """Sentences about KPIs whose last finished period moved beyond the uncertainty of both periods (an open
    period is never compared: metrics.analysis.change reads finished buckets only). A KPI the data cannot
    compute is named in a last line with its reason, never dropped silently."""
    lines, not_read, failed = [], [], set()
    for name in WATCHED:
        try:  # one KPI the data lacks must not hide the others' news: collected and said below
            frame = query.metric(name, filters)
        except metrics.MetricError as err:
            not_read.append(f"{metrics.spec(name).title} ({fmt.md_escape(str(err))})")
            failed.add(name)
            continue
        spec = metrics.spec(name)
        moved = change.significant_change(frame, spec.min_n)
        if moved is None:
            continue
        before, now = moved
        direction = "rose" if now["value"] > before["value"] else "fell"
        good = (now["value"] > before["value"]) == spec.higher_is_better
        lines.append(
            f"{':green' if good else ':red'}[{spec.title} {direction}] from {fmt.value(before['value'], spec.unit)} "
            f"to {fmt.value(now['value'], spec.unit)} in {periods.label_of(now['period'], filters.grain)}"
            f" (n = {now['n']:,}; the 95 % intervals do not overlap)."
        )
    if not failed & set(TWIN_PAIRS[0]) and (worst := _worst_region_gap(filters)):  # needs both on-time lenses
        lines.append(worst)
    if not_read:
        lines.append(":gray[Not read: " + "; ".join(not_read) + ".]")
    return lines


def _worst_region_gap(filters: Filters) -> str | None:
    if "region" not in data.dataset().columns("orders"):
        return None  # no regions: no regional gap to name
    gaps = query.gap_by(*TWIN_PAIRS[0], replace(filters, regions=()), "region")
    if gaps.is_empty():
        return None
    row = gaps.sort("gap_pts").row(0, named=True)
    if row["gap_pts"] > -5:
        return None
    # Compared across all regions on purpose; say so when the view is filtered to other regions.
    outside = filters.regions and row["region"] not in filters.regions
    where = " (a region outside this view's filter)" if outside else ""
    return (
        f":orange[{fmt.md_escape(row['region'])}]{where}: over the window {row['shipped']:.0%} of orders left on time"
        f" but {row['received']:.0%} arrived on time ({row['gap_pts']:+.0f} points), the widest gap of any region."
    )
