"""Load the tables a sources file names into a validated Dataset (used by the app and the CLI).

Every table is read raw, its columns mapped to the contract (explicit [columns] first, then
headers that match a contract name once lower-cased with spaces/punctuation as "_"),
constants added, and validated. A broken table gets TableStatus.error and the rest loads;
after a transient failure (quota, server error, network) the last good data of that entry
is served again with TableStatus.stale_since = when that data was loaded.
Tables the sources file does not name are absent (pages that need them say so).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from connectors import files, gsheets, sql
from connectors.contract import TABLES
from connectors.dataset import Dataset, TableStatus
from connectors.sources import SourceEntry, SourceError, default_sources_path, read_sources
from connectors.validate import ContractError, empty_quarantine, validate


class Loaded(NamedTuple):
    frame: pl.DataFrame | None  # None when the table could not be loaded
    quarantine: pl.DataFrame
    status: TableStatus


@dataclass(frozen=True)
class LoadContext:
    """Where secrets come from: the app passes st.secrets / st.connection, the CLI the files."""

    secrets: Mapping[str, Any]
    sheets_client: Callable[[], Any]  # -> gspread.Client, or None when no credentials (public sheets only)


def cli_context(secrets_path: str | Path | None = None) -> LoadContext:
    """Secrets from .streamlit/secrets.toml (or `secrets_path`); Sheets key from there or $OUTSIDEIN_GSHEETS_KEY."""

    @functools.cache
    def client() -> Any:
        info = gsheets.find_credentials(secrets_path)
        return gsheets.client_from_info(info) if info else None

    try:
        secrets = gsheets.read_secrets(secrets_path)
    except SourceError:
        secrets = {}  # a broken secrets file only matters to sources that need it; client() reports it
    return LoadContext(secrets, client)


# Last good load per entry fingerprint, served when a refresh fails transiently.
_LAST_GOOD: dict[str, tuple[pl.DataFrame, pl.DataFrame, datetime]] = {}
_LAST_GOOD_LOCK = threading.Lock()


def load_dataset(path: str | Path | None = None, *, context: LoadContext | None = None) -> Dataset:
    """The Dataset a sources file describes; without one (no path, no $OUTSIDEIN_SOURCES, no ./sources.toml)
    the sample data."""
    path = Path(path) if path else default_sources_path()
    if path is None:
        return sample_dataset()
    context = context or cli_context()
    return assemble(loaded for group in plan(read_sources(path)) for loaded in load_group(group, context))


def plan(entries: Iterable[SourceEntry]) -> list[list[SourceEntry]]:
    """Load units: tabs of one spreadsheet together (one batchGet), every other entry alone."""
    groups: dict[str, list[SourceEntry]] = {}
    for entry in entries:
        key = entry.table
        if entry.kind == "gsheets" and not entry.problem:
            with contextlib.suppress(SourceError):  # a bad key fails alone, at load time
                key = "gsheets:" + gsheets.spreadsheet_key(entry.options["spreadsheet"])
        groups.setdefault(key, []).append(entry)
    return list(groups.values())


def load_group(group: list[SourceEntry], context: LoadContext) -> list[Loaded]:
    if group[0].kind == "gsheets" and not group[0].problem:
        return _load_sheets(group, context)
    return [load_table(entry, context) for entry in group]


def load_table(entry: SourceEntry, context: LoadContext | None = None) -> Loaded:
    """One table: (validated frame or None, its quarantine, its status). Never raises."""
    context = context or cli_context()
    if entry.kind == "gsheets" and not entry.problem:
        return _load_sheets([entry], context)[0]
    try:
        if entry.problem:
            raise SourceError(entry.problem)
        if entry.kind == "sample":
            return _from_sample(entry)
        readers: dict[str, Callable[[], list[files.Piece]]] = {
            "csv": lambda: files.read_csv(entry),
            "parquet": lambda: files.read_parquet(entry),
            "excel": lambda: files.read_excel(entry),
            "sql": lambda: sql.read_sql(entry, context.secrets),
        }
        return _validated(entry, readers[entry.kind]())
    except Exception as exc:
        return _failed(entry, exc)


def assemble(results: Iterable[Loaded]) -> Dataset:
    results = list(results)
    tables = {r.status.table: r.frame for r in results if r.frame is not None}
    quarantine = pl.concat([empty_quarantine(), *(r.quarantine for r in results)], how="vertical_relaxed")
    return Dataset(tables, quarantine, tuple(r.status for r in results))


def describe(entry: SourceEntry) -> str:
    """Where the table comes from, for humans; never includes a secret."""
    o = entry.options
    if entry.problem:
        return "sources.toml"
    if entry.kind == "gsheets":
        via = " (public CSV export)" if o.get("public") else ""
        try:
            key = gsheets.spreadsheet_key(o["spreadsheet"])
        except SourceError:
            key = o["spreadsheet"]
        return f"Google Sheets {key} › {o['worksheet']}{via}"
    if entry.kind == "sql":
        return sql.describe(entry)
    if entry.kind == "excel" and o.get("sheet"):
        return f"{o['path']} › {o['sheet']}"
    return o.get("path", "built-in sample data")


# ---------------------------------------------------------------- Google Sheets


def _load_sheets(group: list[SourceEntry], context: LoadContext) -> list[Loaded]:
    try:
        client = None if group[0].options.get("public") else context.sheets_client()
    except Exception as exc:
        return [_failed(entry, exc) for entry in group]
    if client is None:
        return [_load_public(entry) for entry in group]
    try:
        tabs = gsheets.read_tabs(client, group[0].options["spreadsheet"], [e.options["worksheet"] for e in group])
    except Exception as exc:
        return [_failed(entry, exc) for entry in group]
    results = []
    for entry in group:
        try:
            got = tabs[entry.options["worksheet"]]
            if isinstance(got, Exception):
                raise got
            frame, first_row = gsheets.values_to_frame(got, is_date=_date_header_test(entry))
            results.append(_validated(entry, [files.Piece(frame.lazy(), describe(entry), first_row)]))
        except Exception as exc:
            results.append(_failed(entry, exc))
    return results


def _load_public(entry: SourceEntry) -> Loaded:
    try:
        frame = gsheets.read_public_csv(entry.options["spreadsheet"], entry.options["worksheet"])
        return _validated(entry, [files.Piece(frame.lazy(), describe(entry), first_row=2)], trim=True)
    except Exception as exc:
        return _failed(entry, exc)


def _date_header_test(entry: SourceEntry) -> Callable[[str], bool]:
    dates = {c.name for c in TABLES[entry.table].columns if c.dtype == pl.Date}
    mapped = {header for name, header in entry.columns.items() if name in dates}
    return lambda header: header in mapped or (normalize(header) in dates and header not in entry.columns.values())


# ---------------------------------------------------------------- mapping and validation


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


def prepare(entry: SourceEntry, raw: pl.LazyFrame, *, trim: bool = False) -> pl.DataFrame:
    """Raw rows -> contract-named columns (mapped, constants added, decimal commas fixed), not yet validated."""
    table = TABLES[entry.table]
    names = raw.collect_schema().names()
    chosen = column_sources(entry, names)
    missing = [c for c in table.required if c not in chosen and c not in entry.constants]
    if missing:
        raise ContractError(
            f"missing required column(s) {', '.join(missing)}; expected {', '.join(table.required)} "
            f"(map others under [tables.{entry.table}.columns]); found: {', '.join(names) or 'no columns'}"
        )
    exprs = [pl.col(source).alias(name) for name, source in chosen.items()]
    exprs += [pl.lit(value).alias(name) for name, value in entry.constants.items()]
    frame = raw.select(exprs)
    schema = frame.collect_schema()
    if entry.decimal_comma:
        floats = [c.name for c in table.columns if c.dtype == pl.Float64 and schema.get(c.name) == pl.String]
        frame = frame.with_columns(_decimal_comma(c) for c in floats)
    collected = frame.collect()
    return _trim_blank_tail(collected) if trim else collected


def _decimal_comma(name: str) -> pl.Expr:
    """'1.234,5' -> '1234.5'; values without a comma are left as they are."""
    col = pl.col(name)
    fixed = col.str.replace_all(r"[.\s\u00a0']", "").str.replace(",", ".", literal=True)
    return pl.when(col.str.contains(",", literal=True)).then(fixed).otherwise(col).alias(name)


def _trim_blank_tail(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop blank rows at the end only (blank rows in the middle stay, and get quarantined)."""
    if not frame.height or not frame.width:
        return frame
    filled = pl.any_horizontal(pl.col(c).cast(pl.String).str.strip_chars().fill_null("") != "" for c in frame.columns)
    last = frame.select(filled.arg_true().max()).item()
    return frame.head(0 if last is None else last + 1)


