"""kind = "gsheets": tabs of a Google spreadsheet; all tabs of one spreadsheet are read in ONE request.

With a service account (LoadContext.sheets_client) the values API is used; without one, or with
`public = true`, the tab's CSV export ("anyone with the link"). The rows are copied into the app
(a sheet is small), so a reload reads the sheet again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import polars as pl

from connectors import gsheets
from connectors.contract import TABLES
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.mapping import normalize
from connectors.sources import SourceEntry, SourceError


class SheetsConnector(Connector):
    kind = "gsheets"
    required_keys = frozenset({"spreadsheet", "worksheet"})
    optional_keys = frozenset({"public"})
    trims_blank_tail = True  # the CSV export of a public sheet keeps trailing blank rows

    def batch_key(self, entry: SourceEntry) -> str:
        with contextlib.suppress(SourceError):  # a bad key fails alone, when opened
            return "gsheets:" + gsheets.spreadsheet_key(entry.options["spreadsheet"])
        return super().batch_key(entry)

    def describe(self, entry: SourceEntry) -> str:
        o = entry.options
        via = " (public CSV export)" if o.get("public") else ""
        try:
            key = gsheets.spreadsheet_key(o["spreadsheet"])
        except SourceError:
            key = o["spreadsheet"]
        return f"Google Sheets {key} › {o['worksheet']}{via}"

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        got = self.open_batch([entry], context)[0]
        if isinstance(got, BaseException):
            raise got
        return got

    def open_batch(self, entries: Sequence[SourceEntry], context: LoadContext) -> list[list[Piece] | BaseException]:
        try:
            client = None if entries[0].options.get("public") else context.sheets_client()
        except Exception as exc:
            return [exc for _ in entries]
        if client is None:
            return [self._public(entry) for entry in entries]
        try:
            worksheets = [e.options["worksheet"] for e in entries]
            tabs = gsheets.read_tabs(client, entries[0].options["spreadsheet"], worksheets)
        except Exception as exc:
            return [exc for _ in entries]
        out: list[list[Piece] | BaseException] = []
        for entry in entries:
            try:
                values = tabs[entry.options["worksheet"]]
                if isinstance(values, Exception):
                    raise values
                frame, first_row = gsheets.values_to_frame(values, is_date=_date_header_test(entry))
                out.append([Piece(frame.lazy(), self.describe(entry), first_row)])
            except Exception as exc:
                out.append(exc)
        return out

    def _public(self, entry: SourceEntry) -> list[Piece] | BaseException:
        try:
            frame = gsheets.read_public_csv(entry.options["spreadsheet"], entry.options["worksheet"])
        except Exception as exc:
            return exc
        return [Piece(frame.lazy(), self.describe(entry), first_row=2)]


def _date_header_test(entry: SourceEntry) -> Callable[[str], bool]:
    """Which headers hold dates (mapped to, or named like, a contract date column): their serial numbers
    become ISO dates when the column mixes them with text."""
    dates = {c.name for c in TABLES[entry.table].columns if c.dtype == pl.Date}
    mapped = {header for name, header in entry.columns.items() if name in dates}
    return lambda header: header in mapped or (normalize(header) in dates and header not in entry.columns.values())


CONNECTOR = SheetsConnector()
