"""Per-customer steps on Polars run over parts of the customers, one part after the other.

A group_by per customer on millions of text ids holds one hash table for all of them: about 1 GB at 20M
orders (4M customers), for each of the six customer metrics. Split the customers by a hash of their id
into parts of about PART_ROWS orders, run the step on each part in turn and stack the (collected) results:
the hash tables are a part's size and the results the same, because every row of one customer lands in
one part. Other backends run the step once, in their engine, where memory is theirs to manage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import narwhals as nw
import polars as pl

PART_ROWS = 5_000_000  # orders per part: 20M orders -> 4 parts, the sample (thousands) -> 1

Step = Callable[[nw.LazyFrame], nw.LazyFrame]


def part_count(orders: nw.LazyFrame) -> int:
    """How many parts `orders` is split into: 1 off Polars, else one per PART_ROWS orders (a row count is
    metadata on Parquet and a length in memory; with a window filter it reads the date column)."""
    if not orders.implementation.is_polars():
        return 1
    rows = orders.select(nw.len()).collect().item()
    return max(1, -(-rows // PART_ROWS))


def in_customer_parts(
    orders: nw.LazyFrame, step: Step, *, add_up_by: Sequence[str] | None = None, parts: int | None = None
) -> nw.LazyFrame:
    """`step(orders)`, run on each part of the customers in turn and stacked; with one part, `step(orders)`
    itself, still lazy. `step` gives either per-customer rows (stacked as they are) or counts: with
    `add_up_by`, the parts' rows with equal keys are added up (every other column summed; no keys = one row).
    Rows with a null id all hash alike, so they land in one part and are counted once."""
    parts = part_count(orders) if parts is None else parts
    if parts <= 1:
        return step(orders)
    native = orders.to_native()
    part = (pl.col("customer_id").hash(seed=0) % parts).fill_null(0)
    pieces = [step(nw.from_native(native.filter(part == k))).collect().to_polars() for k in range(parts)]
    stacked = pl.concat(pieces, how="vertical_relaxed")
    if add_up_by is not None:
        keys = list(add_up_by)
        summed = pl.exclude(keys).sum()
        stacked = stacked.group_by(keys).agg(summed) if keys else stacked.select(summed)
    return nw.from_native(stacked).lazy()
