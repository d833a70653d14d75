"""KPI cards: value, change vs the previous period, n, interval, definition one click away."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import metrics
from metrics.analysis import change, periods
from metrics.retention_window import WINDOW_DAYS
from metrics.spec import MetricSpec
from ui import format as fmt
from ui import page, query
from ui.state import Filters

LENS_LABEL = {"internal": "Inside-out", "customer": "Customer lens"}


def _definition(spec: MetricSpec) -> None:
    st.markdown(f"**{spec.title}** · `{spec.name}` · {LENS_LABEL[spec.lens]}")
    st.text(spec.definition)  # plain text: definitions are not markup
    if spec.twin:
        st.caption(f"Twin (other lens): {metrics.spec(spec.twin).title} · `{spec.twin}`")
    st.caption(f"Values from fewer than {spec.min_n} observations are greyed out.")


def definition_popover(spec: MetricSpec) -> None:
    with st.popover("Definition", icon=":material/info:"):
        _definition(spec)


DEFINITIONS_LABEL = "Definitions of these numbers"


def definitions_popover(names: Sequence[str]) -> None:
    """Several cards' definitions behind one button (cards drawn with `definition=False`).

    Each popover is a widget the browser builds and lays out on arrival, while its body is built only when
    opened: one button for a row of cards costs the browser a tenth of what one per card did (bench/README.md).
    """
    with st.popover(DEFINITIONS_LABEL, icon=":material/info:"):
        for name in names:
            _definition(metrics.spec(name))


def kpi_card(name: str, filters: Filters, definition: bool = True) -> None:
    """One KPI's card; with `definition=False` its definition is in a `definitions_popover` nearby."""
    spec = metrics.spec(name)
    with st.container(border=True):
        st.markdown(f"**{spec.title}**  \n:gray[{LENS_LABEL[spec.lens]}]")
        _card_body(spec, filters)
        if definition:
            definition_popover(spec)


# Why a metric can be empty although the view has data: said instead of a bare "no data".
EMPTY_HINTS = {
    "retention.three_month": f"No customer who first ordered in this window has had {WINDOW_DAYS} days yet:"
    " start the window earlier to see it.",
}


def goal_note(spec: MetricSpec, value: float | None, filters: Filters) -> str | None:
    """The distance from the view's goal ("goal 95.0 %: 2.3 pts short"), or None without a goal or a value."""
    goal = next(iter(query.goals((spec.name,), filters)), None)
    if goal is None or value is None:
        return None
    gap = (fmt.delta(abs(goal.distance(value)), spec.unit) or "").lstrip("+")
    where = f"goal {fmt.value(goal.goal, spec.unit)}"
    return f":green[{where}: met, {gap} to spare]" if goal.met(value) else f":red[{where}: {gap} short]"


@page.section()
def _card_body(spec: MetricSpec, filters: Filters) -> None:
    """The latest finished period and its change vs the finished one before; an open period only "so far"."""
    frame = query.metric(spec.name, filters)
    current, previous = change.latest_two(frame)
    _, still_open = change.finished_and_open(frame)
    if current is None and still_open is None:
        st.caption(EMPTY_HINTS.get(spec.name, "No data in this view."))
        return
    open_note = None
    if still_open is not None:
        so_far = periods.label_of(still_open["period"], filters.grain, complete=False)
        open_note = (
            f"{so_far}: {fmt.value(still_open['value'], spec.unit)} (n = {fmt.count(still_open['n'])}),"
            " still open: not compared"
        )
    if current is None:  # only an open period: shown as such, never with a change
        current, open_note = still_open, None
        label = periods.label_of(current["period"], filters.grain, complete=False)
    else:
        label = periods.label_of(current["period"], filters.grain)
    notes = [f"n = {fmt.count(current['n'])}", fmt.interval(current["ci_low"], current["ci_high"], spec.unit)]
    if open_note:
        notes.append(open_note)
    if goal := goal_note(spec, current["value"], filters):
        notes.append(goal)
    if current["n"] < spec.min_n:
        # Greyed, with no trend arrow: too few observations to read anything into it.
        st.caption(label)
        st.markdown(f"## :gray[{fmt.value(current['value'], spec.unit)}]")
        notes.insert(0, f":gray-background[fewer than {spec.min_n} observations: too few to trust]")
        st.caption(" · ".join(notes))
        return
    comparable = previous is not None and current.get("complete", True)
    delta = current["value"] - previous["value"] if comparable and previous is not None else None
    # A change that rounds to zero as shown ("0.0 pts") is no change: grey and no arrow, not a red "-0.0".
    flat = delta is None or fmt.no_change(delta, spec.unit)
    st.metric(
        label,
        fmt.value(current["value"], spec.unit),
        delta=fmt.delta(delta, spec.unit),
        delta_color="off" if flat else "normal" if spec.higher_is_better else "inverse",
        delta_arrow="off" if flat else "auto",
        delta_description="vs previous period",
    )
    if comparable and previous is not None and current["ci_low"] is not None and change.overlaps(current, previous):
        notes.append(":gray-background[change not significant]")
    st.caption(" · ".join(notes))
