"""Raw rows -> contract-named columns: explicit [columns] first, then headers that match a contract name.

Everything stays lazy: mapping is a select on the source's own lazy frame, in its own engine.
"""

from __future__ import annotations

import re
from typing import Any

import narwhals as nw
import polars as pl

from connectors.contract import TABLES
from connectors.sources import SourceEntry, SourceError
from connectors.validate import ContractError


def normalize(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def column_sources(entry: SourceEntry, names: list[str]) -> dict[str, str]:
    """contract column -> source column, from [columns] then from matching headers."""
    chosen: dict[str, str] = {}
    for contract, header in entry.columns.items():
        if header not in names:
            raise SourceError(
                f'column mapping {contract} = "{header}" names no column of the source; found: {", ".join(names)}'
            )
        chosen[contract] = header
    explicit = set(entry.columns.values())
    for column in TABLES[entry.table].columns:
        if column.name in chosen or column.name in entry.constants:
            continue
        match = next((n for n in names if n == column.name and n not in explicit), None)
        match = match or next((n for n in names if normalize(n) == column.name and n not in explicit), None)
        if match is not None:
            chosen[column.name] = match
    return chosen


def prepare(entry: SourceEntry, raw: Any, *, trim: bool = False) -> Any:
    """Raw lazy rows -> contract-named columns (mapped, constants added, decimal commas fixed), still lazy and
    in the source's engine; not yet validated. Raises ContractError when a required column is absent."""
    table = TABLES[entry.table]
    frame = nw.from_native(raw)
    frame = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    names = frame.collect_schema().names()
    chosen = column_sources(entry, names)
    missing = [c for c in table.required if c not in chosen and c not in entry.constants]
    if missing:
        raise ContractError(
            f"missing required column(s) {', '.join(missing)}; expected {', '.join(table.required)} "
            f"(map others under [tables.{entry.table}.columns]); found: {', '.join(names) or 'no columns'}"
        )
    exprs = [nw.col(source).alias(name) for name, source in chosen.items()]
    exprs += [nw.lit(value).alias(name) for name, value in entry.constants.items()]
    mapped = frame.select(exprs).to_native()
    if not isinstance(mapped, pl.LazyFrame):
        return mapped  # typed engines (Spark, a database): no text clean-up to do
    schema = mapped.collect_schema()
    if entry.decimal_comma:
        floats = [c.name for c in table.columns if c.dtype == pl.Float64 and schema.get(c.name) == pl.String]
        mapped = mapped.with_columns(_decimal_comma(c) for c in floats)
    return _trim_blank_tail(mapped) if trim else mapped


def _decimal_comma(name: str) -> pl.Expr:
    """'1.234,5' -> '1234.5'; values without a comma are left as they are."""
    col = pl.col(name)
    fixed = col.str.replace_all(r"[.\s\u00a0']", "").str.replace(",", ".", literal=True)
    return pl.when(col.str.contains(",", literal=True)).then(fixed).otherwise(col).alias(name)


def _trim_blank_tail(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Drop blank rows at the end only (blank rows in the middle stay, and get quarantined): one pass to find
    the last filled row, the rows themselves stay lazy."""
    columns = frame.collect_schema().names()
    if not columns:
        return frame
    filled = pl.any_horizontal(pl.col(c).cast(pl.String).str.strip_chars().fill_null("") != "" for c in columns)
    last = frame.select(pl.int_range(pl.len()).filter(filled).max()).collect().item()
    return frame.head(0 if last is None else last + 1)
