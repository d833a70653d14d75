"""`st.connection("gsheets", type=GSheetsConnection)`: a gspread client from [connections.gsheets].

The secrets section holds the fields of the service account's JSON key; without it (and without
$OUTSIDEIN_GSHEETS_KEY) the connection has no client and only public sheets can be read.
"""

from __future__ import annotations

from typing import Any

import gspread
import polars as pl
import streamlit as st
from streamlit.connections import BaseConnection

from connectors import gsheets


class GSheetsConnection(BaseConnection[gspread.Client | None]):
    def _connect(self, **kwargs: Any) -> gspread.Client | None:
        info = {**self._secrets.to_dict(), **kwargs} or gsheets.find_credentials()
        return gsheets.client_from_info(info) if info else None

    @property
    def client(self) -> gspread.Client | None:
        """The signed-in gspread client, or None when no service account is configured."""
        return self._instance

    def read(self, spreadsheet: str, worksheet: str, ttl: float | str | None = "10m") -> pl.DataFrame:
        """One tab as a raw frame (header row = column names), cached for `ttl`; not validated."""

        @st.cache_data(ttl=ttl, show_spinner=False)
        def _read(connection_name: str, spreadsheet: str, worksheet: str) -> pl.DataFrame:
            client = self.client
            if client is None:
                return gsheets.read_public_csv(spreadsheet, worksheet)
            got = gsheets.read_tabs(client, spreadsheet, [worksheet])[worksheet]
            if isinstance(got, Exception):
                raise got
            return gsheets.values_to_frame(got)[0]

        return _read(self._connection_name, spreadsheet, worksheet)
