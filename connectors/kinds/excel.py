"""kind = "excel": one sheet of a workbook (or of every workbook a glob or folder matches), as text."""

from __future__ import annotations

from connectors import files
from connectors.kinds.base import Connector, LoadContext, Piece
from connectors.sources import SourceEntry


class ExcelConnector(Connector):
    kind = "excel"
    required_keys = frozenset({"path"})
    optional_keys = frozenset({"sheet"})
    trims_blank_tail = True

    def describe(self, entry: SourceEntry) -> str:
        sheet = entry.options.get("sheet")
        return f"{entry.options['path']} › {sheet}" if sheet else str(entry.options["path"])

    def open(self, entry: SourceEntry, context: LoadContext) -> list[Piece]:
        return files.read_excel(entry)


CONNECTOR = ExcelConnector()
