"""Voice: what customers write about, what it does to NPS, and the words behind each theme."""

import streamlit as st

import metrics
from ui import cards, page, query, state, verbatims
from ui import format as fmt
from ui.voice import charts
from ui.voice import data as voice

f = page.header("Voice", "What are customers telling us, in their own words?")

# Every section reads voice.themes: without it the page has nothing to say.
with page.section(or_stop=True):
    top = voice.themes_overall(f)
head = st.container()  # the takeaway, written below once the sections have their numbers
# The takeaway reads these two whatever tab is open; the tab that draws one says why it is missing.
impact = page.or_none(lambda: voice.theme_impact(f))
regions = page.or_none(lambda: voice.complaints_vs_delivery(f))

THEMES, GROUPS, REGIONS, VERBATIMS = "Themes over time", "By NPS group", "Complaints vs delivery", "Verbatims"
themes_tab, groups_tab, regions_tab, verbatims_tab = page.tabs(
    (THEMES, GROUPS, REGIONS, VERBATIMS),
    opened_by={VERBATIMS: ("theme", "source", "q", "delivery")},
)
if themes_tab.open:
    with themes_tab, page.section("Themes over time"):
        over_time = voice.themes_by_channel(f)
        page.chart(
            "voice-themes-over-time",
            charts.themes_over_time(
                over_time,
                "Themes over time, by source",
                f"Share of texts mentioning each theme, by {f.grain}: survey comments, reviews, sales/support notes; "
                "bands are 95 % Wilson intervals",
                # The view's events in every theme's panel; no goals: voice.themes's goals count texts,
                # this draws shares.
                **query.panel_marks((), f, over_time, "label"),
            ),
            over_time,
        )

if groups_tab.open:
    with groups_tab, page.section("What each NPS group writes about"):
        impact = voice.theme_impact(f)
        by_group = voice.theme_by_nps_group(f)
        page.chart(
            "voice-themes-by-nps-group",
            charts.themes_by_nps_group(
                by_group,
                "What promoters, passives and detractors write about",
                "Share of each NPS group's comments that mention the theme (NPS surveys with a comment); "
                "bars are 95 % Wilson intervals",
            ),
            by_group,
        )
        page.chart(
            "voice-theme-impact",
            charts.theme_impact(
                impact,
                "NPS of those who mention a theme vs those who do not",
                "NPS of commenters on NPS surveys; bars are 95 % adjusted-Wald intervals; faded: fewer than "
                f"{metrics.spec('voice.theme_impact').min_n} respondents",
            ),
            impact,
        )
        if page.full_page():
            cards.definition_popover(metrics.spec("voice.theme_impact"))

if regions_tab.open:
    with regions_tab, page.section("Complaints vs delivery by region"):
        regions = voice.complaints_vs_delivery(f)
        if regions.height:
            page.chart(
                "voice-complaints-vs-delivery",
                charts.complaints_vs_delivery(
                    regions,
                    "Slow-delivery complaints vs on time as received, by region",
                    [
                        "Up: share of survey comments and reviews mentioning delivery speed (dashed line: all "
                        "regions). Right: share of orders that arrived on time.",
                        f"Bars: 95 % intervals; dot size: texts. Orange: at least {voice.SHIPPED_FINE:.0%} of "
                        "orders shipped on time, yet customers complain more than overall.",
                    ],
                ),
                regions,
            )

if page.full_page():
    with head:
        if sentence := voice.takeaway(impact, regions):
            st.markdown(f"**{fmt.md_escape(sentence)}**")
        st.caption(
            "Most mentioned over the window: "
            + ", ".join(f"{r['label']} {r['share']:.0%}" for r in top.head(3).iter_rows(named=True))
            + f" of {top.get_column('n').max():,} texts (surveys, reviews and notes; star-only reviews have no words"
            " and are not counted)."
        )
        cards.definition_popover(metrics.spec("voice.themes"))

if page.full_page() and verbatims_tab.open:
    with verbatims_tab:
        st.caption(
            "What customers actually wrote, newest first. Theme matching uses the same keyword rules as the charts."
        )
        pick_theme, pick_source, pick_delivery, search = st.columns([2, 3, 2, 3])
        with pick_theme:
            theme = state.select(
                "Theme", (verbatims.ALL, *(t.id for t in verbatims.themes())), key="theme", default=verbatims.ALL
            )
        with pick_source:
            source = state.segmented("Source", (verbatims.ALL, *voice.CHANNELS), key="source", default=verbatims.ALL)
        with pick_delivery:
            delivery = state.segmented(
                "Order arrived", (verbatims.ALL, *voice.DELIVERIES), key="delivery", default=verbatims.ALL,
                help="Feedback that names its order (order_id): was that order delivered after its promised date?",
            )  # fmt: skip
        with search:
            words = state.text("Search the text", key="q", placeholder="e.g. late, refund")
        shown, matches = voice.verbatims(f, theme, source, words, delivery=delivery)
        if delivery != verbatims.ALL and not voice.names_delivered_orders(f):
            st.info(
                "No text in this view names a delivered order: feedback needs an order_id that the orders table"
                " knows, with its promised and delivered dates.",
                icon=":material/info:",
            )
        about = "any theme" if theme == verbatims.ALL else verbatims.theme_label(theme)
        st.caption(
            f"{matches:,} texts match ({about}, {'all sources' if source == verbatims.ALL else source}"
            + ("" if delivery == verbatims.ALL else f", about orders that arrived {delivery.replace('_', ' ')}")
            + (", with the search words" if words.strip() else "")
            + f"); showing the newest {min(matches, voice.VERBATIM_LIMIT):,}."
        )
        # Plain text only: st.dataframe never renders markup in cells.
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
                "channel": "Source",
                "source": "From",
                "score": st.column_config.NumberColumn("Score", help="NPS 0-10 for NPS surveys, stars 1-5 for reviews"),
                "region": "Region",
                "days_late": st.column_config.NumberColumn(
                    "Days late", help="Days after the promised date the order arrived (empty: on time, or no order)"
                ),
                "text": st.column_config.TextColumn("Text", width="large"),
            },
        )
