"""Small input frames of several shapes, shared by the metric tests.

Every builder returns contract-typed Polars frames (connectors/contract.py), so a
test can hand them to compute() as they are or as DuckDB relations (`as_duckdb`).
Shapes: empty, one_customer, gaps (months with no rows), ties (same dates and
values everywhere), nulls (optional columns null), random (a seeded medium frame).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import duckdb
import polars as pl

from connectors.contract import SURVEY_RANGES, TABLES

SHAPES: tuple[str, ...] = ("empty", "one_customer", "gaps", "ties", "nulls", "random")
REGIONS = ("north", "south", "east")
SEGMENTS = ("smb", "enterprise")
START = date(2024, 1, 1)


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[table].schema)


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """Rows (dicts, missing keys = null) -> a frame with exactly the contract's columns and dtypes."""
    schema = TABLES[table].schema
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def as_duckdb(tables: dict[str, pl.DataFrame]) -> dict[str, duckdb.DuckDBPyRelation]:
    """The same tables as DuckDB relations on a private in-memory connection."""
    con = duckdb.connect()
    return {name: con.from_arrow(df.to_arrow()) for name, df in tables.items()}


def shuffled(tables: dict[str, pl.DataFrame], seed: int) -> dict[str, pl.DataFrame]:
    return {name: df.sample(fraction=1.0, shuffle=True, seed=seed) for name, df in tables.items()}


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _order(rng: random.Random, i: int, customer: str, day: int, nulls: float = 0.0) -> dict:
    maybe = lambda v: None if rng.random() < nulls else v  # noqa: E731
    promised = day + rng.choice((3, 5, 7))
    ship = day + rng.choice((0, 1, 2, 3, 6)) if rng.random() < 0.9 else None
    delivered = ship + rng.choice((1, 2, 4, 8)) if ship is not None and rng.random() < 0.9 else None
    return {
        "order_id": f"o{i}",
        "customer_id": customer,
        "order_date": _day(day),
        "promised_date": maybe(_day(promised)),
        "shipped_date": maybe(None if ship is None else _day(ship)),
        "delivered_date": maybe(None if delivered is None else _day(delivered)),
        "amount": maybe(round(rng.uniform(5, 500), 2)),
        "region": maybe(rng.choice(REGIONS)),
        "segment": maybe(rng.choice(SEGMENTS)),
        "channel": maybe(rng.choice(("web", "store"))),
        "carrier": maybe(rng.choice(("ups", "dhl"))),
    }


def orders(shape: str, seed: int = 0, size: int = 600) -> pl.DataFrame:
    rng = random.Random(seed)
    if shape == "empty":
        return empty("orders")
    if shape == "one_customer":
        rows = [_order(rng, i, "c1", day) for i, day in enumerate((0, 3, 40, 41, 100, 200, 201, 370))]
    elif shape == "gaps":
        # Orders only in Jan, Mar, Jun, Dec 2024 and Mar 2025: whole months and quarters empty.
        days = [0, 10, 61, 70, 152, 160, 335, 340, 430]
        rows = [_order(rng, i, f"c{rng.randint(1, 6)}", rng.choice(days)) for i in range(60)]
    elif shape == "ties":
        # Everything on the same few dates with the same lead times: medians and firsts tie.
        rows = [
            {
                "order_id": f"o{i}",
                "customer_id": f"c{i % 4}",
                "order_date": _day(30 * (i % 3)),
                "promised_date": _day(30 * (i % 3) + 5),
                "shipped_date": _day(30 * (i % 3) + 2),
                "delivered_date": _day(30 * (i % 3) + 5),
                "amount": 10.0,
                "region": REGIONS[i % 2],
            }
            for i in range(24)
        ]
    elif shape == "nulls":
        rows = [_order(rng, i, f"c{rng.randint(1, 20)}", rng.randint(0, 200), nulls=0.3) for i in range(150)]
    elif shape == "random":
        rows = [_order(rng, i, f"c{rng.randint(1, size // 5)}", rng.randint(0, 500)) for i in range(size)]
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return frame("orders", rows)


# How many orders (o0, o1, ...) orders() makes per shape at its default size: feedback links to them.
ORDER_COUNT = {"empty": 0, "one_customer": 8, "gaps": 60, "ties": 24, "nulls": 150, "random": 600}


def _order_ids(shape: str, seed: int, count: int) -> list[str | None]:
    """An order_id per feedback row: about a fifth unlinked (null), a few pointing at no order at all,
    the rest at one of the shape's orders (some orders get several). Its own generator, so the other
    columns stay what they were before feedback carried an order."""
    rng, orders = random.Random(seed + 7919), ORDER_COUNT[shape]
    picks = []
    for _ in range(count):
        roll = rng.random()
        picks.append(None if roll < 0.2 or not orders else "o-missing" if roll < 0.25 else f"o{rng.randrange(orders)}")
    return picks


