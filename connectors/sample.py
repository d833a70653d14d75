"""Embedded sample data: two years of a fictional US business, seeded and fully vectorised.

The data ends on a fixed date (not today) so every screenshot, test and benchmark
sees the same numbers. Four stories are planted (see STORY) so the dashboard has
something true to find:

1. From STORY.since, in STORY.region, STORY.carrier still ships on time (~97 %)
   but delivers late (~70 % on time as received); elsewhere ~96 % / ~93 %.
2. Comments, reviews and notes about slow delivery rise there from that month.
3. That region's customers churn sooner from then on, and its NPS falls from ~+30 to ~0.
4. STORY.focus_segment is small (~5 % of customers), homogeneous, high-value and loyal.

The events table logs the dated turns of these stories, as the business would (see _events); the targets
table holds its goals (_targets).

Everything is drawn with numpy from one seeded generator, in a fixed order, and
assembled with Polars: no Python loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from connectors import sample_texts as tx
from connectors.dataset import Dataset, TableStatus
from connectors.validate import conform


@dataclass(frozen=True)
class Story:
    """The facts planted in the sample data, for tests, docs and the demo script."""

    region: str
    carrier: str
    since: date  # first day of the month the story starts
    focus_segment: str
    start: date  # first day of the data
    end: date  # last day of the data
    regions: tuple[str, ...]
    carriers: tuple[str, ...]
    segments: tuple[str, ...]
    channels: tuple[str, ...]


REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West", "Pacific Northwest")
REGION_P = (0.22, 0.20, 0.18, 0.14, 0.17, 0.09)
# Three cities per region (REGIONS order): name, latitude, longitude.
CITIES = (
    ("New York", 40.71, -74.01), ("Boston", 42.36, -71.06), ("Philadelphia", 39.95, -75.17),
    ("Atlanta", 33.75, -84.39), ("Miami", 25.76, -80.19), ("Charlotte", 35.23, -80.84),
    ("Chicago", 41.88, -87.63), ("Minneapolis", 44.98, -93.27), ("Detroit", 42.33, -83.05),
    ("Phoenix", 33.45, -112.07), ("Dallas", 32.78, -96.80), ("Albuquerque", 35.08, -106.65),
    ("Los Angeles", 34.05, -118.24), ("San Francisco", 37.77, -122.42), ("Denver", 39.74, -104.99),
    ("Seattle", 47.61, -122.33), ("Portland", 45.52, -122.68), ("Boise", 43.62, -116.20),
)  # fmt: skip
CITY_JITTER_DEG = 0.3

SEGMENTS = ("Consumer", "Small business", "Enterprise", "Clinics")
SEGMENT_P = (0.58, 0.27, 0.10, 0.05)
SEGMENT_RATE = (1.0, 1.4, 1.6, 2.2)  # relative orders per active day
SEGMENT_LIFE_DAYS = (240.0, 360.0, 420.0, 3000.0)  # mean customer lifetime (exponential)
# Order amounts: lognormal (mean, sigma) for the broad segments; the focus segment is a tight normal.
AMOUNT_LOGNORMAL = ((55.0, 0.6), (180.0, 0.6), (350.0, 0.9))
FOCUS_AMOUNT = (420.0, 25.0)

CARRIERS = ("Meridian Freight", "Swiftship", "Coastline Parcel", "Northstar Post")
CARRIER_P_STORY_REGION = (0.75, 0.10, 0.08, 0.07)
CARRIER_P_ELSEWHERE = (0.25, 0.35, 0.25, 0.15)
CHANNELS = ("web", "app", "phone", "partner")
CHANNEL_P = (0.50, 0.25, 0.10, 0.15)

STORY = Story(
    region="Southwest",
    carrier="Meridian Freight",
    since=date(2026, 3, 1),
    focus_segment="Clinics",
    start=date(2024, 11, 1),
    end=date(2026, 10, 31),
    regions=REGIONS,
    carriers=CARRIERS,
    segments=SEGMENTS,
    channels=CHANNELS,
)
_STORY_REGION = REGIONS.index(STORY.region)
_STORY_CARRIER = CARRIERS.index(STORY.carrier)
_FOCUS = SEGMENTS.index(STORY.focus_segment)

# Delivery: share shipped after the promise, and share delivered late although shipped on time.
SHIP_LATE_P, SHIP_LATE_P_STORY = 0.04, 0.03
TRANSIT_LATE_P, TRANSIT_LATE_P_STORY = 0.032, 0.28
NO_PROMISE_P = 0.02
# Story 3: share of the region's customers who leave soon after `since`, and how soon (mean days).
STORY_CHURN_P, STORY_CHURN_DAYS = 0.55, 50.0
EARLIEST_SIGNUP = date(2023, 1, 1)
PRE_START_CUSTOMERS_P = 0.25
SIGNUP_GROWTH = 0.8  # exponent on a uniform draw: < 1 puts more signups later

# Moods (good, neutral, bad) by situation; they drive scores, ratings and which phrases are written.
_MOOD_ROWS = {
    "base": (0.53, 0.33, 0.14),
    "late": (0.15, 0.30, 0.55),
    "story_on_time": (0.33, 0.30, 0.37),  # story region after `since`, order on time: trust is shaken
    "focus": (0.72, 0.22, 0.06),
    "focus_late": (0.35, 0.35, 0.30),
}
SURVEYS = ("nps", "csat", "ces")
SURVEY_P = (0.5, 0.3, 0.2)
# Score distributions over 0..10 per survey (rows) and mood (good, neutral, bad).
_SCORE_P = {
    "nps": ({9: 0.5, 10: 0.5}, {7: 0.5, 8: 0.5}, {0: 0.04, 1: 0.04, 2: 0.06, 3: 0.1, 4: 0.14, 5: 0.26, 6: 0.36}),
    "csat": ({4: 0.4, 5: 0.6}, {3: 0.5, 4: 0.5}, {1: 0.3, 2: 0.4, 3: 0.3}),
    "ces": ({6: 0.5, 7: 0.5}, {4: 0.5, 5: 0.5}, {1: 0.25, 2: 0.4, 3: 0.35}),  # 7 = very easy
}
_RATING_P = ({4: 0.4, 5: 0.6}, {3: 0.6, 4: 0.4}, {1: 0.55, 2: 0.45})
RESPONSE_P = 0.25
COMMENT_P = (0.45, 0.6, 0.75)  # by mood
REVIEW_P = (0.04, 0.05, 0.09)  # by mood: unhappy customers write more reviews
# On top, star-only reviews (no text), by mood: most people rate without writing, the content ones most of all.
STAR_ONLY_P = (0.08, 0.06, 0.07)
NOTE_P, NOTE_P_LATE = 0.02, 0.08
REVIEW_SOURCES, REVIEW_SOURCE_P = ("trustpilot", "google", "yelp"), (0.4, 0.45, 0.15)
RESPONSE_SOURCES, RESPONSE_SOURCE_P = ("google_forms", "typeform"), (0.5, 0.5)

_EPOCH = date(1970, 1, 1)
ID_DIGITS = 8  # O00000001; customers get one digit fewer (C0000001); more when n needs it


def _day(d: date) -> int:
    return (d - _EPOCH).days


def _pick(rng: np.random.Generator, probs, rows: np.ndarray | None = None, n: int | None = None) -> np.ndarray:
    """Draw one category per row: from `probs` (1-d), or from row `rows[i]` of a 2-d table.

    Inverse CDF by one vectorised comparison per category (a handful), which beats a binary search.
    """
    table = np.atleast_2d(np.asarray(probs, dtype=float))
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(n if rows is None else len(rows))
    out = np.zeros(len(u), dtype=np.int64)
    for j in range(table.shape[1] - 1):
        out += u >= (cum[0, j] if rows is None else cum[rows, j])
    return out


def _dense(dists, width: int) -> np.ndarray:
    """Sparse {value: p} rows -> a dense probability table over 0..width-1."""
    out = np.zeros((len(dists), width))
    for i, dist in enumerate(dists):
        for value, p in dist.items():
            out[i, value] = p
    return out


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    """prefix + 1..n zero-padded to `width` digits (adding 10**width and dropping the 1 beats zfill)."""
    width = max(width, len(str(n)))
    digits = (pl.int_range(1, n + 1, dtype=pl.Int64) + 10**width).cast(pl.String).str.slice(1)
    return pl.select(pl.concat_str(pl.lit(prefix), digits)).to_series()


def _labels(names: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(names).gather(idx)


def _customers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    start, end, since = _day(STORY.start), _day(STORY.end), _day(STORY.since)
    segment = _pick(rng, SEGMENT_P, n=n)
    region = _pick(rng, REGION_P, n=n)
    city = region * 3 + rng.integers(0, 3, n)
    lat = np.array([c[1] for c in CITIES])[city] + rng.normal(0, CITY_JITTER_DEG, n)
    lon = np.array([c[2] for c in CITIES])[city] + rng.normal(0, CITY_JITTER_DEG, n)
    early = rng.random(n) < PRE_START_CUSTOMERS_P
    # New signups accelerate a little (density rising over time): a growing business, steady to the data's
    # last day (signups that stopped weeks early made the last month's few new customers a false story).
    joined = start + ((end + 1 - start) * rng.random(n) ** SIGNUP_GROWTH).astype(np.int64)
    signup = np.where(early, rng.integers(_day(EARLIEST_SIGNUP), start, n), joined)
    first = np.maximum(signup, start)
    last = np.minimum(first + rng.exponential(np.array(SEGMENT_LIFE_DAYS)[segment]).astype(np.int64), end)
    # Story 3: many of the region's customers leave within weeks of `since`.
    leaves = (region == _STORY_REGION) & (last >= since) & (rng.random(n) < STORY_CHURN_P)
    soon = np.maximum(first, since) + rng.exponential(STORY_CHURN_DAYS, n).astype(np.int64)
    last = np.where(leaves, np.minimum(last, soon), last)
    return {"segment": segment, "region": region, "lat": lat, "lon": lon, "signup": signup, "first": first,
            "last": last}  # fmt: skip


def _orders(rng: np.random.Generator, cust: dict[str, np.ndarray], n_orders: int) -> dict[str, np.ndarray]:
    n_cust = len(cust["segment"])
    active = cust["last"] - cust["first"] + 1
    # Every customer orders at least once (new ones soon after joining, existing ones at any time);
    # the rest go to customers by rate x active days.
    weight = np.array(SEGMENT_RATE)[cust["segment"]] * active
    extra = rng.multinomial(n_orders - n_cust, weight / weight.sum())
    who = np.concatenate([np.arange(n_cust), np.repeat(np.arange(n_cust), extra)])
    is_first = np.arange(len(who)) < n_cust
    joined = cust["signup"][who] >= _day(STORY.start)
    span = np.where(is_first & joined, np.minimum(active[who], 7), active[who])
    day = cust["first"][who] + (rng.random(len(who)) * span).astype(np.int64)
    # Date order; a stable sort on 16-bit day numbers is a radix sort (the data spans < 32k days).
    order = np.argsort((day - _day(STORY.start)).astype(np.int16), kind="stable")
    who, day = who[order], day[order]
    n = len(who)

    region, segment = cust["region"][who], cust["segment"][who]
    channel = _pick(rng, CHANNEL_P, n=n)
    carrier = _pick(rng, [CARRIER_P_ELSEWHERE, CARRIER_P_STORY_REGION], rows=(region == _STORY_REGION).astype(int))
    story = (region == _STORY_REGION) & (carrier == _STORY_CARRIER) & (day >= _day(STORY.since))
    promise = rng.integers(3, 6, n)
    has_promise = rng.random(n) >= NO_PROMISE_P
    ship_late = rng.random(n) < np.where(story, SHIP_LATE_P_STORY, SHIP_LATE_P)
    ship = np.where(ship_late, promise + rng.integers(1, 4, n), rng.integers(0, 3, n))
    late = ship_late | (rng.random(n) < np.where(story, TRANSIT_LATE_P_STORY, TRANSIT_LATE_P))
    on_time_transit = 1 + (rng.random(n) * (promise - np.minimum(ship, promise - 1))).astype(np.int64)
    late_delivery = np.where(ship_late, ship + rng.integers(1, 5, n), promise + rng.integers(1, 6, n))
    deliver = np.where(late, late_delivery, ship + on_time_transit)

    mean, sigma = np.array(AMOUNT_LOGNORMAL).T
    seg_broad = np.minimum(segment, len(AMOUNT_LOGNORMAL) - 1)
    mu = np.log(mean[seg_broad]) - sigma[seg_broad] ** 2 / 2
    broad = rng.lognormal(mu, sigma[seg_broad])
    focus = np.maximum(rng.normal(*FOCUS_AMOUNT, n), 1.0)
    amount = np.round(np.where(segment == _FOCUS, focus, broad), 2)
    return {"who": who, "day": day, "region": region, "segment": segment, "channel": channel, "carrier": carrier,
            "promise": promise, "has_promise": has_promise, "ship": ship, "deliver": deliver, "late": late,
            "amount": amount}  # fmt: skip


def _mood(rng: np.random.Generator, o: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """0 good, 1 neutral, 2 bad for the orders `idx`, from lateness, the story and the segment."""
    late, focus = o["late"][idx], o["segment"][idx] == _FOCUS
    story = (o["region"][idx] == _STORY_REGION) & (o["day"][idx] >= _day(STORY.since))
    names = list(_MOOD_ROWS)
    row = np.select(
        [focus & late, focus, late, story],
        [names.index("focus_late"), names.index("focus"), names.index("late"), names.index("story_on_time")],
        names.index("base"),
    )
    return _pick(rng, list(_MOOD_ROWS.values()), rows=row)


_PHRASES = pl.Series([p for g in tx.GROUP_NAMES for p in tx.GROUPS[g]])
_GROUP_SIZE = np.array([len(tx.GROUPS[g]) for g in tx.GROUP_NAMES])
_GROUP_START = np.concatenate([[0], np.cumsum(_GROUP_SIZE)[:-1]])
_GROUP_P = np.array([[tx.MOOD_GROUPS[m].get(g, 0.0) for g in tx.GROUP_NAMES] for m in tx.MOOD_GROUPS])


def _phrases(rng: np.random.Generator, mood: np.ndarray, late: np.ndarray) -> pl.Series:
    """One phrase per writer: group by mood (late and not delighted -> the 'late' groups), then a phrase."""
    row = np.where(late & (mood > 0), list(tx.MOOD_GROUPS).index("late"), mood)
    group = _pick(rng, _GROUP_P, rows=row)
    phrase = _GROUP_START[group] + (rng.random(len(group)) * _GROUP_SIZE[group]).astype(np.int64)
    return _PHRASES.gather(phrase)


def _after_delivery(rng: np.random.Generator, o: dict[str, np.ndarray], idx: np.ndarray, upto: int) -> np.ndarray:
    return o["day"][idx] + o["deliver"][idx] + rng.integers(1, upto + 1, len(idx))


def _responses(rng: np.random.Generator, o: dict[str, np.ndarray], end: int) -> pl.DataFrame:
    idx = np.flatnonzero(rng.random(len(o["day"])) < RESPONSE_P)
    mood = _mood(rng, o, idx)
    survey = _pick(rng, SURVEY_P, n=len(idx))
    score = _pick(rng, _dense([d for s in SURVEYS for d in _SCORE_P[s]], 11), rows=survey * 3 + mood)
    has_comment = rng.random(len(idx)) < np.array(COMMENT_P)[mood]
    comment = _phrases(rng, mood, o["late"][idx])
    source = _pick(rng, RESPONSE_SOURCE_P, n=len(idx))
    day = _after_delivery(rng, o, idx, 10)
    frame = pl.DataFrame(
        {
            "responded_at": _dates(day),
            "survey": _labels(SURVEYS, survey),
            "score": score.astype(np.int64),
            "customer_id": o["who"][idx],
            "comment": comment.set(pl.Series(~has_comment), None),
            "source": _labels(RESPONSE_SOURCES, source),
            "region": _labels(REGIONS, o["region"][idx]),
            "segment": _labels(SEGMENTS, o["segment"][idx]),
            "order_id": idx,  # every answer is to a post-delivery survey about one order
        }
    )
    return frame.filter(pl.Series(day <= end)).sort("responded_at", maintain_order=True)


def _reviews(rng: np.random.Generator, o: dict[str, np.ndarray], end: int) -> pl.DataFrame:
    """Written reviews, then star-only ones from a child generator (so the draws after them stay as they were)."""
    written = _rated(rng, o, end, REVIEW_P, with_text=True)
    star_only = _rated(rng.spawn(1)[0], o, end, STAR_ONLY_P, with_text=False)
    return pl.concat([written, star_only]).sort("published_at", maintain_order=True)


def _rated(
    rng: np.random.Generator, o: dict[str, np.ndarray], end: int, write_p: tuple[float, ...], with_text: bool
) -> pl.DataFrame:
    # Mood first, then whether that customer reviews the order at all: its stars follow the mood, so late
    # orders (and the story region's) are rated lower.
    mood_all = _mood(rng, o, np.arange(len(o["day"])))
    writes = rng.random(len(mood_all)) < np.array(write_p)[mood_all]
    idx = np.flatnonzero(writes)
    mood = mood_all[idx]
    rating = _pick(rng, _dense(_RATING_P, 6), rows=mood)
    text = _phrases(rng, mood, o["late"][idx]) if with_text else pl.Series([None] * len(idx), dtype=pl.String)
    source = _pick(rng, REVIEW_SOURCE_P, n=len(idx))
    day = _after_delivery(rng, o, idx, 14)
    frame = pl.DataFrame(
        {
            "published_at": _dates(day),
            "source": _labels(REVIEW_SOURCES, source),
            "rating": rating.astype(np.int64),
            "text": text,
            "customer_id": o["who"][idx],
            "region": _labels(REGIONS, o["region"][idx]),
            "order_id": idx,
        }
    )
    return frame.filter(pl.Series(day <= end))


def _notes(rng: np.random.Generator, o: dict[str, np.ndarray], end: int) -> pl.DataFrame:
    idx = np.flatnonzero(rng.random(len(o["day"])) < np.where(o["late"], NOTE_P_LATE, NOTE_P))
    mood = _mood(rng, o, idx)
    late = o["late"][idx]
    # Unhappy or late customers reach support; the others talk to sales.
    support = (mood == 2) | late | (rng.random(len(idx)) < 0.2)
    prefix_i = rng.integers(0, 4, len(idx))
    author_i = rng.integers(0, 3, len(idx))
    prefix = pl.Series(tx.SUPPORT_PREFIXES + tx.SALES_PREFIXES).gather(prefix_i + np.where(support, 0, 4))
    author = pl.Series(tx.SUPPORT_AUTHORS + tx.SALES_AUTHORS).gather(author_i + np.where(support, 0, 3))
    day = _after_delivery(rng, o, idx, 5)
    frame = pl.DataFrame(
        {
            "written_at": _dates(day),
            "text": prefix + _phrases(rng, mood, late),
            "author": author,
            "customer_id": o["who"][idx],
        }
    )
    return frame.filter(pl.Series(day <= end)).sort("written_at", maintain_order=True)


def _with_ids(
    frame: pl.DataFrame, key: str, prefix: str, customer_ids: pl.Series, order_ids: pl.Series | None = None
) -> pl.DataFrame:
    """Number the rows as `key` and turn customer indexes (column customer_id) into customer ids, and order
    indexes (column order_id, feedback about one order) into order ids."""
    linked = [] if order_ids is None else [order_ids.gather(frame.get_column("order_id")).alias("order_id")]
    return frame.with_columns(
        _ids(prefix, frame.height, ID_DIGITS).alias(key),
        customer_ids.gather(frame.get_column("customer_id")).alias("customer_id"),
        *linked,
    )


def _revenue(o: dict[str, np.ndarray], customer_ids: pl.Series) -> pl.DataFrame:
    """Sum of order amounts per customer and month; bincount on a (customer, month) key is ~3x a group_by."""
    month = o["day"].astype("datetime64[D]").astype("datetime64[M]")
    first_month = np.datetime64(STORY.start, "M")
    n_months = int((np.datetime64(STORY.end, "M") - first_month).astype(int)) + 1
    key = o["who"] * n_months + (month - first_month).astype(np.int64)
    has = np.flatnonzero(np.bincount(key))
    total = np.bincount(key, weights=o["amount"])[has]
    month_day = (first_month + (has % n_months)).astype("datetime64[D]").astype(np.int64)
    customer = customer_ids.gather(has // n_months)
    return pl.DataFrame({"customer_id": customer, "month": _dates(month_day), "revenue": np.round(total, 2)})


def _events() -> pl.DataFrame:
    """The dated turns of the planted stories, as a business would log them (the same for every seed)."""
    return pl.DataFrame(
        {
            "event_id": ["E1", "E2", "E3"],
            "date": [STORY.since, STORY.since + timedelta(days=45), STORY.start],
            "label": [
                f"{STORY.carrier} changed its {STORY.region} delivery network",
                f"Support flags late deliveries in {STORY.region}",
                f"Dedicated account team for {STORY.focus_segment}",
            ],
            "region": [STORY.region, STORY.region, None],
            "segment": [None, None, STORY.focus_segment],
            "kind": ["carrier", "support", "sales"],
        }
    )


def _targets() -> pl.DataFrame:
    """The goals targets.example.toml sets: on time as received 95 % (90 % in the story's region), NPS +30,
    delivered within 4 days (median)."""
    return pl.DataFrame(
        {
            "metric": ["delivery.on_time_received"] * 2 + ["satisfaction.nps", "delivery.lead_time_customer"],
            "goal": [0.95, 0.90, 30.0, 4.0],
            "region": [None, STORY.region, None, None],
            "segment": [None, None, None, None],
        },
        schema_overrides={"segment": pl.String},
    )


def generate(seed: int = 7, n_orders: int = 100_000) -> dict[str, pl.DataFrame]:
    """Every contract table (events: the stories' dated turns; targets: the goals), deterministic for (seed,
    n_orders), conformed."""
    if n_orders < 5:
        raise ValueError(f"n_orders must be at least 5, got {n_orders}")
    rng = np.random.default_rng(seed)
    end = _day(STORY.end)
    cust = _customers(rng, n_orders // 5)
    o = _orders(rng, cust, n_orders)

    def not_after_end(offset: np.ndarray) -> pl.Series:
        d = o["day"] + offset
        return _dates(d).set(pl.Series(d > end), None)

    orders = pl.DataFrame(
        {
            "customer_id": o["who"],
            "order_date": _dates(o["day"]),
            "promised_date": _dates(o["day"] + o["promise"]).set(pl.Series(~o["has_promise"]), None),
            "shipped_date": not_after_end(o["ship"]),
            "delivered_date": not_after_end(o["deliver"]),
            "amount": o["amount"],
            "region": _labels(REGIONS, o["region"]),
            "segment": _labels(SEGMENTS, o["segment"]),
            "channel": _labels(CHANNELS, o["channel"]),
            "carrier": _labels(CARRIERS, o["carrier"]),
            "lat": cust["lat"][o["who"]],
            "lon": cust["lon"][o["who"]],
        }
    )
    customer_ids = _ids("C", len(cust["segment"]), ID_DIGITS - 1)
    customers = pl.DataFrame(
        {
            "customer_id": customer_ids,
            "signup_date": _dates(cust["signup"]),
            "segment": _labels(SEGMENTS, cust["segment"]),
            "region": _labels(REGIONS, cust["region"]),
            "lat": cust["lat"],
            "lon": cust["lon"],
        }
    )
    orders = _with_ids(orders, "order_id", "O", customer_ids)
    order_ids = orders.get_column("order_id")
    tables = {
        "orders": orders,
        "responses": _with_ids(_responses(rng, o, end), "response_id", "R", customer_ids, order_ids),
        "reviews": _with_ids(_reviews(rng, o, end), "review_id", "V", customer_ids, order_ids),
        "notes": _with_ids(_notes(rng, o, end), "note_id", "N", customer_ids),
        "revenue": _revenue(o, customer_ids),
        "customers": customers,
        "events": _events(),
        "targets": _targets(),
    }
    return {name: conform(name, frame) for name, frame in tables.items()}


def sample_dataset(seed: int = 7, n_orders: int = 100_000) -> Dataset:
    """The sample tables as a Dataset, with one 'sample' TableStatus per table."""
    tables = generate(seed, n_orders)
    now = datetime.now()
    where = f"embedded sample data (seed {seed}, {n_orders:,} orders)"
    status = tuple(
        TableStatus(table=name, kind="sample", where=where, rows=frame.height, loaded_at=now)
        for name, frame in tables.items()
    )
    return Dataset(tables=tables, status=status)
