"""Sources: where each table comes from, how many rows loaded or were quarantined, and what failed."""

import streamlit as st

from ui import data, page
from ui import format as fmt

# Every other page does this through page.header(); without it, /sources opened as a fresh
# server's first URL runs bare (no sidebar filters, no footer).
page.run_inside_app()
st.title("Sources")
st.caption(
    "Where each table comes from, how old it is and when it is read again (in the background: pages keep "
    "showing the current data meanwhile), and the rows set aside because they do not fit."
)

if st.button("Refresh data", icon=":material/refresh:", key="refresh-data"):
    data.refresh()
    st.rerun()

ds = data.dataset()
for line, stale in data.problem_lines(ds):
    (st.warning if stale else st.error)(line)

COUNT = st.column_config.NumberColumn(format=fmt.COUNT_GRID_FORMAT)  # "2,000,000", as the app writes counts
# The columns that fit a laptop's width. Left out, not lost: "loaded at" is what "age" says, and a failed
# table's error and since when older data is shown ("stale since") are the sentences above the table.
STATUS_SHOWN = ("table", "kind", "from", "rows", "quarantined", "age", "next refresh", "held")

st.dataframe(
    data.status_table(ds),
    hide_index=True,
    width="stretch",
    column_order=STATUS_SHOWN,
    column_config={
        "from": st.column_config.TextColumn(width="medium"),  # a long path or query is cut here, not the table
        "rows": COUNT,
        "quarantined": COUNT,
        "next refresh": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    },
    key="sources-status",
)
if missing := data.missing_tables(ds):
    st.caption(f"Not loaded: {', '.join(missing)}. Pages that need them say so.")

st.subheader("Quarantine")
tables = data.quarantined_tables(ds)
if not tables:
    st.caption("No rows quarantined: every loaded row fits the data contract.")
else:
    table = st.selectbox("Table", tables, key="quarantine-table")
    rows = data.quarantine_of(ds, table)
    count, shown = data.quarantined_in(ds, table), rows.select("source", "row").n_unique()
    sample = f" (the first {shown:,} of them below)" if shown < count else ""
    st.caption(f"{count:,} row{'s' * (count != 1)} of {table} set aside{sample}; row = the row in the source.")
    st.dataframe(
        data.quarantine_counts(ds, table), hide_index=True, column_config={"rows": COUNT}, key="quarantine-counts"
    )
    st.dataframe(rows, hide_index=True, width="stretch", key="quarantine-rows")
    st.download_button(
        "Download as CSV",
        data.quarantine_csv(ds, table),
        f"quarantine-{table}.csv",
        "text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="quarantine-csv",
    )
