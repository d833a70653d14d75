"""The headline metrics: the twin pairs (inside-out, customer lens) and the customer KPIs that the Overview
shows and the digest watches, so both always speak about the same numbers."""

from __future__ import annotations

TWIN_PAIRS = (
    ("delivery.on_time_shipped", "delivery.on_time_received"),
    ("delivery.lead_time_internal", "delivery.lead_time_customer"),
)
CUSTOMER_KPIS = (
    "satisfaction.nps",
    "satisfaction.review_rating",  # next to NPS: what customers grade us in public
    "satisfaction.csat",
    "satisfaction.ces",
    "retention.three_month",
    "retention.repeat_purchase_rate",
)
WATCHED = (*(name for pair in TWIN_PAIRS for name in pair), *CUSTOMER_KPIS)
