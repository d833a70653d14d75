"""Suggested events: change points the app found, offered for the events table (see metrics.decisions.events)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui import export


def offer(frame: pl.DataFrame | None, unit_format: str, key: str) -> None:
    """An expander listing the suggestions (with the level before and after) and a CSV of them in the events
    table's columns, to keep the ones you recognise."""
    if frame is None:
        return
    with st.expander(f"Suggested events ({frame.height})", icon=":material/flag:"):
        if frame.is_empty():
            st.caption("No region's level changed beyond its 95 % intervals in this window.")
            return
        st.caption(
            "Where a region's series changed level (the cut that splits it most; the two sides' 95 % intervals do"
            " not overlap). Label and keep the ones you can explain in your events table: they are then drawn on"
            " every trend chart."
        )
        number = st.column_config.NumberColumn(format=unit_format)
        st.dataframe(
            frame.drop("event_id", "segment"),
            hide_index=True,
            width="stretch",
            column_config={"before": number, "after": number},
        )
        st.download_button(
            "Events CSV",
            lambda: export.csv_bytes(frame.drop("before", "after")),
            f"{key}-suggested-events.csv",
            "text/csv",
            on_click="ignore",
            key=f"suggested-{key}",
        )
