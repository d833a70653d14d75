"""Local files: CSV, Parquet, Excel. Each returns Pieces (one per file) of raw, unvalidated rows.

Text formats are read with every column as text, so ids like "00123" and decimal commas
survive until validate() casts them to the contract.
"""

from __future__ import annotations

import glob as globlib
import hashlib
from pathlib import Path

import polars as pl

from connectors.kinds.base import Piece
from connectors.sources import SourceEntry, SourceError

__all__ = ["Piece", "expand", "read_csv", "read_excel", "stamp"]

_POLARS_ENCODINGS = {"utf8", "utf-8", "utf8-lossy"}


def expand(path: str, suffixes: tuple[str, ...]) -> list[str]:
    """A file, a glob, or a folder (searched recursively for `suffixes`), sorted; error if nothing matches."""
    target = Path(path)
    if target.is_dir():
        files = sorted(str(p) for p in target.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
        if not files:
            raise SourceError(f"folder {path} holds no {'/'.join(suffixes)} files")
        return files
    files = sorted(globlib.glob(path, recursive=True)) if globlib.has_magic(path) else [path]
    files = [f for f in files if Path(f).is_file()]
    if not files:
        raise SourceError(f"no file matches {path}")
    return files


def stamp(files: list[str]) -> str:
    """The files' data version: their paths, sizes and modification times (no byte is read)."""
    parts = []
    for file in files:
        info = Path(file).stat()
        parts.append(f"{file}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def read_csv(entry: SourceEntry) -> list[Piece]:
    separator = entry.options.get("separator", ",")
    encoding = str(entry.options.get("encoding", "utf8")).lower()
    if len(separator) != 1:
        raise SourceError(f"separator must be one character, got {separator!r}")
    pieces = []
    for file in expand(entry.options["path"], (".csv", ".txt", ".tsv")):
        source: str | bytes = file
        if encoding not in _POLARS_ENCODINGS:  # e.g. latin-1 / cp1252 exports from Excel
            try:
                source = Path(file).read_bytes().decode(encoding).encode()
            except (LookupError, UnicodeDecodeError) as exc:
                raise SourceError(f"{file} cannot be decoded as {encoding}: {exc}") from None
        frame = pl.scan_csv(
            source,
            separator=separator,
            infer_schema=False,  # everything as text: validate() casts
            encoding="utf8-lossy" if encoding == "utf8-lossy" else "utf8",
            truncate_ragged_lines=True,
        )
        pieces.append(Piece(frame, file, first_row=2, version=stamp([file])))
    return pieces


def read_excel(entry: SourceEntry) -> list[Piece]:
    sheet = entry.options.get("sheet")
    pieces = []
    for file in expand(entry.options["path"], (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")):
        try:
            frame = pl.read_excel(
                file,
                sheet_name=sheet,
                infer_schema_length=0,  # all text; real date cells arrive as ISO text
                drop_empty_rows=False,  # keep row numbers true to the sheet
                raise_if_empty=False,
            )
        except Exception as exc:
            raise SourceError(_excel_error(file, sheet, exc)) from None
        label = f"{file} › {sheet}" if sheet else file
        pieces.append(Piece(frame.lazy(), label, first_row=2))
    return pieces


def _excel_error(file: str, sheet: str | None, exc: Exception) -> str:
    if sheet:
        try:
            import fastexcel

            names = fastexcel.read_excel(file).sheet_names
        except Exception:
            names = None
        if names is not None and sheet not in names:
            return f"sheet '{sheet}' not found in {file}; it has: {', '.join(names)}"
    text = str(exc).strip()
    return f"cannot read {file}: {text.splitlines()[0] if text else type(exc).__name__}"
