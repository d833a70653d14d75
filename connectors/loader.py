"""Load the tables a sources file names into a validated Dataset (used by the app and the CLI).

The loader only plans, validates and caches; each kind of source is one module in connectors/kinds
behind one interface (it opens an entry as lazy Pieces in its engine and names its own errors).
Every table is opened lazily, its columns mapped to the contract (explicit [columns] first, then
headers that match a contract name once lower-cased with spaces/punctuation as "_"), constants
added, and validated in place (connectors.validate.check). A broken table gets TableStatus.error
and the rest loads; after a transient failure (quota, server error, network) the last good data of
that entry is served again with TableStatus.stale_since = when that data was loaded.
Tables the sources file does not name are absent (pages that need them say so).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from connectors import gsheets
from connectors.dataset import Dataset, TableStatus
from connectors.kinds import Connector, LoadContext, Piece, connector
from connectors.kinds.sample import sample_dataset
from connectors.mapping import column_sources, normalize, prepare
from connectors.sources import SourceEntry, SourceError, default_sources_path, read_sources
from connectors.validate import ContractError, Validated, check, empty_quarantine

__all__ = [
    "LoadContext",
    "Loaded",
    "assemble",
    "cli_context",
    "column_sources",
    "describe",
    "error_message",
    "load_dataset",
    "load_group",
    "load_table",
    "normalize",
    "plan",
    "sample_dataset",
]


class Loaded(NamedTuple):
    frame: Any | None  # the valid rows, lazy in the source's engine (or held in memory); None = not loaded
    quarantine: pl.DataFrame  # a sample of the set-aside rows (every one is counted in status and counts)
    status: TableStatus


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
_LAST_GOOD: dict[str, Loaded] = {}
_LAST_GOOD_LOCK = threading.Lock()


def load_dataset(
    path: str | Path | None = None, *, context: LoadContext | None = None, tables: Collection[str] | None = None
) -> Dataset:
    """The Dataset a sources file describes (only `tables`, when given); without one (no path, no
    $OUTSIDEIN_SOURCES, no ./sources.toml) the sample data."""
    path = Path(path) if path else default_sources_path()
    if path is None:
        return sample_dataset()
    context = context or cli_context()
    entries = [e for e in read_sources(path) if tables is None or e.table in tables]
    return assemble(loaded for group in plan(entries) for loaded in load_group(group, context))


def _connector(entry: SourceEntry) -> Connector | None:
    return None if entry.problem else connector(entry.kind)


def plan(entries: Iterable[SourceEntry]) -> list[list[SourceEntry]]:
    """Load units: entries a connector opens together (tabs of one spreadsheet: one request), the rest alone."""
    groups: dict[str, list[SourceEntry]] = {}
    for entry in entries:
        kind = _connector(entry)
        key = kind.batch_key(entry) if kind else f"problem:{entry.table}"
        groups.setdefault(key, []).append(entry)
    return list(groups.values())


def load_group(group: list[SourceEntry], context: LoadContext) -> list[Loaded]:
    kind = _connector(group[0])
    if kind is None:
        return [_failed(entry, SourceError(entry.problem or "")) for entry in group]
    try:
        opened = kind.open_batch(group, context)
    except Exception as exc:  # a connector's own slip must not take the app down either
        opened = [exc for _ in group]
    return [_load(entry, kind, got) for entry, got in zip(group, opened, strict=True)]


def load_table(entry: SourceEntry, context: LoadContext | None = None) -> Loaded:
    """One table: (valid rows or None, its quarantine sample, its status). Never raises."""
    return load_group([entry], context or cli_context())[0]


def _load(entry: SourceEntry, kind: Connector, got: list[Piece] | BaseException) -> Loaded:
    try:
        if isinstance(got, BaseException):
            raise got
        return _validated(entry, kind, got)
    except Exception as exc:
        return _failed(entry, exc)


def assemble(results: Iterable[Loaded]) -> Dataset:
    results = list(results)
    tables = {r.status.table: r.frame for r in results if r.frame is not None}
    quarantine = pl.concat([empty_quarantine(), *(r.quarantine for r in results)], how="vertical_relaxed")
    return Dataset(tables, quarantine, tuple(r.status for r in results))


def describe(entry: SourceEntry) -> str:
    """Where the table comes from, for humans; never includes a secret."""
    kind = _connector(entry)
    return kind.describe(entry) if kind else "sources.toml"


# ---------------------------------------------------------------- validation


def _validated(entry: SourceEntry, kind: Connector, pieces: list[Piece]) -> Loaded:
    trim = kind.trims_blank_tail
    frames = [prepare(entry, p.frame, trim=trim) for p in pieces]
    if len(frames) == 1:
        p = pieces[0]
        v = check(entry.table, frames[0], p.source, first_row=p.first_row, date_format=entry.date_format)
        quarantine = v.quarantine
    else:
        v = check(entry.table, pl.concat(frames, how="diagonal_relaxed"), "", first_row=0,
                  date_format=entry.date_format)  # fmt: skip
        heights = pl.collect_all([f.select(pl.len()) for f in frames])
        quarantine = _per_file_rows(v.quarantine, pieces, [h.item() for h in heights])
    set_aside = [p.set_aside for p in pieces if p.set_aside is not None]
    quarantine = pl.concat([quarantine, *set_aside], how="vertical_relaxed") if set_aside else quarantine
    extra = sum(_row_count(s) for s in set_aside)
    in_place = kind.refreshes_in_place(entry)
    frame = v.frame if in_place else _in_memory(v)
    loaded_at = datetime.now()
    status = TableStatus(
        entry.table, entry.kind, kind.describe(entry), rows=v.rows, quarantined=v.quarantined_rows + extra,
        loaded_at=loaded_at, ttl=entry.ttl, in_place=in_place, counts=tuple(v.counts.iter_rows()),
        version=data_version(entry, pieces, frame),
    )  # fmt: skip
    loaded = Loaded(frame, quarantine, status)
    with _LAST_GOOD_LOCK:
        _LAST_GOOD[entry.fingerprint()] = loaded
    return loaded


def data_version(entry: SourceEntry, pieces: list[Piece], frame: Any) -> str:
    """Equal for two loads of `entry` that give the same valid rows: for rows held in memory a hash of their
    content (a sheet fetched again with the same cells); for a query in place the pieces' own versions (file
    sizes and times, a checksum query); a fresh one when a piece cannot tell."""
    digest = hashlib.sha256(entry.to_json().encode())
    if isinstance(frame, pl.DataFrame):
        digest.update(str(frame.schema).encode())
        digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    elif pieces and all(p.version for p in pieces):
        digest.update("\n".join(str(p.version) for p in pieces).encode())
    else:
        digest.update(uuid.uuid4().bytes)
    return digest.hexdigest()[:16]


def _in_memory(v: Validated) -> Any:
    """Rows already copied into the app (a sheet, a workbook, connectorx): keep the valid ones, once, typed,
    so queries do not re-run the casts."""
    return v.frame.collect() if isinstance(v.frame, pl.LazyFrame) else v.frame


def _per_file_rows(quarantine: pl.DataFrame, pieces: list[Piece], heights: list[int]) -> pl.DataFrame:
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
    where = (
        pl.when(seen_source == source)
        .then(seen_row.cast(pl.String))
        .otherwise(pl.format("{} of {}", seen_row, seen_source))
    )
    reason = pl.when(seen.is_not_null()).then(
        pl.col("reason").str.replace(r"first seen at row \d+", pl.format("first seen at row {}", where))
    )
    return quarantine.with_columns(source=source, row=row).with_columns(reason.otherwise(pl.col("reason")))


def _row_count(quarantine: pl.DataFrame) -> int:
    return quarantine.select(pl.struct("source", "row").n_unique()).item() if quarantine.height else 0


# ---------------------------------------------------------------- failures


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
        status = last.status
        stale = TableStatus(
            entry.table, entry.kind, status.where, rows=status.rows, quarantined=status.quarantined, loaded_at=now,
            error=message, stale_since=status.loaded_at, ttl=entry.ttl, in_place=status.in_place, counts=status.counts,
            version=status.version,
        )  # fmt: skip
        return last._replace(status=stale)
    status = TableStatus(
        entry.table, entry.kind, describe(entry), loaded_at=now, error=message, ttl=entry.ttl, version="absent"
    )
    return Loaded(None, empty_quarantine(), status)
