"""The public entry points: names(), spec(), compute()."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any, cast

import narwhals as nw
import polars as pl

from metrics.errors import MetricError, MissingData, UnknownMetric
from metrics.intervals import interval_columns
from metrics.periods import bucket
from metrics.registry import registry
from metrics.spec import GRAINS, Grain, MetricSpec, Query

COUNT_COLUMNS = ("n", "successes", "promoters", "passives", "detractors", "cohort_size", "active", "mentions", "texts")


def names() -> list[str]:
    return list(registry())


def spec(name: str) -> MetricSpec:
    try:
        return registry()[name]
    except KeyError:
        raise UnknownMetric(f"unknown metric {name!r}; known: {', '.join(registry())}") from None


def _lazy(frame: Any) -> nw.LazyFrame:
    native = nw.from_native(frame)
    return native.lazy() if isinstance(native, nw.DataFrame) else native


CUSTOMER_TABLE = "customers"  # where a filter finds a customer's attributes for tables that lack them


def filter_applies(table_columns: Collection[str], customer_columns: Collection[str], column: str) -> bool:
    """Whether a `where` filter on `column` reaches a table: through its own column, or else through its
    customer_id and the customers table's column of that name."""
    return column in table_columns or ("customer_id" in table_columns and column in customer_columns)


def filter_rows(frame: nw.LazyFrame, customers: nw.LazyFrame | None, where: Mapping[str, Sequence]) -> nw.LazyFrame:
    """Keep the rows `where` selects: by the table's own column, or else, for a table without it (revenue has
    no region, notes no segment), the rows of the customers whose customers-table column matches. So a
    filtered view filters every metric the same way. An empty value list means no filter."""
    if not any(where.values()):  # the usual case: no schema lookups at all
        return frame
    cols = frame.collect_schema().names()
    customer_cols = customers.collect_schema().names() if customers is not None else []
    own = [nw.col(c).is_in(list(v)) for c, v in where.items() if v and c in cols]
    out = frame.filter(*own) if own else frame
    via = {c: v for c, v in where.items() if v and c not in cols and filter_applies(cols, customer_cols, c)}
    if via and customers is not None and customers.implementation == frame.implementation:
        matching = customers.filter(*(nw.col(c).is_in(list(v)) for c, v in via.items())).select("customer_id")
        out = out.join(matching.unique(), on="customer_id", how="semi")
    return out


def _filtered(
    s: MetricSpec,
    frames: Mapping[str, nw.LazyFrame],
    customers: nw.LazyFrame | None,
    start: date | None,
    end: date | None,
    where: Mapping[str, Sequence],
) -> dict[str, nw.LazyFrame]:
    time_table, _, time_col = s.time_column.partition(".")
    out = {}
    for table, frame in frames.items():
        preds = []
        if table == time_table:
            if start is not None:
                preds.append(nw.col(time_col) >= nw.lit(start))
            if end is not None:
                preds.append(nw.col(time_col) <= nw.lit(end))
        out[table] = filter_rows(frame.filter(*preds) if preds else frame, customers, where)
    return out


def _check_inputs(s: MetricSpec, frames: Mapping[str, nw.LazyFrame], by: Sequence[str]) -> None:
    """Raise MissingData naming the table or column a metric cannot run without."""
    missing_tables = [t for t in s.tables if t not in frames]
    if missing_tables:
        raise MissingData(f"metric {s.name!r} needs table(s) {', '.join(missing_tables)}")
    if not s.requires and not frames:  # an any-of metric: one of its optional tables will do
        raise MissingData(f"metric {s.name!r} needs at least one of the tables {', '.join(s.optional_tables)}")
    for req in s.requires:
        table, _, col = req.partition(".")
        if col not in frames[table].collect_schema().names():
            raise MissingData(f"metric {s.name!r} needs column {req}, which the data does not have")
    for col in by:
        if not any(col in f.collect_schema().names() for f in frames.values()):
            raise MissingData(f"cannot break {s.name!r} down by {col!r}: no table it reads has that column")


def _as_of(s: MetricSpec, frames: Mapping[str, nw.LazyFrame]) -> date | None:
    table, _, col = s.time_column.partition(".")
    if table not in frames:
        return None
    value = frames[table].select(nw.col(col).max()).collect().item()
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _from_bucket_of(out: pl.DataFrame, column: str, start: date, grain: Grain) -> pl.DataFrame:
    """Rows whose bucket is the one holding `start` or later (history metrics report whole buckets)."""
    first = nw.from_native(pl.DataFrame({"d": [start]})).select(bucket("d", grain)).item()
    return out.filter(pl.col(column) >= first)


def compute(
    name: str,
    tables: Mapping[str, Any],
    grain: str | None = None,
    by: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
    where: Mapping[str, Sequence] | None = None,
    **options: str,
) -> pl.DataFrame:
    """Run metric `name` on `tables` (Polars, DuckDB or any narwhals lazy frame) -> Polars.

    Series metrics return period, *by, n, value, ci_low, ci_high and their extras,
    sorted by period then `by`.
    """
    s = spec(name)
    asked = grain or s.default_grain
    if asked not in GRAINS:
        raise MetricError(f"unknown grain {asked!r}; use one of {', '.join(GRAINS)}")
    grain_: Grain = cast(Grain, asked)
    for option, value in options.items():
        allowed = s.options.get(option)
        if allowed is None:
            raise MetricError(f"metric {name!r} has no option {option!r}")
        if value not in allowed:
            raise MetricError(f"option {option}={value!r} not one of {', '.join(allowed)}")
    resolved = {o: options.get(o, allowed[0]) for o, allowed in s.options.items()}
    frames = {t: _lazy(tables[t]) for t in (*s.tables, *s.optional_tables) if t in tables}
    _check_inputs(s, frames, by)
    last_date = partial(_as_of, s, frames)
    query = Query(grain=grain_, by=tuple(by), start=start, end=end, options=resolved, last_date=last_date)
    customers = _lazy(tables[CUSTOMER_TABLE]) if CUSTOMER_TABLE in tables else None
    result = s.fn(_filtered(s, frames, customers, None if s.history else start, end, where or {}), query)
    # The metric's own query is collected once; the finishing steps (counts, interval, order) then run eagerly
    # on its small result: planning them lazily costs more (~1 ms for the t interval) than running them.
    out = result.collect().to_polars()
    if s.history and start is not None and grain_ != "all":
        out = _from_bucket_of(out, "cohort" if s.kind == "cohort" else "period", start, grain_)
    if s.kind != "series":
        return out.with_columns(pl.col(c).cast(pl.Int64) for c in COUNT_COLUMNS if c in out.columns)
    return out.select(_series_columns(s, by, out.columns)).sort("period", *by, *s.keys, nulls_last=True)


def _series_columns(s: MetricSpec, by: Sequence[str], columns: list[str]) -> list[pl.Expr]:
    """The series output's columns in order and type, the interval included, as one select (each eager
    step on a small frame costs more than its work)."""
    given = {bound.meta.output_name(): bound for bound in interval_columns(s.interval, columns)}
    bounds = [given.get(c, pl.col(c)).cast(pl.Float64).alias(c) for c in ("ci_low", "ci_high")]
    extras = [c for c in s.extras if c in columns]

    def typed(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.Int64) if c in COUNT_COLUMNS else pl.col(c)

    return [
        pl.col("period").cast(pl.Date),
        *map(pl.col, by),
        *map(pl.col, s.keys),
        typed("n"),
        pl.col("value").cast(pl.Float64),
        *bounds,
        *map(typed, extras),
    ]