def responses(shape: str, seed: int = 0, size: int = 600) -> pl.DataFrame:
    rng = random.Random(seed)
    if shape == "empty":
        return empty("responses")
    if shape == "one_customer":
        spec = [(d, s) for d in (0, 40, 100) for s in SURVEY_RANGES]
    elif shape == "gaps":
        spec = [(rng.choice((0, 61, 152, 430)), rng.choice(list(SURVEY_RANGES))) for _ in range(80)]
    elif shape == "ties":
        spec = [(0, s) for s in SURVEY_RANGES for _ in range(6)]
    elif shape == "nulls":
        spec = [(rng.randint(0, 200), rng.choice(list(SURVEY_RANGES))) for _ in range(150)]
    elif shape == "random":
        spec = [(rng.randint(0, 500), rng.choice(list(SURVEY_RANGES))) for _ in range(size)]
    else:
        raise ValueError(f"unknown shape {shape!r}")
    rows = []
    for i, (day, survey) in enumerate(spec):
        low, high = SURVEY_RANGES[survey]
        score = high if shape == "ties" else rng.randint(low, high)
        blank = shape == "nulls" and rng.random() < 0.4
        rows.append(
            {
                "response_id": f"r{i}",
                "responded_at": _day(day),
                "survey": survey,
                "score": score,
                "customer_id": None if blank else ("c1" if shape == "one_customer" else f"c{rng.randint(1, 30)}"),
                "comment": None if blank else rng.choice(("slow delivery", "great support", "price too high", "")),
                "source": None if blank else rng.choice(("typeform", "google_forms")),
                "region": None if blank else rng.choice(REGIONS),
                "segment": None if blank else rng.choice(SEGMENTS),
            }
        )
    for row, order_id in zip(rows, _order_ids(shape, seed, len(rows)), strict=True):
        row["order_id"] = order_id
    return frame("responses", rows)


def _month(index: int) -> date:
    return date(2024 + index // 12, index % 12 + 1, 1)


def revenue(shape: str, seed: int = 0, size: int = 60) -> pl.DataFrame:
    """Monthly revenue per customer from Jan 2024; customers churn, return, expand and contract."""
    rng = random.Random(seed)
    if shape == "empty":
        return empty("revenue")
    rows: list[dict] = []
    if shape == "one_customer":
        rows = [{"customer_id": "c1", "month": _month(m), "revenue": 100.0 + 10 * m} for m in (0, 1, 2, 4, 5)]
    elif shape == "ties":
        rows = [{"customer_id": f"c{c}", "month": _month(m), "revenue": 50.0} for c in range(4) for m in range(4)]
    elif shape in ("gaps", "nulls", "random"):
        customers = {"gaps": 8, "nulls": 15, "random": size}[shape]
        months = (0, 2, 5, 11, 14) if shape == "gaps" else tuple(range(15))
        for c in range(customers):
            first = rng.choice(months[:3])
            base = rng.choice((0.0, 20.0, 100.0, 250.0))
            for m in months:
                if m >= first and rng.random() < 0.7:
                    rows.append({"customer_id": f"c{c}", "month": _month(m), "revenue": base * rng.uniform(0.5, 1.6)})
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return frame("revenue", rows)


TEXTS = ("Late delivery again", "great support team", "price too high", "slow shipping, nice product", "")


def reviews(shape: str, seed: int = 0, size: int = 300) -> pl.DataFrame:
    rng = random.Random(seed)
    if shape == "empty":
        return empty("reviews")
    count = {"one_customer": 5, "gaps": 40, "ties": 12, "nulls": 80, "random": size}[shape]
    days = (0, 61, 152, 430) if shape == "gaps" else (0,) if shape == "ties" else tuple(range(500))
    rows = [
        {
            "review_id": f"v{i}",
            "published_at": _day(rng.choice(days)),
            "source": rng.choice(("trustpilot", "google")),
            "rating": 5 if shape == "ties" else rng.randint(1, 5),
            "text": TEXTS[i % len(TEXTS)],
            "customer_id": None if shape == "nulls" and rng.random() < 0.4 else f"c{rng.randint(1, 30)}",
            "region": None if shape == "nulls" and rng.random() < 0.4 else rng.choice(REGIONS),
        }
        for i in range(count)
    ]
    for i, (row, order_id) in enumerate(zip(rows, _order_ids(shape, seed, count), strict=True)):
        row["order_id"] = order_id
        if shape == "nulls" and i % 3 == 0:
            row["text"] = None  # star-only reviews, as most real reviews are
    return frame("reviews", rows)


def notes(shape: str, seed: int = 0, size: int = 200) -> pl.DataFrame:
    rng = random.Random(seed)
    if shape == "empty":
        return empty("notes")
    count = {"one_customer": 4, "gaps": 30, "ties": 10, "nulls": 60, "random": size}[shape]
    days = (0, 61, 152, 430) if shape == "gaps" else (0,) if shape == "ties" else tuple(range(500))
    rows = [
        {
            "note_id": f"n{i}",
            "written_at": _day(rng.choice(days)),
            "text": TEXTS[i % len(TEXTS)],
            "author": None if shape == "nulls" and rng.random() < 0.4 else rng.choice(("ana", "bo")),
            "customer_id": None if shape == "nulls" and rng.random() < 0.4 else f"c{rng.randint(1, 30)}",
        }
        for i in range(count)
    ]
    return frame("notes", rows)


def tables(shape: str, seed: int = 0) -> dict[str, pl.DataFrame]:
    """orders, responses, revenue, reviews and notes of one shape (customers: build with `frame`)."""
    return {
        "orders": orders(shape, seed),
        "responses": responses(shape, seed),
        "revenue": revenue(shape, seed),
        "reviews": reviews(shape, seed),
        "notes": notes(shape, seed),
    }