def _validated(entry: SourceEntry, pieces: list[files.Piece], *, trim: bool | None = None) -> Loaded:
    trim = entry.kind in ("csv", "excel") if trim is None else trim
    frames = [prepare(entry, p.frame, trim=trim) for p in pieces]
    if len(frames) == 1:
        p = pieces[0]
        v = validate(entry.table, frames[0], p.source, first_row=p.first_row, date_format=entry.date_format)
        quarantine = v.quarantine
    else:
        v = validate(entry.table, pl.concat(frames, how="diagonal_relaxed"), "", first_row=0,
                     date_format=entry.date_format)  # fmt: skip
        quarantine = _per_file_rows(v.quarantine, pieces, [f.height for f in frames])
    loaded_at = datetime.now()
    with _LAST_GOOD_LOCK:
        _LAST_GOOD[entry.fingerprint()] = (v.frame, quarantine, loaded_at)
    status = TableStatus(
        entry.table, entry.kind, describe(entry), rows=v.frame.height, quarantined=_row_count(quarantine),
        loaded_at=loaded_at,
    )  # fmt: skip
    return Loaded(v.frame, quarantine, status)


def _per_file_rows(quarantine: pl.DataFrame, pieces: list[files.Piece], heights: list[int]) -> pl.DataFrame:
    """Rows of a concatenation (0-based) -> (file, row number in that file), incl. 'first seen at row N'."""
    starts = pl.Series([sum(heights[:i]) for i in range(len(heights))], dtype=pl.Int64)
    sources = pl.Series([p.source for p in pieces])
    firsts = pl.Series([p.first_row for p in pieces], dtype=pl.Int64)

    def locate(rows: pl.Series) -> tuple[pl.Series, pl.Series]:
        idx = starts.search_sorted(rows, side="right") - 1
        return sources.gather(idx), rows - starts.gather(idx) + firsts.gather(idx)

    if not quarantine.height:
        return quarantine
    source, row = locate(quarantine.get_column("row"))
    seen = quarantine.get_column("reason").str.extract(r"first seen at row (\d+)", 1).cast(pl.Int64)
    seen_source, seen_row = locate(seen.fill_null(0))
    where = pl.when(seen_source == source).then(seen_row.cast(pl.String))
    where = where.otherwise(pl.format("{} of {}", seen_row, seen_source))
    reason = pl.when(seen.is_not_null()).then(
        pl.col("reason").str.replace(r"first seen at row \d+", pl.format("first seen at row {}", where))
    )
    return quarantine.with_columns(source=source, row=row).with_columns(reason.otherwise(pl.col("reason")))


