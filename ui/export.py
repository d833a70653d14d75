"""Chart and data exports: PNG/SVG of a chart, CSV/XLSX of its data, safe for spreadsheets."""

from __future__ import annotations

import io

import altair as alt
import polars as pl

# A cell starting with one of these is a formula to Excel, Sheets and LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    risky = pl.col(text).str.starts_with(FORMULA_PREFIXES[0])
    for prefix in FORMULA_PREFIXES[1:]:
        risky = risky | pl.col(text).str.starts_with(prefix)
    return frame.with_columns(pl.when(risky).then(pl.lit("'") + pl.col(text)).otherwise(pl.col(text)).name.keep())


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs do not fit a cell: write them as text."""
    nested = [c for c, t in frame.schema.items() if t.is_nested()]
    return frame.with_columns(pl.col(nested).cast(pl.String)) if nested else frame


def csv_bytes(frame: pl.DataFrame) -> bytes:
    return neutralise(_flat(frame)).write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # Strings are written as strings (never formulas); neutralising also protects re-saved CSVs.
    neutralise(_flat(frame)).write_excel(buffer, autofit=True, worksheet="data")
    return buffer.getvalue()


def png_bytes(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def svg_text(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())
