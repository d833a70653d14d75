"""Suggested events: change points the app found, offered for the events table (see metrics.decisions.events)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui import export, table
from ui import format as fmt


def offer(frame: pl.DataFrame | None, unit: str, key: str) -> None:
    """An expander listing the suggestions (with the level before and after, in `unit`) and a CSV of them in
    the events table's columns, to keep the ones you recognise."""
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

        # A few rows (one per region at most): a Markdown table. The expander's content is drawn even while
        # closed, and an st.dataframe here made every Delivery and Retention visit load the grid's 1.4 MB of
        # JavaScript (ui/table.py): in a micro page, one small st.dataframe cost 0.3-0.7 browser CPU s.
        def level(x: float) -> str:
            return fmt.value(x, unit)

        columns = {
            "date": table.Column("From"),
            "label": table.Column("What changed"),
            "before": table.Column("Before", level, numeric=True),
            "after": table.Column("After", level, numeric=True),
        }
        st.markdown(table.markdown(frame, columns))
        st.download_button(
            "Events CSV",
            lambda: export.csv_bytes(frame.drop("before", "after")),
            f"{key}-suggested-events.csv",
            "text/csv",
            on_click="ignore",
            key=f"suggested-{key}",
        )
