"""The data contract: the canonical tables every source is cast into.

Metrics and pages only ever see frames with these columns and dtypes. Required
columns must be present and non-null; optional ones may be missing entirely
(a metric that needs one says so) or null in a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # unique id column, if the table has one
    description: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _req(name: str, dtype: pl.DataType, description: str = "") -> Column:
    return Column(name, dtype, True, description)


def _opt(name: str, dtype: pl.DataType, description: str = "") -> Column:
    return Column(name, dtype, False, description)


STR, DATE, FLOAT, INT = pl.String(), pl.Date(), pl.Float64(), pl.Int64()

# Valid score ranges per survey kind, inclusive.
SURVEY_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
RATING_RANGE = (1, 5)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "orders",
            (
                _req("order_id", STR, "unique order id"),
                _req("customer_id", STR),
                _req("order_date", DATE),
                _opt("promised_date", DATE, "delivery date promised to the customer"),
                _opt("shipped_date", DATE, "left the warehouse; null = not yet"),
                _opt("delivered_date", DATE, "received by the customer; null = not yet"),
                _opt("amount", FLOAT),
                _opt("region", STR),
                _opt("segment", STR),
                _opt("channel", STR),
                _opt("carrier", STR),
                _opt("lat", FLOAT, "destination latitude"),
                _opt("lon", FLOAT, "destination longitude"),
            ),
            key="order_id",
            description="One row per order, with the dates each lens measures.",
        ),
        Table(
            "responses",
            (
                _req("response_id", STR),
                _req("responded_at", DATE),
                _req("survey", STR, "nps (0-10) | csat (1-5) | ces (1-7)"),
                _req("score", INT),
                _opt("customer_id", STR),
                _opt("comment", STR),
                _opt("source", STR, "e.g. google_forms, typeform"),
                _opt("region", STR),
                _opt("segment", STR),
                _opt("order_id", STR, "the order the answer is about, when the survey was sent for one"),
            ),
            key="response_id",
            description="Survey answers.",
        ),
        Table(
            "reviews",
            (
                _req("review_id", STR),
                _req("published_at", DATE),
                _req("source", STR, "trustpilot, yelp, google, ..."),
                _req("rating", INT, "1-5 stars"),
                _opt("text", STR, "the comment; null or empty for a star-only review"),
                _opt("customer_id", STR),
                _opt("region", STR),
                _opt("order_id", STR, "the order reviewed (marketplace reviews carry it)"),
            ),
            key="review_id",
            description="Public reviews: star ratings, most without a comment.",
        ),
        Table(
            "notes",
            (
                _req("note_id", STR),
                _req("written_at", DATE),
                _req("text", STR),
                _opt("author", STR),
                _opt("customer_id", STR),
            ),
            key="note_id",
            description="What sales and support hear.",
        ),
        Table(
            "revenue",
            (
                _req("customer_id", STR),
                _req("month", DATE, "first day of the month"),
                _req("revenue", FLOAT),
            ),
            description="Monthly revenue per customer.",
        ),
        Table(
            "customers",
            (
                _req("customer_id", STR),
                _opt("signup_date", DATE),
                _opt("segment", STR),
                _opt("region", STR),
                _opt("lat", FLOAT),
                _opt("lon", FLOAT),
            ),
            key="customer_id",
            description="One row per customer.",
        ),
        Table(
            "events",
            (
                _req("event_id", STR),
                _req("date", DATE, "the day it happened; trend charts draw it as a labelled rule"),
                _req("label", STR, "what happened, e.g. 'Switched Southwest carrier to Meridian Freight'"),
                _opt("region", STR, "the region it concerns; null = every region"),
                _opt("segment", STR, "the segment it concerns; null = every segment"),
                _opt("kind", STR, "e.g. carrier, pricing, product, campaign"),
            ),
            key="event_id",
            description="Optional: what changed in the business, drawn on the trend charts of views it concerns.",
        ),
        Table(
            "targets",
            (
                _req("metric", STR, "a metric's name, as `python -m metrics list` prints it"),
                _req("goal", FLOAT, "in the metric's unit; met at or above it (at or below when lower is better)"),
                _opt("region", STR, "the region the goal is for; null = every region"),
                _opt("segment", STR, "the segment the goal is for; null = every segment"),
            ),
            description="Optional: a goal per metric, or per metric and region and/or segment (beats targets.toml).",
        ),
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
