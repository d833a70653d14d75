"""KPI cards: value, change vs the previous period, n, interval, definition one click away."""

from __future__ import annotations

import polars as pl
import streamlit as st

import metrics
from metrics.retention_window import WINDOW_DAYS
from metrics.spec import MetricSpec
from ui import format as fmt
from ui import query
from ui.state import Filters

LENS_LABEL = {"internal": "Inside-out", "customer": "Customer lens"}


def definition_popover(spec: MetricSpec) -> None:
    with st.popover("Definition", icon=":material/info:"):
        st.markdown(f"**{spec.title}** · `{spec.name}` · {LENS_LABEL[spec.lens]}")
        st.text(spec.definition)  # plain text: definitions are not markup
        if spec.twin:
            st.caption(f"Twin (other lens): {metrics.spec(spec.twin).title} · `{spec.twin}`")
        st.caption(f"Values from fewer than {spec.min_n} observations are greyed out.")


def overlaps(a: dict, b: dict) -> bool:
    if None in (a.get("ci_low"), a.get("ci_high"), b.get("ci_low"), b.get("ci_high")):
        return True
    return a["ci_low"] <= b["ci_high"] and b["ci_low"] <= a["ci_high"]


def latest_two(frame: pl.DataFrame) -> tuple[dict | None, dict | None]:
    rows = frame.filter(pl.col("n") > 0).sort("period").tail(2).to_dicts()
    if not rows:
        return None, None
    return rows[-1], rows[0] if len(rows) == 2 else None


def kpi_card(name: str, filters: Filters) -> None:
    spec = metrics.spec(name)
    with st.container(border=True):
        st.markdown(f"**{spec.title}**  \n:gray[{LENS_LABEL[spec.lens]}]")
        _card_body(spec, filters)
        definition_popover(spec)


# Why a metric can be empty although the view has data: said instead of a bare "no data".
EMPTY_HINTS = {
    "retention.three_month": f"No customer who first ordered in this window has had {WINDOW_DAYS} days yet:"
    " start the window earlier to see it.",
}


def _card_body(spec: MetricSpec, filters: Filters) -> None:
    frame, error = query.metric_or_error(spec.name, filters)
    if error:
        st.warning(error, icon=":material/block:")
        return
    current, previous = latest_two(frame)
    if current is None:
        st.caption(EMPTY_HINTS.get(spec.name, "No data in this view."))
        return
    label = fmt.period_label(current["period"], filters.grain)
    notes = [f"n = {fmt.count(current['n'])}", fmt.interval(current["ci_low"], current["ci_high"], spec.unit)]
    if current["n"] < spec.min_n:
        # Greyed, with no trend arrow: too few observations to read anything into it.
        st.caption(label)
        st.markdown(f"## :gray[{fmt.value(current['value'], spec.unit)}]")
        notes.insert(0, f":gray-background[fewer than {spec.min_n} observations: too few to trust]")
        st.caption(" · ".join(notes))
        return
    change = None if previous is None else current["value"] - previous["value"]
    st.metric(
        label,
        fmt.value(current["value"], spec.unit),
        delta=fmt.delta(change, spec.unit),
        delta_color="off" if not change else "normal" if spec.higher_is_better else "inverse",
        delta_description="vs previous period",
    )
    if previous is not None and current["ci_low"] is not None and overlaps(current, previous):
        notes.append(":gray-background[change not significant]")
    st.caption(" · ".join(notes))
