"""The sample tells only its four planted stories: nothing else moves in its last period."""

from __future__ import annotations

import polars as pl
import pytest

import metrics
from connectors import sample
from metrics.analysis import change, periods
from metrics.analysis.headline import WATCHED


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return sample.generate()  # the data the dashboard shows


def test_acquisition_is_steady_to_the_last_month(tables):
    """Was: signups stopped 20 days before the end, so October 2026 had 326 new customers against ~750."""
    first_orders = tables["orders"].group_by("customer_id").agg(first=pl.col("order_date").min())
    monthly = (
        first_orders.filter(pl.col("first") >= sample.STORY.start)
        .group_by(month=pl.col("first").dt.truncate("1mo"))
        .agg(new=pl.len())
        .sort("month")
    )
    last, before = monthly.get_column("new")[-1], monthly.get_column("new")[-13:-1]
    assert monthly.get_column("month")[-1] == sample.STORY.end.replace(day=1)
    assert 0.8 * before.mean() <= last <= 1.25 * before.mean(), monthly


@pytest.mark.parametrize("name", WATCHED)
def test_no_overview_kpi_changes_significantly_in_the_last_period(tables, name):
    """The Overview's 'What changed' at its default view (all regions, by month) says nothing of the sample:
    the planted stories live in one region and from March 2026 on, not in the last month."""
    spec = metrics.spec(name)
    result = metrics.compute(name, tables, grain="month")
    marked = periods.mark_complete(result, "month", sample.STORY.end)
    now, before = change.latest_two(marked, spec.min_n)
    assert now is not None and before is not None  # (3-month retention's last month is July: 90 days to wait)
    moved = change.significant_change(marked, spec.min_n)
    assert moved is None, f"{name}: {before['value']:.3f} -> {now['value']:.3f} beyond both 95 % intervals"
