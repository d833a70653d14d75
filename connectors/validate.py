"""Cast raw source frames to the contract; quarantine every row that does not fit, as queries.

Nothing is dropped silently: a row that cannot be cast or breaks a rule leaves the valid frame and
is counted, and (up to `sample` per rule) lands in the quarantine with its source row number, the
column, the offending value and the reason. The source stays a lazy query in its own engine
(Polars, Spark Connect, a database): the valid rows are a lazy filter on it, never a copy; the
counts and samples are a few queries. Checks that cannot fail for a column the source already
types as the contract does (a Parquet date column cannot fail a date cast) are not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import narwhals as nw
import polars as pl

from connectors.contract import RATING_RANGE, SURVEY_RANGES, TABLES, Table

ROW = "__row"
SAMPLE_ROWS = 1000  # quarantined rows kept per rule for /sources and its download; every row is counted
DROP_LIST_MAX = 10_000  # duplicate rows left out by number; beyond, by a window over the id (costs every query)
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


COUNTS_SCHEMA: dict[str, pl.DataType] = {"column": pl.String(), "reason": pl.String(), "rows": pl.Int64()}


@dataclass(frozen=True)
class Validated:
    """`frame`: the valid rows (eager from validate(), a lazy frame in the source's engine from check()).
    `quarantine`: the breaking rows (all of them from validate(), up to `sample` per rule from check()).
    `counts`: per (column, reason) how many rows break it; `quarantined_rows`: distinct rows set aside;
    `rows`: valid rows."""

    frame: Any
    quarantine: pl.DataFrame
    counts: pl.DataFrame
    quarantined_rows: int
    rows: int


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


@dataclass(frozen=True)
class _Check:
    """One way a row can break the contract: `mask` is True on such a row."""

    column: str
    reason: str
    mask: nw.Expr
    value: nw.Expr  # what the quarantine shows, as text


def _rules(table: Table, present: set[str]) -> list[tuple[str, str, nw.Expr]]:
    """Row rules beyond reading, as (column, reason, mask) on the contract-typed frame (any engine)."""
    rules: list[tuple[str, str, nw.Expr]] = []
    if table.name == "responses" and {"survey", "score"} <= present:
        survey = nw.col("survey")  # already lower-cased by the cast
        known = survey.is_in(list(SURVEY_RANGES))
        rules.append(("survey", "unknown survey (expected nps, csat or ces)", ~survey.is_null() & ~known))
        for kind, (low, high) in SURVEY_RANGES.items():
            out = (survey == kind) & ~nw.col("score").is_between(low, high)
            rules.append(("score", f"score out of range for {kind} ({low}-{high})", out))
    if table.name == "reviews" and "rating" in present:
        low, high = RATING_RANGE
        rules.append(("rating", f"rating out of range ({low}-{high})", ~nw.col("rating").is_between(low, high)))
    if table.name == "orders":
        for later in ("shipped_date", "delivered_date"):
            if later in present:
                rules.append((later, f"{later} before order_date", nw.col(later) < nw.col("order_date")))
        if {"shipped_date", "delivered_date"} <= present:
            before = nw.col("delivered_date") < nw.col("shipped_date")
            rules.append(("delivered_date", "delivered_date before shipped_date", before))
    if table.name == "revenue" and "month" in present:
        rules.append(("month", "month is not the first day of a month", nw.col("month").dt.day() != 1))
    if table.name == "targets" and "metric" in present:
        from metrics import names  # the metric layer reads connectors.contract; imported here, not at the top

        rules.append(("metric", "unknown metric (see `python -m metrics list`)", ~nw.col("metric").is_in(names())))
        # Two goals for one metric and filter are found where the goals are read (metrics.decisions.targets):
        # a window here would sit inside the counting aggregate, which SQL engines and Spark refuse.
    return rules


def _can_fail(src: pl.DataType, dst: pl.DataType) -> bool:
    """Whether casting a `src` column to `dst` can fail for some value (a typed column often cannot)."""
    if src == dst or src == pl.Null or dst == pl.String:
        return False
    if dst == pl.Date:
        return not isinstance(src, pl.Datetime)
    if dst.is_float():
        return not src.is_numeric()
    if dst.is_integer():
        return not (src.is_integer() and src not in (pl.UInt64, pl.Int128, pl.UInt128))
    return True


def _polars_cast(
    raw: pl.LazyFrame,
    table: Table,
    present: list[str],
    date_format: str | None,
    passthrough: str | None = None,
    as_is: frozenset[str] = frozenset(),
) -> tuple[nw.LazyFrame, list[str], list[str]]:
    """Contract-typed columns, plus __fail_<c> (the cast failed) and __raw_<c> (the source's text) where a
    cast can fail or text is trimmed, plus `passthrough` as it is. Text columns in `as_is` are taken as they
    are: the data has been counted to need no trimming there. Returns (frame, columns whose cast can fail,
    columns with __raw_)."""
    schema = raw.collect_schema()
    # NaN is how pandas-style readers spell an empty cell: treat it as missing, not as a value.
    raw = raw.with_columns(pl.col(c).fill_nan(None) for c in present if schema[c].is_float())
    exprs: list[pl.Expr] = [pl.col(passthrough)] if passthrough else []
    fallible: list[str] = []
    kept: list[str] = []
    for name in present:
        src, dst = schema[name], table.column(name).dtype
        cast = _cast_expr(name, src, dst, date_format)
        if table.name == "responses" and name == "survey":
            cast = cast.str.to_lowercase()  # survey kinds are codes: "NPS" and " nps" mean nps
        if name in as_is:
            cast = pl.col(name)
        exprs.append(cast.alias(name))
        if _can_fail(src, dst):
            fallible.append(name)
            exprs.append((_as_text(name).replace("", None).is_not_null() & cast.is_null()).alias(f"__fail_{name}"))
        if name in fallible or src == pl.String:
            kept.append(name)
            exprs.append(pl.col(name).cast(pl.String, strict=False).alias(f"__raw_{name}"))
    return nw.from_native(raw.select(exprs)), fallible, kept


_NW_TYPES: dict[pl.DataType, Any] = {pl.String(): nw.String, pl.Date(): nw.Date, pl.Int64(): nw.Int64}


_ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T].*)?$"
_NUMBER = r"^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"


def _text_cast(col: nw.Expr, dst: Any) -> nw.Expr:
    """Text to Date, Float64 or Int64 on an engine whose cast raises on a bad value (DuckDB, PostgreSQL): the
    cast runs only where the text reads as one, so one bad value quarantines its row, not the whole table.
    Dates are ISO (an optional time part is ignored) and real calendar days; integers are whole numbers."""
    text = col.str.strip_chars()
    if dst == nw.Date:
        year, month, day = (text.str.slice(o, n).cast(nw.Int64) for o, n in ((0, 4), (5, 2), (8, 2)))
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = (
            nw.when(month == 2)
            .then(nw.when(leap).then(nw.lit(29)).otherwise(nw.lit(28)))
            .when(month.is_in([4, 6, 9, 11]))
            .then(nw.lit(30))
            .otherwise(nw.lit(31))
        )
        iso = text.str.contains(_ISO_DATE)
        return nw.when(iso).then(nw.when(day <= month_days).then(text.str.slice(0, 10).cast(nw.Date)))
    number = nw.when(text.str.contains(_NUMBER)).then(text.cast(nw.Float64))
    if dst == nw.Int64:  # whole numbers only, in Int64's range
        return nw.when((number == number.round(0)) & (number.abs() < 2**63)).then(number.cast(nw.Int64))
    return number


def _narwhals_cast(
    raw: nw.LazyFrame, table: Table, present: list[str], passthrough: str | None = None
) -> tuple[nw.LazyFrame, list[str], list[str]]:
    """The same for typed engines (Spark, a database): their columns are typed, so casts are plain casts and
    text is only trimmed."""
    schema = raw.collect_schema()
    exprs: list[nw.Expr] = [nw.col(passthrough)] if passthrough else []
    fallible: list[str] = []
    kept: list[str] = []
    for name in present:
        src, dst = schema[name], _NW_TYPES.get(table.column(name).dtype, nw.Float64)
        col = nw.col(name)
        if src == nw.String and dst == nw.String:
            stripped = col.str.strip_chars()
            cast: nw.Expr = nw.when(stripped != "").then(stripped)
            kept.append(name)
            exprs.append(col.alias(f"__raw_{name}"))
        elif src == dst or (dst == nw.Date and src == nw.Datetime) or (dst == nw.Float64 and src.is_numeric()):
            cast = col.cast(dst)
        else:
            cast = _text_cast(col, dst) if src == nw.String else col.cast(dst)
            fallible.append(name)
            kept.append(name)
            exprs.append((~col.is_null() & cast.is_null()).alias(f"__fail_{name}"))
            exprs.append(col.cast(nw.String).alias(f"__raw_{name}"))
        if table.name == "responses" and name == "survey":
            cast = cast.str.to_lowercase()
        exprs.append(cast.alias(name))
    return raw.select(exprs), fallible, kept


def _untouched_texts(raw: pl.LazyFrame, table: Table, present: list[str]) -> frozenset[str]:
    """The source's text columns that validation would leave as they are: no value of theirs is trimmed, turned
    from blank to missing or (a survey) lower-cased. One streaming query per column, so memory holds a batch
    of one column, not every text column of the whole table at once (which doubled the load's peak at 10M)."""
    schema = raw.collect_schema()
    untouched = []
    for name in present:
        if schema[name] != pl.String or table.column(name).dtype != pl.String:
            continue
        # What _cast_expr does to text (trim, then blank to missing) changes a value exactly when it is blank
        # or trimming changes it; this test builds no trimmed copy for the values it keeps.
        col = pl.col(name)
        changed = (col == "") | (col.str.strip_chars() != col)
        if table.name == "responses" and name == "survey":
            changed = changed | (col.str.to_lowercase() != col)
        if not raw.select(changed.any()).collect(engine="streaming").item():
            untouched.append(name)
    return frozenset(untouched)


def _checks(table: Table, present: list[str], fallible: list[str], kept: list[str]) -> tuple[list, list]:
    """(reading checks, rule checks): a rule is only checked on rows that read cleanly, so one bad value is
    reported once."""

    def value(name: str) -> nw.Expr:
        return nw.col(f"__raw_{name}") if name in kept else nw.col(name).cast(nw.String)

    reading: list[_Check] = []
    for name in present:
        want = str(table.column(name).dtype).lower()
        failed = nw.col(f"__fail_{name}") if name in fallible else None
        if failed is not None:
            reading.append(_Check(name, f"cannot read as {want}", failed, value(name)))
        if table.column(name).required:
            missing = nw.col(name).is_null() if failed is None else nw.col(name).is_null() & ~failed
            reading.append(_Check(name, "missing required value", missing, value(name)))
    unread = _any([c.mask for c in reading])
    rules = [
        _Check(col, reason, mask.fill_null(False) & ~unread, nw.col(col).cast(nw.String))
        for col, reason, mask in _rules(table, set(present))
    ]
    return reading, rules


def _any(masks: list[nw.Expr]) -> nw.Expr:
    return nw.any_horizontal(*masks, ignore_nulls=True) if masks else nw.lit(False)


def check(
    table_name: str,
    raw: Any,
    source: str = "",
    *,
    first_row: int = 1,
    date_format: str | None = None,
    sample: int | None = SAMPLE_ROWS,
) -> Validated:
    """Validate `raw` (a lazy or eager frame in any engine narwhals drives, columns named as in the contract)
    in place: a few queries count and sample the breaking rows; the valid rows stay a lazy filter.

    `first_row` is the source's row number of the first data row (2 for a file or sheet with a header
    line), so quarantine rows point at what the user sees. `sample=None` keeps every breaking row.
    Raises ContractError when a required column is absent altogether.
    """
    table = TABLES[table_name]
    frame = nw.from_native(raw)
    frame = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    names = frame.collect_schema().names()
    check_columns(table, names)
    present = [c.name for c in table.columns if c.name in names]
    native = frame.to_native()
    if isinstance(native, pl.LazyFrame):
        # A text column no row of which needs trimming is passed on as the source has it: every query then
        # reads it straight from the scan, so a filter on it (region, segment) is pushed down into the Parquet
        # reader, instead of trimming every value of every query (about 16 % of the Overview's time at 10M
        # orders). Known first, so the checks' pass does not trim them either.
        as_is = _untouched_texts(native, table, present)
        cast, fallible, kept = _polars_cast(native, table, present, date_format, as_is=as_is)
        numbered = native.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
        with_row = _polars_cast(numbered, table, present, date_format, passthrough=ROW, as_is=as_is)[0]
    else:
        cast, fallible, kept = _narwhals_cast(frame, table, present)
        # No row order outside files: rows are numbered in the order of the table's key (or all its columns).
        order = [table.key] if table.key in present else present
        ordered = frame.with_row_index(ROW, order_by=order).with_columns(nw.col(ROW).cast(nw.Int64) + first_row)
        with_row = _narwhals_cast(ordered, table, present, passthrough=ROW)[0]
    reading, rules = _checks(table, present, fallible, kept)
    checks = reading + rules
    bad = _any([c.mask for c in checks])
    stats_query = cast.select(
        nw.len().cast(nw.Int64).alias("__n"),
        bad.cast(nw.Int64).sum().alias("__bad"),
        *(c.mask.cast(nw.Int64).sum().alias(f"__c{i}") for i, c in enumerate(checks)),
    )
    stats, may_repeat = _stats(stats_query, cast, table.key if table.key in present else None)
    total, bad_rows = int(stats["__n"] or 0), int(stats["__bad"] or 0)
    counts = [(c.column, c.reason, int(stats[f"__c{i}"] or 0)) for i, c in enumerate(checks)]
    failing = [c for c, (_, _, n) in zip(checks, counts, strict=True) if n]

    def entries(rows: nw.LazyFrame, c: _Check) -> nw.LazyFrame:
        picked = rows.filter(c.mask).select(
            nw.lit(table_name).alias("table"),
            nw.lit(source).alias("source"),
            nw.col(ROW).cast(nw.Int64).alias("row"),
            nw.lit(c.column).alias("column"),
            c.value.alias("value"),
            nw.lit(c.reason).alias("reason"),
        )
        return picked.sort("row").head(sample) if sample is not None else picked

    samples = [_collect(entries(with_row, c)) for c in failing]
    valid_rows = with_row.filter(~bad) if bad_rows else with_row
    dups = _duplicates(valid_rows, table, present) if may_repeat else None
    if dups is not None and dups.height:
        counts.append((table.key or "", f"duplicate {table.key}", dups.height))
        shown = dups if sample is None else dups.head(sample)
        samples.append(
            shown.select(
                table=pl.lit(table_name),
                source=pl.lit(source),
                row=pl.col(ROW),
                column=pl.lit(table.key),
                value=pl.col("__key"),
                reason=pl.format("duplicate {} (first seen at row {})", pl.lit(table.key), pl.col("__first")),
            )
        )
    quarantine = pl.concat([empty_quarantine(), *samples], how="vertical_relaxed").sort("row", "column")
    n_dups = dups.height if dups is not None else 0
    if n_dups > DROP_LIST_MAX:  # too many to name: keep each id's first row by a window instead
        key = table.key or ""  # duplicates are only looked for in a table with a key
        valid = valid_rows.filter(nw.col(ROW) == nw.col(ROW).min().over(key)).select(present)
    elif dups is not None and n_dups:
        valid = valid_rows.filter(~nw.col(ROW).is_in(dups.get_column(ROW).to_list())).select(present)
    else:
        valid = (cast.filter(~bad) if bad_rows else cast).select(present)
    count_frame = pl.DataFrame([c for c in counts if c[2]], schema=COUNTS_SCHEMA, orient="row")
    return Validated(valid.to_native(), quarantine, count_frame, bad_rows + n_dups, total - bad_rows - n_dups)


def _stats(query: nw.LazyFrame, cast: nw.LazyFrame, key: str | None) -> tuple[dict[str, Any], bool]:
    """The counts (one row), and whether an id may repeat. On Polars the same pass hashes the ids: all hashes
    distinct proves all ids distinct, and the costly duplicate query (a group-by on text) is skipped."""
    native = cast.to_native()
    if key is None or not isinstance(native, pl.LazyFrame):
        return _collect(query).row(0, named=True), key is not None
    # Equal neighbours once the hashes are sorted = repeated hashes. Sorting 8-byte hashes holds them about
    # twice; a hash set for n_unique held 1.0 GB at 20M ids (0.57 GB sorted, and 0.6 s instead of 1.2 s).
    # This pass was the peak of a load, and of a reload beside the data in use.
    hashes = native.select(pl.col(key).drop_nulls().hash().sort().alias("__h"))
    ids = hashes.select((pl.col("__h") == pl.col("__h").shift(1)).sum().alias("__repeats"))
    # One scan of the source for both; streaming, so a batch of rows is held at a time, not whole columns.
    counts, repeats = pl.collect_all([query.to_native(), ids], engine="streaming")
    return counts.row(0, named=True), repeats.item() > 0


def _collect(frame: nw.LazyFrame) -> pl.DataFrame:
    return frame.collect("polars").to_native()


def _duplicates(rows: nw.LazyFrame, table: Table, present: list[str]) -> pl.DataFrame | None:
    """Rows (among `rows`, the otherwise valid ones) whose id an earlier row already has: ROW, __key (the id
    as text) and __first (the row kept), sorted by row. None when the table has no id."""
    key = table.key
    if key is None or key not in present:
        return None
    groups = rows.group_by(key).agg(nw.len().alias("__n"), nw.col(ROW).min().alias("__first"))
    repeated = groups.filter(nw.col("__n") > 1).select(key, "__first")
    later = rows.select(ROW, key).join(repeated, on=key).filter(nw.col(ROW) != nw.col("__first"))
    found = later.select(ROW, nw.col(key).cast(nw.String).alias("__key"), nw.col("__first").cast(nw.Int64))
    return _collect(found).sort(ROW)


def validate(
    table_name: str,
    raw: pl.DataFrame,
    source: str = "",
    *,
    first_row: int = 1,
    date_format: str | None = None,
) -> Validated:
    """check() on an in-memory frame, eagerly: every breaking row in the quarantine, the valid rows collected."""
    v = check(table_name, raw.lazy(), source, first_row=first_row, date_format=date_format, sample=None)
    return Validated(v.frame.collect(), v.quarantine, v.counts, v.quarantined_rows, v.rows)


def conform(table_name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast an already-trusted frame (e.g. the sample data) to contract dtypes and order."""
    table = TABLES[table_name]
    return frame.select(pl.col(c.name).cast(c.dtype) for c in table.columns if c.name in frame.columns)
