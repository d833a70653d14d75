"""The reference page for the load benchmarks: one Streamlit page that draws one small chart."""

import altair as alt
import polars as pl
import streamlit as st

frame = pl.DataFrame({"month": list(range(24)), "value": [50 + (i * 7) % 13 for i in range(24)]})
st.title("One chart")
st.altair_chart(alt.Chart(frame).mark_line().encode(x="month:Q", y="value:Q"))
st.caption("rows quarantined: none (reference page)")
