"""What a late delivery costs in stars, as one sentence: shared by the Overview and Delivery pages."""

from __future__ import annotations

import metrics
from metrics.ratings import late_cost
from ui import format as fmt
from ui import query
from ui.state import Filters

RATING_BY_DELIVERY = "satisfaction.rating_by_delivery"
STEP = 0.01  # stars read to one decimal; an interval's bounds that agree there get a second (fmt.interval_text)


def _stars(x: float, extra: int, sign: str = "") -> str:
    """Stars to one decimal (`extra` more), with `sign` "+" where both directions are possible."""
    return f"{x:{sign}.{1 + extra}f}"


def sentence(filters: Filters) -> str | None:
    """'Orders that arrive late are rated 1.3 stars lower (95 % CI ...)', or None when too few reviews say;
    raises when the data has no ratings by delivery."""
    frame = query.metric(RATING_BY_DELIVERY, filters, grain="all")
    cost = late_cost(frame, metrics.spec(RATING_BY_DELIVERY).min_n)
    if cost is None:
        return None
    direction = "lower" if cost.difference < 0 else "higher"
    if cost.clear:  # one side of zero: sizes, as "1.3 stars lower" reads
        low, high = sorted((abs(cost.ci_low), abs(cost.ci_high)))
        interval = fmt.interval_text(low, high, _stars, STEP, joiner=" to ")
    else:
        interval = fmt.interval_text(
            cost.ci_low, cost.ci_high, lambda x, extra: _stars(x, extra, "+"), STEP, joiner=" to "
        )
        interval += ": no clear difference"
    return (
        f"Orders that arrive late are rated **{abs(cost.difference):.1f} stars {direction}** than orders that arrive"
        f" on time ({interval}; {cost.late_n:,} reviews of late orders, {cost.on_time_n:,} of on-time ones)."
    )
