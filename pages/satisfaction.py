"""Satisfaction: NPS, CSAT and CES over time and by segment or region, with sample-size guardrails."""

import streamlit as st

import metrics
from ui import cards, page, query, state
from ui.charts_trend import HALF_WIDTH_PX, band_trend, group_trends
from ui.satisfaction import charts, data

f = page.header("Satisfaction", "How do customers rate us, and where is it slipping?")
NPS, CSAT, CES, STARS = data.NPS, data.CSAT, data.CES, data.STARS
# CES is a 1-7 mean: its axis reads 5.25, not "+5" (the spec's unit is "score", shared with NPS).
AXIS_UNIT = {NPS: "score", CSAT: "share", CES: "mean"}
BREAKDOWN = "By segment or region"
BAND = {NPS: "adjusted Wald", CSAT: "Wilson", CES: "Student t"}

if page.full_page():
    with page.section():
        st.markdown(data.takeaway(f))
    for column, name in zip(st.columns(3), (NPS, CSAT, CES), strict=True):
        with column:
            cards.kpi_card(name, f)

with page.section():
    nps = query.metric(NPS, f)
    min_n = metrics.spec(NPS).min_n
    left, right = st.columns(2)
    with left:
        page.chart(
            "satisfaction-nps-trend",
            band_trend(
                nps,
                "score",
                min_n,
                "Net Promoter Score (% promoters - % detractors)",
                f"By {f.grain}; band: 95 % adjusted Wald interval; hollow grey: n < {min_n}",
                reference=0,
                goals=query.goals((NPS,), f),
                events=query.events(f),
                width_px=HALF_WIDTH_PX,  # beside the mix: event labels placed for half the page
            ),
            nps,
        )
    with right:
        mix = data.with_period_label(data.nps_mix(nps), f.grain)
        page.chart(
            "satisfaction-nps-mix",
            charts.mix_bars(
                mix,
                "period_label",
                mix.unique("period").sort("period").get_column("period_label").to_list(),
                "Promoters (9-10), passives (7-8) and detractors (0-6)",
                f"Share of NPS answers per {f.grain}; faded: n < {min_n}",
                min_n,
            ),
            mix,
        )

scores_tab, reviews_tab, breakdown_tab = page.tabs(
    ("Scores", "Public reviews", BREAKDOWN), opened_by={BREAKDOWN: ("split",)}
)
if scores_tab.open:
    with scores_tab:
        left, right = st.columns(2)
        with left, page.section():
            dist = data.score_distribution(f)
            page.chart(
                "satisfaction-score-distribution",
                charts.score_bars(
                    dist, "How customers score us, 0 to 10", "NPS answers per score over the whole window"
                ),
                dist,
            )
        with right:
            page.metric_trend("satisfaction-csat-trend", CSAT, f, width_px=HALF_WIDTH_PX)
        with left:
            page.metric_trend("satisfaction-ces-trend", CES, f, width_px=HALF_WIDTH_PX)

if reviews_tab.open:
    with reviews_tab:
        if page.full_page():
            card, shares = st.columns([1, 2])
            with card:
                cards.kpi_card(STARS, f)
            with shares, page.section():
                if line := data.review_shares(f):
                    st.markdown(line)
        stars_spec = metrics.spec(STARS)
        page.metric_trend("satisfaction-review-rating-trend", STARS, f, ("Star-only reviews count: most have no text",))
        for group in ("source", "region"):  # by site and by region (reviews carry no segment)
            with page.section():
                stars = query.metric(STARS, f, by=(group,))
                page.chart(
                    f"satisfaction-review-rating-by-{group}",
                    group_trends(
                        stars,
                        group,
                        "mean",
                        stars_spec.min_n,
                        f"Review stars by {'site' if group == 'source' else group}",
                        f"Mean stars (1-5) by {f.grain}; band: 95 % Student t interval; "
                        f"hollow grey: n < {stars_spec.min_n}; "
                        "header: reviews in the whole window",
                        **query.panel_marks((STARS,), f, stars, group),
                    ),
                    stars,
                )

if breakdown_tab.open:
    with breakdown_tab:
        if page.full_page():
            split = state.segmented("Break down by", data.SPLITS, key="split", default="segment")
            with page.section():
                table = data.summary(f, split)
                if table.height:
                    st.caption(
                        "Whole window. Grey italic: fewer answers than the metric's minimum "
                        f"(NPS {metrics.spec(NPS).min_n}, "
                        f"CSAT {metrics.spec(CSAT).min_n}, CES {metrics.spec(CES).min_n}); the trust column says why."
                    )
                    st.dataframe(data.summary_style(table, data.short_min_ns()), hide_index=True, width="stretch")

        else:
            split = data.split_in_url()
        for name, chart_id in (
            (NPS, "satisfaction-nps-by-group"),
            (CSAT, "satisfaction-csat-by-group"),
            (CES, "satisfaction-ces-by-group"),
        ):
            spec = metrics.spec(name)
            with page.section():
                frame = query.metric(name, f, by=(split,))
                page.chart(
                    chart_id,
                    group_trends(
                        frame,
                        split,
                        AXIS_UNIT[name],
                        spec.min_n,
                        f"{spec.title} by {split}",
                        f"By {f.grain}; band: 95 % {BAND[name]} interval; hollow grey: n < {spec.min_n}; "
                        "header: answers in the whole window",
                        reference=0 if name == NPS else None,
                        **query.panel_marks((name,), f, frame, split),
                    ),
                    frame,
                )

        with page.section():
            nps_by = query.metric(NPS, f, by=(split,))
            min_n = metrics.spec(NPS).min_n
            mix = data.with_period_label(data.nps_mix(nps_by, (split,)), f.grain)
            page.chart(
                "satisfaction-mix-by-group",
                charts.mix_bars_by_group(
                    mix,
                    split,
                    mix.unique("period").sort("period").get_column("period_label").to_list(),
                    min_n,
                    f"Promoters, passives and detractors by {split}",
                    f"Share of NPS answers per {f.grain}; faded: fewer than {min_n} answers; "
                    "header: answers in the window",
                ),
                mix,
            )

        with page.section():
            dist = data.score_distribution(f, by=(split,))
            min_n = metrics.spec(NPS).min_n
            page.chart(
                "satisfaction-distribution-by-group",
                charts.score_bars_by_group(
                    dist,
                    split,
                    min_n,
                    f"NPS scores by {split}, 0 to 10",
                    f"Share of each {split}'s answers per score over the whole window; "
                    f"faded: fewer than {min_n} answers",
                ),
                dist,
            )
