"""Whether a value changed: two 95 % intervals apart, read on finished buckets only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

Row = Mapping[str, Any]


def overlaps(a: Row, b: Row) -> bool:
    """True when the two rows' 95 % intervals overlap, or either has none: no significant difference."""
    if None in (a.get("ci_low"), a.get("ci_high"), b.get("ci_low"), b.get("ci_high")):
        return True
    return a["ci_low"] <= b["ci_high"] and b["ci_low"] <= a["ci_high"]


def apart(low: str, high: str, other_low: str, other_high: str) -> pl.Expr:
    """Expression: the intervals [low, high] and [other_low, other_high] do not overlap (false when unknown)."""
    return ((pl.col(high) < pl.col(other_low)) | (pl.col(low) > pl.col(other_high))).fill_null(False)


def _finished_and_open_rows(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows with data of finished buckets and of open ones, by period; without a `complete` column every
    bucket counts as finished. The one place that decides which rows a card (or sentence) may compare."""
    rows = frame.filter(pl.col("n") > 0).sort("period")
    if "complete" not in rows.columns:
        return rows, rows.clear()
    return rows.filter(pl.col("complete")), rows.filter(~pl.col("complete"))


def finished_and_open(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict | None]:
    """The series' finished buckets with data, and its trailing open bucket (None if every bucket has ended).

    Without a `complete` column every bucket counts as finished.
    """
    done, still = _finished_and_open_rows(frame)
    return done, (still.row(-1, named=True) if still.height else None)


def latest_two(frame: pl.DataFrame, min_n: int = 1) -> tuple[dict | None, dict | None]:
    """The latest finished bucket with at least `min_n` observations, and the finished one before it."""
    done, _ = finished_and_open(frame)
    rows = done.filter(pl.col("n") >= min_n).tail(2).to_dicts()
    if not rows:
        return None, None
    return rows[-1], rows[0] if len(rows) == 2 else None


def latest_gap(twins: pl.DataFrame, inside: str, outside: str) -> dict | None:
    """The latest period both lenses have: period, inside, outside, their n (n_inside, n_outside), gap_pts
    (100 · (outside - inside)) and complete. `twins`: long form with `lens` (a title), period, n, value and
    optionally complete."""
    both = twins.filter(pl.col("n") > 0)
    if both.is_empty():
        return None
    last = both.get_column("period").max()
    rows = both.filter(pl.col("period") == last).to_dicts()
    values = {r["lens"]: r["value"] for r in rows}
    counts = {r["lens"]: r["n"] for r in rows}
    if values.get(inside) is None or values.get(outside) is None:
        return None
    return {
        "period": last,
        "inside": values[inside],
        "outside": values[outside],
        "n_inside": counts[inside],
        "n_outside": counts[outside],
        "gap_pts": 100 * (values[outside] - values[inside]),
        "complete": all(r.get("complete", True) for r in rows),
    }


def finished_and_open_gap(twins: pl.DataFrame, inside: str, outside: str) -> tuple[dict | None, dict | None]:
    """The gap (latest_gap) in the latest finished period, the one the cards show (latest_two), and in the
    trailing open period, only ever "so far" (None where there is none). Split like finished_and_open, so a
    sentence never reads an open period where the cards read a finished one."""
    done, still = _finished_and_open_rows(twins)
    return latest_gap(done, inside, outside), latest_gap(still, inside, outside)


def significant_change(frame: pl.DataFrame, min_n: int) -> tuple[dict, dict] | None:
    """(before, now): the last two finished buckets of at least `min_n`, when their intervals are apart."""
    now, before = latest_two(frame, min_n)
    if now is None or before is None or overlaps(now, before):
        return None
    return before, now
