"""Overview: each inside-out KPI next to the customer's experience of it."""

from dataclasses import replace

import streamlit as st

from metrics.analysis.headline import CUSTOMER_KPIS, TWIN_PAIRS
from ui import cards, charts_trend, late_cost, page, query, table
from ui import format as fmt
from ui.overview import data as overview

f = page.header("Outside-In", "How does the business look from the customer's side?")

# The chart is sent to the browser before the cards above it (they fill this slot afterwards): the browser
# loads and runs the chart library while the server still works on the cards (bench/README.md, item 8).
top = st.container() if page.full_page() else None

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

if top is not None:
    with top:
        changes = overview.what_changed(f)
        with st.container(border=True):
            lines = changes or ["No KPI moved beyond its uncertainty in the latest period."]
            st.markdown("**What changed**\n" + "".join(f"\n- {line}" for line in lines))  # one element, not one a line

        st.subheader("Inside-out vs customer lens")
        cards.definitions_popover([name for pair in TWIN_PAIRS for name in pair])
        for internal, customer in TWIN_PAIRS:
            left, right = st.columns(2)
            with left:
                cards.kpi_card(internal, f, definition=False)
            with right:
                cards.kpi_card(customer, f, definition=False)

    st.subheader("Perception gap over the selected window")
    with page.section():
        if (gaps := overview.perception_gaps(f)).is_empty():
            st.caption("Neither twin pair has data in this view.")
        else:
            st.markdown(table.markdown(gaps, {c: table.Column(c, numeric=c == "gap") for c in gaps.columns}))

    st.subheader("How customers feel and behave")
    with page.section():
        if sentence := late_cost.sentence(f):
            st.markdown(sentence)
    cards.definitions_popover(CUSTOMER_KPIS)
    for column, name in zip(st.columns(3) + st.columns(3), CUSTOMER_KPIS, strict=False):
        with column:
            cards.kpi_card(name, f, definition=False)

    st.subheader("Fastest-rising complaint themes")
    with page.section():
        rising = overview.rising_themes(f)
        if rising.is_empty():
            st.caption("Not enough customer texts in this view to compare the last three months with the three before.")
        else:
            # A few rows: Markdown (ui/table.py), not a data grid whose scripts the browser must load first.
            share = table.Column("", lambda x: fmt.value(x, "share"), numeric=True)
            columns = {
                "theme": table.Column("Theme"),
                "before": replace(share, header="Share of texts, 3 months before"),
                "recent": replace(share, header="Share of texts, last 3 months"),
                "change_pts": table.Column("Change (points)", lambda x: fmt.signed(x, 1), numeric=True),
                "texts_recent": table.Column("Texts, last 3 months (n)", fmt.count, numeric=True),
            }
            st.markdown(table.markdown(rising, columns))
