"""Cast raw source frames to the contract; quarantine every row that does not fit.

Nothing is dropped silently: a row that cannot be cast or breaks a rule leaves the
valid frame and lands in the quarantine with its source row number, the column,
the offending value and the reason. Everything here is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from connectors.contract import RATING_RANGE, SURVEY_RANGES, TABLES, Table

ROW = "__row"
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "source": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
}
# Spreadsheets count days from 1899-12-30 (serial number 1 = 1899-12-31).
SHEETS_EPOCH = date(1899, 12, 30)
# Serial numbers a spreadsheet can hold: 1 (1899-12-31) .. 2958465 (9999-12-31).
SHEETS_SERIALS = (1, 2_958_465)


class ContractError(ValueError):
    """A whole table cannot be read into the contract (e.g. a required column is missing)."""


@dataclass(frozen=True)
class Validated:
    frame: pl.DataFrame
    quarantine: pl.DataFrame

    @property
    def quarantined_rows(self) -> int:
        return self.quarantine.get_column("row").n_unique() if self.quarantine.height else 0


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def check_columns(table: Table, found: list[str]) -> None:
    missing = [c for c in table.required if c not in found]
    if missing:
        raise ContractError(
            f"table '{table.name}' is missing required column(s) {', '.join(missing)}; "
            f"expected {', '.join(table.required)} (optional: "
            f"{', '.join(c.name for c in table.columns if not c.required)}); "
            f"found {', '.join(found) or 'no columns'}"
        )


def _as_text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String, strict=False).str.strip_chars()


def _cast_expr(name: str, src: pl.DataType, dst: pl.DataType, date_format: str | None) -> pl.Expr:
    """Expression casting one raw column to its contract dtype; failures become null."""
    col = pl.col(name)
    if src == dst:
        return col.str.strip_chars().replace("", None) if dst == pl.String else col
    if dst == pl.String:
        # Whole floats from spreadsheets ("00123" stays text, 123.0 -> "123"). Non-strict: 1e20 or inf
        # must not raise; they come out as text.
        if src.is_float():
            whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 2**53)
            return pl.when(whole).then(col.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(col.cast(pl.String))
        return col.cast(pl.String, strict=False).str.strip_chars().replace("", None)
    if dst == pl.Date:
        if isinstance(src, pl.Datetime):
            return col.dt.date()
        if src.is_numeric():  # spreadsheet serial number; the fraction is the time of day
            days = col.cast(pl.Float64, strict=False).floor()
            low, high = SHEETS_SERIALS
            days = pl.when(days.is_between(low, high)).then(days.cast(pl.Int64, strict=False))
            return (pl.lit(SHEETS_EPOCH) + pl.duration(days=days)).cast(pl.Date)
        text = _as_text(name).replace("", None)
        if date_format:
            return text.str.to_date(date_format, strict=False)
        # ISO dates, optionally with a time part.
        return text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dst.is_integer():
        if src.is_float():
            return pl.when(col == col.round(0)).then(col.cast(pl.Int64, strict=False))
        if src == pl.String:
            as_float = _as_text(name).replace("", None).cast(pl.Float64, strict=False)
            return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False))
        return col.cast(dst, strict=False)
    if dst.is_float() and src == pl.String:
        return _as_text(name).replace("", None).cast(dst, strict=False)
    return col.cast(dst, strict=False)


def _problem(mask: pl.Expr, column: str, reason: pl.Expr | str, raw: str | None = None) -> tuple:
    return mask, column, reason if isinstance(reason, pl.Expr) else pl.lit(reason), raw


def _rules(table: Table, present: set[str]) -> list[tuple]:
    """Row rules beyond casting, as (mask, column, reason) on the cast frame."""
    rules: list[tuple] = []
    if table.name == "responses" and {"survey", "score"} <= present:
        survey = pl.col("survey")  # already lower-cased by validate()
        known = survey.is_in(list(SURVEY_RANGES))
        rules.append(_problem(survey.is_not_null() & ~known, "survey", "unknown survey (expected nps, csat or ces)"))
        for kind, (low, high) in SURVEY_RANGES.items():
            out = (survey == kind) & ~pl.col("score").is_between(low, high)
            rules.append(_problem(out, "score", f"score out of range for {kind} ({low}-{high})"))
    if table.name == "reviews" and "rating" in present:
        low, high = RATING_RANGE
        rules.append(_problem(~pl.col("rating").is_between(low, high), "rating", f"rating out of range ({low}-{high})"))
    if table.name == "orders":
        for later in ("shipped_date", "delivered_date"):
            if later in present:
                rules.append(_problem(pl.col(later) < pl.col("order_date"), later, f"{later} before order_date"))
        if {"shipped_date", "delivered_date"} <= present:
            before = pl.col("delivered_date") < pl.col("shipped_date")
            rules.append(_problem(before, "delivered_date", "delivered_date before shipped_date"))
    if table.name == "revenue" and "month" in present:
        rules.append(_problem(pl.col("month").dt.day() != 1, "month", "month is not the first day of a month"))
    return rules


def validate(
    table_name: str,
    raw: pl.DataFrame,
    source: str = "",
    *,
    first_row: int = 1,
    date_format: str | None = None,
) -> Validated:
    """Cast `raw` (columns already named as in the contract) to the contract.

    `first_row` is the source's row number of the first data row (2 for a file or
    sheet with a header line), so quarantine rows point at what the user sees.
    Raises ContractError when a required column is absent altogether.
    """
    table = TABLES[table_name]
    check_columns(table, raw.columns)
    present = [c.name for c in table.columns if c.name in raw.columns]
    # Null-typed columns (all empty) cast cleanly to anything. NaN is how pandas-style readers spell
    # an empty cell: treat it as missing, not as a value.
    raw = raw.select(present).with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    raw = raw.with_columns(pl.col(c).fill_nan(None) for c in present if raw.schema[c].is_float())
    casts = {
        name: _cast_expr(name, raw.schema[name], table.column(name).dtype, date_format).alias(name) for name in present
    }
    if table.name == "responses" and "survey" in casts:
        # Survey kinds are codes: "NPS" and " nps" mean nps.
        casts["survey"] = casts["survey"].str.to_lowercase().alias("survey")
    cast = raw.with_columns(casts.values())

    problems: list[tuple] = []
    for name in present:
        raw_text = _as_text(name).replace("", None)
        failed = raw_text.is_not_null() & pl.col(f"__cast_{name}").is_null()
        want = str(table.column(name).dtype).lower()
        problems.append(_problem(failed, name, f"cannot read as {want}", name))
        if table.column(name).required:
            problems.append(
                _problem(pl.col(f"__cast_{name}").is_null() & raw_text.is_null(), name, "missing required value")
            )
    both = raw.with_columns(casts[n].alias(f"__cast_{n}") for n in present)
    entries = [_entries(both, mask, col, reason, table_name, source, raw_name=col) for mask, col, reason, _ in problems]

    # Rules are checked on rows that cast cleanly, so one bad value is reported once.
    cast_bad = pl.concat(entries).get_column("row") if entries else pl.Series([], dtype=pl.Int64)
    clean = cast.filter(~pl.col(ROW).is_in(cast_bad.implode()))
    for mask, col, reason, _ in _rules(table, set(present)):
        entries.append(_entries(clean, mask.fill_null(False), col, reason, table_name, source, raw_name=col))
    if table.key and table.key in present:
        # Among rows that are otherwise valid, so the first *usable* row of an id is the one kept.
        rule_bad = pl.concat(entries).get_column("row")
        dup = (
            clean.filter(~pl.col(ROW).is_in(rule_bad.implode()))
            .select(ROW, table.key)
            .with_columns(first=pl.col(ROW).min().over(table.key))
            .filter(pl.col(ROW) != pl.col("first"))
        )
        entries.append(
            dup.select(
                table=pl.lit(table_name),
                source=pl.lit(source),
                row=pl.col(ROW),
                column=pl.lit(table.key),
                value=pl.col(table.key).cast(pl.String),
                reason=pl.format("duplicate {} (first seen at row {})", pl.lit(table.key), pl.col("first")),
            )
        )
    quarantine = pl.concat([empty_quarantine(), *entries], how="vertical_relaxed").sort("row", "column")
    bad_rows = quarantine.get_column("row").unique().implode()
    valid = cast.filter(~pl.col(ROW).is_in(bad_rows)).drop(ROW)
    return Validated(valid, quarantine)


def _entries(
    frame: pl.DataFrame, mask: pl.Expr, column: str, reason: pl.Expr, table: str, source: str, raw_name: str
) -> pl.DataFrame:
    return frame.filter(mask).select(
        table=pl.lit(table),
        source=pl.lit(source),
        row=pl.col(ROW),
        column=pl.lit(column),
        value=pl.col(raw_name).cast(pl.String, strict=False),
        reason=reason,
    )


def conform(table_name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast an already-trusted frame (e.g. the sample data) to contract dtypes and order."""
    table = TABLES[table_name]
    return frame.select(pl.col(c.name).cast(c.dtype) for c in table.columns if c.name in frame.columns)
