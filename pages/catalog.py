"""Catalog: every metric's definition, lens and twin."""

import streamlit as st

from ui import catalog, page

page.header("Metric catalog", "What exactly does each number mean?")
st.dataframe(catalog.table(), hide_index=True, width="stretch")
for area, specs in catalog.by_area().items():
    st.subheader(area.capitalize())
    for spec in specs:
        with st.expander(f"{spec.title} · `{spec.name}`"):
            st.caption(catalog.summary(spec))
            st.text(spec.definition)
