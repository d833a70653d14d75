"""What a late delivery costs in stars, as one sentence: shared by the Overview and Delivery pages."""

from __future__ import annotations

import metrics
from metrics.ratings import late_cost
from ui import query
from ui.state import Filters

RATING_BY_DELIVERY = "satisfaction.rating_by_delivery"


def sentence(filters: Filters) -> str | None:
    """'Orders that arrive late are rated 1.3 stars lower (95 % CI ...)', or None when too few reviews say;
    raises when the data has no ratings by delivery."""
    frame = query.metric(RATING_BY_DELIVERY, filters, grain="all")
    cost = late_cost(frame, metrics.spec(RATING_BY_DELIVERY).min_n)
    if cost is None:
        return None
    direction = "lower" if cost.difference < 0 else "higher"
    low, high = sorted((abs(cost.ci_low), abs(cost.ci_high))) if cost.clear else (cost.ci_low, cost.ci_high)
    interval = (
        f"95 % CI {low:.1f} to {high:.1f}" if cost.clear else f"95 % CI {low:+.1f} to {high:+.1f}: no clear difference"
    )
    return (
        f"Orders that arrive late are rated **{abs(cost.difference):.1f} stars {direction}** than orders that arrive"
        f" on time ({interval}; {cost.late_n:,} reviews of late orders, {cost.on_time_n:,} of on-time ones)."
    )
