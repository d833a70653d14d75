"""Delivery: on time and lead time as the warehouse sees them vs as customers receive them."""

import streamlit as st

import metrics
from ui import cards, charts, charts_trend, late_cost, page, query, state, suggested
from ui.delivery import charts as delivery_charts
from ui.delivery import data as delivery

f = page.header("Delivery", "Do parcels that leave on time also arrive on time?")
SHIPPED, RECEIVED = "delivery.on_time_shipped", "delivery.on_time_received"

if page.full_page():
    left, right = st.columns(2)
    with left:
        cards.kpi_card(SHIPPED, f)
    with right:
        cards.kpi_card(RECEIVED, f)
    with page.section("The gap between the two lenses"):
        if gap := query.gap_sentence(SHIPPED, RECEIVED, f):
            st.markdown(gap)

with page.section("The on-time trend"):
    trend = query.twins(SHIPPED, RECEIVED, f)
    page.chart(
        "delivery-on-time-trend",
        charts_trend.twin_trend(
            trend,
            "share",
            "On time as shipped vs on time as received",
            f"Share of due orders on or before the promised date, by order {f.grain}; bands are 95 % intervals",
            goals=query.goals((SHIPPED, RECEIVED), f),
            events=query.events(f),
        ),
        trend,
    )
if page.full_page():
    with page.section("Suggested events"):
        suggested.offer(delivery.suggested_events(f), metrics.spec(RECEIVED).unit, "delivery")

by_region_tab, lead_tab, cost_tab, map_tab, carrier_tab = page.tabs(
    ("By region", "Lead time", "What a late delivery costs", "Where parcels arrive late", "By carrier"),
    opened_by={"By carrier": ("carrier",)},
)
if by_region_tab.open:
    with by_region_tab, page.section():
        by_region = delivery.region_gaps(f)
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
                region_trend,
                "region",
                "share",
                "On time by region: shipped (grey) vs received (orange)",
                **query.panel_marks((SHIPPED, RECEIVED), f, region_trend, "region"),
            ),
            region_trend,
        )

if lead_tab.open:
    with lead_tab, page.section():
        lead = query.lead_times(f)
        page.chart(
            "delivery-lead-time",
            charts_trend.lead_time_lines(
                lead,
                "Lead time: order to ship vs order to receipt",
                f"Median (solid) and 90th percentile (dashed) days, by order {f.grain}",
                goals=query.goals(query.LEAD_TIMES, f),
                events=query.events(f),
            ),
            lead,
        )

if cost_tab.open:
    with cost_tab:
        if page.full_page():
            st.caption(
                "Reviews linked to an order that was delivered with a promised date: stars of the orders that"
                " arrived on time next to those that arrived late, and by days late."
            )
        with page.section():
            if page.full_page() and (cost := late_cost.sentence(f)):
                st.markdown(cost)
            ratings = delivery.late_ratings(f)
            min_n = metrics.spec(late_cost.RATING_BY_DELIVERY).min_n
            page.chart(
                "delivery-late-ratings",
                delivery_charts.rating_dots(
                    ratings,
                    min_n,
                    "Review stars: orders on time vs late",
                    f"Whole window, by order date; bars: 95 % Student t intervals; faded: fewer than {min_n} reviews",
                ),
                ratings,
            )
            if page.full_page():
                cards.definition_popover(metrics.spec(late_cost.RATING_BY_DELIVERY))

if map_tab.open:
    with map_tab, page.section():
        cells = delivery.map_cells(f)
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

if carrier_tab.open:
    with carrier_tab, page.section():
        carriers = delivery.carrier_gaps(f)
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
                carrier_trend,
                "carrier",
                "share",
                "On time by carrier: shipped (grey) vs received (orange)",
                **query.panel_marks((SHIPPED, RECEIVED), f, carrier_trend, "carrier"),
            ),
            carrier_trend,
        )
