"""Overview: each inside-out KPI next to the customer's experience of it."""

import streamlit as st

from ui import cards, page

f = page.header("Outside-In", "How does the business look from the customer's side?")

if page.full_page():
    st.subheader("On time: as shipped vs as received")
    left, right = st.columns(2)
    with left:
        cards.kpi_card("delivery.on_time_shipped", f)
    with right:
        cards.kpi_card("delivery.on_time_received", f)
