"""Orders whose on-time-as-received rate per region and month is set by the test (seeded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl


def month_starts(first: date, count: int) -> list[date]:
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def orders(
    months: list[date], regions: dict[str, int], rate: Callable[[str, date], float], seed: int = 7
) -> pl.DataFrame:
    """`regions[r]` orders per month in region r, each received on time with probability rate(r, month).

    Promised 3 days after the order; delivered after 2 days (on time) or 5 (late); shipped after 1.
    Order days spread over days 1-25; the data's last date is then about the 25th of the last month.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for month in months:
        for region, n in regions.items():
            on_time = rng.random(n) < rate(region, month)
            days = rng.integers(0, 25, n)
            ordered = [month + timedelta(days=int(d)) for d in days]
            parts.append(
                pl.DataFrame(
                    {
                        "order_date": ordered,
                        "promised_date": [o + timedelta(days=3) for o in ordered],
                        "shipped_date": [o + timedelta(days=1) for o in ordered],
                        "delivered_date": [
                            o + timedelta(days=2 if ok else 5) for o, ok in zip(ordered, on_time, strict=True)
                        ],
                        "region": [region] * n,
                    }
                )
            )
    frame = pl.concat(parts).with_row_index("order_id").with_columns(pl.col("order_id").cast(pl.String))
    return frame.with_columns(customer_id=pl.col("order_id"))


def tables(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {"orders": frame}
