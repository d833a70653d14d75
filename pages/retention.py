"""Retention: do customers come back, and does their revenue stay? Cohorts, churn, repeat, GRR and NRR."""

import streamlit as st

import metrics
from ui import cards, page, query, state, suggested
from ui.charts_trend import HALF_WIDTH_PX
from ui.retention import charts, data

f = page.header("Retention", "Do customers come back, and who stops?")
CHURN, REPEAT, GRR, NRR = "retention.churn", "retention.repeat_purchase_rate", "retention.grr", "retention.nrr"

if page.full_page():
    mode = state.segmented_labelled(
        "Cohort mode", data.MODE_LABELS, key="mode", default="return_on", help=data.MODE_HELP
    )
    with page.section():
        st.markdown(data.takeaway(f, mode))
    columns = st.columns(4)
    for column, name in zip(columns, (CHURN, REPEAT, GRR, NRR), strict=True):
        with column:
            cards.kpi_card(name, f)
    if note := data.revenue_filter_note(f):
        st.caption(f":orange[{note}]")
    with page.section("Suggested events"):
        suggested.offer(data.suggested_events(f, mode), metrics.spec(data.COHORT).unit, "retention")
else:
    mode = data.mode_in_url()

heatmap_tab, curves_tab, churn_tab, revenue_tab = page.tabs(
    ("Cohort heatmap", "Retention curves", "Churn and repeat purchase", "Revenue retention")
)
if heatmap_tab.open:
    with heatmap_tab, page.section():
        cohort = data.view_cohorts(f, mode)
        how = data.came_back(mode, "period").replace("the next period", "in period k")
        cells, sizes = data.heatmap_cells(cohort, f.grain), data.cohort_sizes(cohort, f.grain)
        page.chart(
            "retention-heatmap",
            charts.heatmap(
                cells,
                sizes,
                f"Cohort retention by {f.grain} of first order",
                [
                    f"Share of each cohort that {how} ({mode}). Pale dashed cells: period still open, "
                    "value so far shown as ≥ (a lower bound, not a drop).",
                    *(
                        [
                            "on_or_after: recent cohorts have had less time to order later, "
                            "so their cells are understated."
                        ]
                        if mode == "on_or_after"
                        else []
                    ),
                    "A cohort is the customers whose first order ever falls in that period: "
                    "orders before the window count as history, so customers who bought earlier are never "
                    "counted as new.",
                ],
            ),
            cells,
        )

if curves_tab.open:
    with curves_tab, page.section():
        cohort = data.view_cohorts(f, mode)
        curves, mean = data.cohort_curves(cohort, f.grain), data.mean_curve(cohort)
        page.chart(
            "retention-curves",
            charts.curves(
                curves,
                mean,
                "Retention curves: each cohort (grey) and their mean weighted by cohort size (orange)",
                f"Finished periods only; band: 95 % Wilson interval of the pooled rate; periods are {f.grain}s",
            ),
            mean,
        )
        nxt, worst = data.region_next(f, mode)
        if nxt is not None:
            page.chart(
                "retention-next-by-region",
                charts.next_period_by_group(
                    nxt,
                    "region",
                    worst,
                    f"Came back the next {f.grain}, by region and cohort",
                    f"Share of each region's new customers who {data.came_back(mode, f.grain)}; "
                    + (
                        f"orange: {worst}, the region whose retention dropped most" if worst else "no region stands out"
                    ),
                ),
                nxt,
            )

if churn_tab.open:
    with churn_tab:
        left, right = st.columns(2)
        with left:
            page.metric_trend("retention-churn-trend", CHURN, f, width_px=HALF_WIDTH_PX)
        with right:
            page.metric_trend(
                "retention-repeat-trend",
                REPEAT,
                f,
                ("Returning = bought in an earlier period, before the window too",),
                width_px=HALF_WIDTH_PX,
            )

if revenue_tab.open:
    with revenue_tab, page.section():
        revenue = data.revenue_pair(f)
        page.chart(
            "retention-revenue",
            charts.revenue_lines(
                revenue,
                "Gross (GRR) and net (NRR) revenue retention of the window's first-month customers",
                f"Monthly run rate per {f.grain} as a share of their first-month revenue; no interval: "
                "no sound interval exists for a ratio of skewed sums, so none is drawn",
                goals=query.goals(("retention.grr", "retention.nrr"), f),
                events=query.events(f),
            ),
            revenue,
        )
