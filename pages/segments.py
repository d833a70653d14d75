"""Segments: who the customers are (RFM and the business's own segments), and which ones to focus on."""

import streamlit as st

import metrics
from ui import cards, page, state
from ui import format as fmt
from ui.segments import charts
from ui.segments import data as segments

f = page.header("Segments", "Which customers matter most, and what are they like?")

with page.section(or_stop=True):
    summary = segments.summary(f)
if summary.is_empty():
    st.info("No customers ordered in this view.", icon=":material/info:")
    page.stop()
focus = segments.focus_segment(summary, metrics.spec("segments.summary").min_n)

if page.full_page():
    if line := segments.headline(summary, focus):
        st.markdown(f"#### {fmt.md_escape(line)}")
    st.caption("Focus segment: " + fmt.md_escape(focus.reason))
    cards.definition_popover(metrics.spec("segments.summary"))

mix, order = segments.mix(summary), segments.segment_order(summary)
page.chart(
    "segments-mix",
    charts.share_bars(
        mix,
        order,
        "Each segment's share of customers and of revenue",
        "Customers who ordered in the window, by the business's own segment; revenue = sum of order amounts",
    ),
    mix,
)

compare = segments.compare_long(summary)
page.chart(
    "segments-compare",
    charts.compare(
        compare,
        order,
        focus.segment,
        "Segments compared: NPS, 3-month retention, revenue per customer",
        "Dots with 95 % intervals (NPS adjusted Wald, retention Wilson, revenue t); orange: the focus segment",
    ),
    compare,
)

with page.section("RFM segments"):
    rfm = segments.rfm(f)
    if rfm.height:
        rfm_mix = segments.mix(rfm)
        page.chart(
            "segments-rfm",
            charts.share_bars(
                rfm_mix,
                list(segments.RFM_ORDER),
                "RFM segments: share of customers and of revenue",
                "Recency, frequency and monetary quintiles (1-5) per customer, named by the first matching rule",
            ),
            rfm_mix,
        )
        if page.full_page():
            cards.definition_popover(metrics.spec("segments.rfm"))

if page.full_page():
    st.subheader("Persona")
    names = summary.get_column("segment").to_list()
    chosen = state.select("Segment to describe", names, key="focus", default=focus.segment)
    row = summary.filter(summary["segment"] == chosen).row(0, named=True)
    min_n = metrics.spec("segments.summary").min_n
    with st.container(border=True):
        badge = " · focus segment" if chosen == focus.segment else ""
        st.markdown(f"#### {fmt.md_escape(chosen)}{badge}")
        size, value, nps, retention = st.columns(4)
        size.metric("Customers", fmt.count(row["customers"]), help="Customers who ordered in the window")
        size.caption(f"{row['customer_share']:.1%} of all customers")
        value.metric("Revenue per customer", fmt.value(row["revenue_mean"], "currency"))
        value.caption(
            f"{row['revenue_share']:.1%} of revenue · n = {fmt.count(row['customers'])} · "
            f"{fmt.interval(row['revenue_ci_low'], row['revenue_ci_high'], 'currency')} · "
            + (f"spread sd/mean {row['revenue_cv']:.2f}" if row["revenue_cv"] is not None else "no spread")
        )
        for column, label, key, unit, n, low, high in (
            (nps, "NPS", "nps", "score", "nps_n", "nps_ci_low", "nps_ci_high"),
            (
                retention,
                "3-month retention",
                "retention_3m",
                "share",
                "retention_n",
                "retention_ci_low",
                "retention_ci_high",
            ),
        ):
            column.metric(label, fmt.value(row[key], unit))
            note = f"n = {fmt.count(row[n])} · {fmt.interval(row[low], row[high], unit)}"
            if row[n] < min_n:
                note = f":gray-background[below min n {min_n}: too few to trust] · {note}"
            column.caption(note)
        with page.section("Themes"):
            themes = segments.top_themes(f, chosen)
            if themes.height:
                st.markdown("**What they write about** (survey comments)")
                st.caption(segments.theme_shares(themes))
                quotes = segments.sample_verbatims(f, chosen, themes.get_column("theme").to_list())
                if quotes.height:
                    st.markdown("**In their words**")
                    for q in quotes.iter_rows(named=True):
                        # Plain text: comments are never rendered as markup.
                        st.text(f"“{q['text']}” ({q['date']:%Y-%m-%d}, {q['source']})")
        if late := segments.late_order_quote(f, chosen):
            st.markdown("**When an order arrived late**")
            st.text(late)  # plain text: reviews are never rendered as markup