def _row_count(quarantine: pl.DataFrame) -> int:
    return quarantine.select(pl.struct("source", "row").n_unique()).item() if quarantine.height else 0


# ---------------------------------------------------------------- sample data and failures


@functools.cache
def sample_dataset() -> Dataset:
    from connectors.sample import sample_dataset as build

    return build()


def _from_sample(entry: SourceEntry) -> Loaded:
    sample = sample_dataset()
    if entry.table not in sample.tables:
        raise SourceError(f"the sample data has no table '{entry.table}'")
    quarantine = sample.quarantine.filter(pl.col("table") == entry.table)
    frame = sample.tables[entry.table]
    status = TableStatus(
        entry.table, "sample", describe(entry), rows=frame.height, quarantined=_row_count(quarantine),
        loaded_at=datetime.now(),
    )  # fmt: skip
    return Loaded(frame, quarantine, status)


def error_message(exc: BaseException) -> str:
    """One sentence for TableStatus.error / the CLI; never a traceback."""
    if isinstance(exc, SourceError | ContractError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or exc}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else 'no details'}"


def _failed(entry: SourceEntry, exc: BaseException) -> Loaded:
    message = error_message(exc)
    now = datetime.now()
    last = _LAST_GOOD.get(entry.fingerprint()) if getattr(exc, "transient", False) else None
    if last is not None:
        frame, quarantine, loaded_at = last
        status = TableStatus(
            entry.table, entry.kind, describe(entry), rows=frame.height, quarantined=_row_count(quarantine),
            loaded_at=now, error=message, stale_since=loaded_at,
        )  # fmt: skip
        return Loaded(frame, quarantine, status)
    status = TableStatus(entry.table, entry.kind, describe(entry), loaded_at=now, error=message)
    return Loaded(None, empty_quarantine(), status)
