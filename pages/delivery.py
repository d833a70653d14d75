"""Delivery: on time and lead time as the warehouse sees them vs as customers receive them."""

import streamlit as st

from ui import cards, charts, charts_trend, delivery, page, query, state

f = page.header("Delivery", "Do parcels that leave on time also arrive on time?")
SHIPPED, RECEIVED = "delivery.on_time_shipped", "delivery.on_time_received"

if page.full_page():
    left, right = st.columns(2)
    with left:
        cards.kpi_card(SHIPPED, f)
    with right:
        cards.kpi_card(RECEIVED, f)
    if gap := query.gap_sentence(SHIPPED, RECEIVED, f):
        st.markdown(gap)

trend = query.twins(SHIPPED, RECEIVED, f)
page.chart(
    "delivery-on-time-trend",
    charts_trend.twin_trend(
        trend,
        "share",
        "On time as shipped vs on time as received",
        f"Share of due orders on or before the promised date, by order {f.grain}; bands are 95 % intervals",
    ),
    trend,
)

by_region = query.gap_by(SHIPPED, RECEIVED, f, "region")
page.chart(
    "delivery-gap-by-region",
    charts.gap_bars(
        by_region,
        "region",
        "Perception gap by region",
        "Points between on time as received and as shipped over the whole window; orange: more than 5 points",
    ),
    by_region,
)
region_trend = query.twins(SHIPPED, RECEIVED, f, by=("region",))
page.chart(
    "delivery-on-time-by-region",
    charts_trend.small_multiples(
        region_trend, "region", "share", "On time by region: shipped (grey) vs received (orange)"
    ),
    region_trend,
)

lead, reason = query.lead_times(f)
if not page.unavailable(reason):
    page.chart(
        "delivery-lead-time",
        charts.lead_time_lines(
            lead,
            "Lead time: order to ship vs order to receipt",
            f"Median (solid) and 90th percentile (dashed) days, by order {f.grain}",
        ),
        lead,
    )

if page.full_page():
    st.subheader("Where parcels arrive late")
cells, reason = delivery.map_cells(f)
if not page.unavailable(reason):
    page.chart(
        "delivery-map",
        charts.destination_scatter(cells, "On time as received by destination", "Half-degree cells; size = orders"),
        cells.drop("color"),
        draw=lambda: st.pydeck_chart(charts.destination_map(cells), height=460),
    )
    if page.full_page():
        st.caption(
            "On time as received per destination (half-degree cells, size = orders due): "
            + " · ".join(f":{c}[●] {label}" for label, c in delivery.LEGEND_NAMES)
        )

carriers, reason = delivery.carrier_gaps(f)
if not page.unavailable(reason):
    page.chart(
        "delivery-carrier-gap",
        charts.gap_bars(
            carriers,
            "carrier",
            "Perception gap by carrier",
            "Points between on time as received and as shipped over the whole window; orange: more than 5 points",
        ),
        carriers,
    )
    chosen = state.multiselect(
        "Carriers to compare over time", carriers.get_column("carrier").to_list(), key="carrier",
        placeholder="All carriers",
    ) if page.full_page() else st.query_params.get_all("carrier")  # fmt: skip
    carrier_trend = delivery.carrier_trends(f, chosen)
    page.chart(
        "delivery-on-time-by-carrier",
        charts_trend.small_multiples(
            carrier_trend, "carrier", "share", "On time by carrier: shipped (grey) vs received (orange)"
        ),
        carrier_trend,
    )
