"""Catalog: every metric's definition, lens and twin, and any metric live from its spec (?metric=)."""

import streamlit as st

from ui import format as fmt
from ui import metric_page, page, state
from ui.catalog import data as catalog

with st.sidebar:
    chosen = state.select("Metric shown live", catalog.choices(), key=catalog.METRIC, default=catalog.ALL)
if chosen != catalog.ALL:
    metric_page.render(chosen)
else:
    page.header("Metric catalog", "What exactly does each number mean? Open any metric live.")
    st.dataframe(
        catalog.table(),
        hide_index=True,
        width="stretch",
        # The metric's name is its live view's link (no column of "open" beside it): a table that fits a laptop.
        column_order=catalog.SHOWN,
        column_config={
            "live view": st.column_config.LinkColumn("metric", display_text=catalog.NAME_IN_URL, alignment="left"),
            "higher is better": st.column_config.CheckboxColumn("higher better"),
            "min n": st.column_config.NumberColumn(format=fmt.COUNT_GRID_FORMAT),
        },
    )
    for area, specs in catalog.by_area().items():
        st.subheader(area.capitalize())
        for spec in specs:
            with st.expander(f"{spec.title} · `{spec.name}`"):
                st.caption(catalog.summary(spec))
                st.caption(catalog.needs_columns(spec))
                st.markdown(f"[Open it live]({catalog.live_url(spec.name)})")
                st.text(spec.definition)
