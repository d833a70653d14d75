"""Overview: each inside-out KPI next to the customer's experience of it."""

import streamlit as st

from metrics.analysis.headline import CUSTOMER_KPIS, TWIN_PAIRS
from ui import cards, charts_trend, late_cost, page, query
from ui.overview import data as overview

f = page.header("Outside-In", "How does the business look from the customer's side?")

if page.full_page():
    changes = overview.what_changed(f)
    with st.container(border=True):
        st.markdown("**What changed**")
        for line in changes or ["No KPI moved beyond its uncertainty in the latest period."]:
            st.markdown(f"- {line}")

    st.subheader("Inside-out vs customer lens")
    for internal, customer in TWIN_PAIRS:
        left, right = st.columns(2)
        with left:
            cards.kpi_card(internal, f)
        with right:
            cards.kpi_card(customer, f)

trend = query.twins(*TWIN_PAIRS[0], f)
page.chart(
    "overview-on-time-trend",
    charts_trend.twin_trend(
        trend,
        "share",
        "On time: as shipped vs as received",
        f"Share of due orders on or before the promised date, by order {f.grain}; bands are 95 % intervals",
        goals=query.goals(TWIN_PAIRS[0], f),
        events=query.events(f),
    ),
    trend,
)

if page.full_page():
    st.subheader("Perception gap over the selected window")
    with page.section():
        st.dataframe(overview.perception_gaps(f), hide_index=True, width="stretch")

    st.subheader("How customers feel and behave")
    with page.section():
        if sentence := late_cost.sentence(f):
            st.markdown(sentence)
    for column, name in zip(st.columns(3) + st.columns(3), CUSTOMER_KPIS, strict=False):
        with column:
            cards.kpi_card(name, f)

    st.subheader("Fastest-rising complaint themes")
    with page.section():
        rising = overview.rising_themes(f)
        if rising.is_empty():
            st.caption("Not enough customer texts in this view to compare the last three months with the three before.")
        else:
            st.dataframe(
                rising,
                hide_index=True,
                width="stretch",
                column_config={
                    "theme": "Theme",
                    "before": st.column_config.NumberColumn("Share of texts, 3 months before", format="percent"),
                    "recent": st.column_config.NumberColumn("Share of texts, last 3 months", format="percent"),
                    "change_pts": st.column_config.NumberColumn("Change (points)", format="%+.1f"),
                    "texts_recent": st.column_config.NumberColumn("Texts, last 3 months (n)", format="%d"),
                },
            )
