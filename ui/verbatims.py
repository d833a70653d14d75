"""Customer texts (survey comments, reviews, notes) as rows, shared by Voice and Segments verbatims.

They reuse the metric's own text extraction (metrics.voice.texts) and theme patterns (metrics.taxonomy),
so a listed comment is exactly one the metric counted.
"""

from __future__ import annotations

from datetime import date

import narwhals as nw
import polars as pl
import streamlit as st

from metrics.api import CUSTOMER_TABLE, filter_rows
from metrics.errors import MissingData
from metrics.ratings import LATE, ON_TIME, delivery_status
from metrics.segments import customer_segments
from metrics.spec import Query
from metrics.taxonomy import Theme, load_themes
from metrics.voice import TEXT_SOURCES, texts
from ui import data
from ui.state import Filters

ALL = "all"


def themes() -> tuple[Theme, ...]:
    return load_themes()


def theme_label(theme_id: str) -> str:
    return next((t.label for t in themes() if t.id == theme_id), theme_id)


def _where(tables: dict[str, pl.DataFrame], table: str, where: dict[str, tuple[str, ...]]) -> nw.LazyFrame:
    """The table's rows under the filters, exactly as metrics.compute selects them."""
    customers = nw.from_native(tables[CUSTOMER_TABLE]).lazy() if CUSTOMER_TABLE in tables else None
    return filter_rows(nw.from_native(tables[table]).lazy(), customers, where)


def _with_delivery(texts: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """`delivery` (late | on_time, null when the text names no delivered order) and `days_late` per text."""
    orders = nw.from_native(tables["orders"]).lazy() if "orders" in tables else None
    needed = ["order_id", "promised_date", "delivered_date"]
    if orders is None or not set(needed) <= set(orders.collect_schema().names()):
        return texts.with_columns(delivery=pl.lit(None, pl.String), days_late=pl.lit(None, pl.Int64))
    # Only the orders the texts name are read (orders may be millions of rows where they live).
    named = texts.get_column("order_id").drop_nulls().unique().to_list()
    status = delivery_status(orders.select(needed).filter(nw.col("order_id").is_in(named))).collect().to_polars()
    status = status.select(
        "order_id",
        delivery=pl.when(pl.col("late")).then(pl.lit(LATE)).otherwise(pl.lit(ON_TIME)),
        days_late=pl.when(pl.col("late")).then(pl.col("days_late")),  # none for on-time orders
    )
    return texts.join(status, on="order_id", how="left")


@st.cache_data(show_spinner=False, max_entries=32)
def _all_texts(version: str, start: date, end: date, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pl.DataFrame:
    """Every text in the window and filters, with its day, channel, source, score, region, customer, segment,
    order and whether that order arrived late."""
    del version  # cache key only
    tables = data.dataset().tables
    frames = {t: _where(tables, t, dict(where)) for t in TEXT_SOURCES if t in tables}
    if not frames:
        return pl.DataFrame()
    q = Query(grain="day", by=("customer_id", "region", "order_id"), start=start, end=end)
    out = _with_delivery(texts(frames, q).collect().to_polars().rename({"period": "date"}), tables)
    segment_frames = {t: nw.from_native(tables[t]).lazy() for t in ("customers", "orders") if t in tables}
    try:
        segments = customer_segments(segment_frames).collect().to_polars()
    except (MissingData, KeyError):  # no segment anywhere: the verbatims simply carry none
        return out.with_columns(segment=pl.lit(None, pl.String))
    return out.join(segments, on="customer_id", how="left")


def all_texts(filters: Filters) -> pl.DataFrame:
    return _all_texts(data.version(), filters.start, filters.end, filters.where_key())


def theme_expr(theme_id: str) -> pl.Expr:
    """True for texts mentioning the theme: the taxonomy's own pattern, as the metric matches it."""
    theme = next(t for t in themes() if t.id == theme_id)
    return pl.col("text").str.contains(theme.pattern)


def match(
    frame: pl.DataFrame, theme: str = ALL, source: str = ALL, search: str = "", delivery: str = ALL
) -> pl.DataFrame:
    """Texts matching a theme id, a channel, a literal, case-insensitive search and the delivery of the order
    they are about (late | on_time); newest first."""
    preds = []
    if theme != ALL:
        preds.append(theme_expr(theme))
    if source != ALL:
        preds.append(pl.col("channel") == source)
    if delivery != ALL:
        preds.append(pl.col("delivery") == delivery)
    if search.strip():
        preds.append(pl.col("text").str.to_lowercase().str.contains(search.strip().lower(), literal=True))
    out = frame.filter(*preds) if preds else frame
    return out.sort(["date", "channel", "source", "text"], descending=[True, False, False, False])
