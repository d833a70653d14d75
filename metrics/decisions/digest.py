"""The digest e-mail: what changed in the last finished period, as HTML (600 px, inline PNG charts) and text."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import narwhals as nw

from metrics.analysis import periods
from metrics.analysis import units as fmt
from metrics.decisions import charts, findings, links
from metrics.decisions.targets import Target

HISTORY = 12  # periods drawn on each chart and opened by each link
DEFAULT_BASE_URL = "http://localhost:8501"


@dataclass(frozen=True)
class Digest:
    period: date
    grain: str
    changes: list[findings.Change]
    unchanged: list[str]
    unread: dict[str, str]  # metric title: why the data cannot feed it
    gaps: list[findings.Gap]
    widest_region_gap: tuple[str, findings.Gap] | None
    theme: findings.RisingTheme | None
    targets: list[findings.TargetReading]
    late_review: findings.LateReview | None = None  # the complaint loop: a late order, in the customer's words

    @property
    def period_name(self) -> str:
        return periods.label_of(self.period, self.grain)


def build(tables: Mapping[str, Any], grain: str, through: date, goals: tuple[Target, ...] = ()) -> Digest:
    """Read the last finished period at `grain` of data that runs until `through`."""
    found, unread = findings.changes(tables, grain, through)
    regional = []
    for region in _regions(tables):
        pair = findings.gaps(tables, grain, through, region)
        if pair:
            regional.append((region, pair[0]))
    widest = max(regional, key=lambda rg: rg[1].gap, default=None)
    return Digest(
        findings.last_finished(through, grain),
        grain,
        found,
        findings.unchanged(found, unread),
        unread,
        findings.gaps(tables, grain, through),
        widest,
        findings.rising_theme(tables, grain, through),
        findings.target_readings(tables, grain, through, goals),
        findings.late_order_review(tables, *_period_days(findings.last_finished(through, grain), grain)),
    )


def _period_days(period: date, grain: str) -> tuple[date, date]:
    return period, periods.last_day(period, grain)


def _regions(tables: Mapping[str, Any]) -> list[str]:
    if "orders" not in tables:
        return []
    orders = nw.from_native(tables["orders"]).lazy()
    if findings.BREAKDOWN not in orders.collect_schema().names():
        return []
    regions = orders.select(findings.BREAKDOWN).filter(~nw.col(findings.BREAKDOWN).is_null()).unique().collect()
    return sorted(regions.get_column(findings.BREAKDOWN).to_list())


def size(c: findings.Change) -> str:
    """'fell 9 points', 'rose 0.5 d': the change as a headline says it."""
    verb = "rose" if c.delta > 0 else "fell"
    amount = abs(c.delta)
    if c.spec.unit in ("share", "ratio"):
        return f"{verb} {100 * amount:.0f} points"
    if c.spec.unit == "score":
        return f"{verb} {amount:.0f} points"
    return f"{verb} {fmt.value(amount, c.spec.unit).lstrip('+')}"


def headline(c: findings.Change) -> str:
    where = f" in the {c.region}" if c.region else " overall"
    return f"{c.spec.title} {size(c)}{where}"


def subject(d: Digest) -> str:
    """Names the strongest changes of two different metrics at most, or says nothing changed significantly."""
    if not d.changes:
        return f"Outside-In, {d.period_name}: no significant change"
    firsts = {c.spec.name: c for c in reversed(d.changes)}  # each metric's strongest change
    top = sorted(firsts.values(), key=d.changes.index)[:2]
    return f"Outside-In, {d.period_name}: " + "; ".join(headline(c) for c in top)


def _detail(c: findings.Change, d: Digest) -> str:
    unit, before, now = c.spec.unit, c.before, c.now
    previous = periods.label_of(before["period"], d.grain)
    return (
        f"{fmt.value(now['value'], unit)} (n = {now['n']:,}, {fmt.interval(now['ci_low'], now['ci_high'], unit)}), "
        f"was {fmt.value(before['value'], unit)} in {previous} (n = {before['n']:,}, "
        f"{fmt.interval(before['ci_low'], before['ci_high'], unit)})"
    )


def _window(d: Digest) -> tuple[date, date]:
    return findings.periods_back(d.period, d.grain, HISTORY - 1), periods.last_day(d.period, d.grain)


def _gap_line(g: findings.Gap, where: str = "") -> str:
    unit = g.outside.unit
    return (
        f"{g.inside.title} {fmt.value(g.inside_value, unit)} vs {g.outside.title} "
        f"{fmt.value(g.outside_value, unit)}{where}: the inside view looks {fmt.delta(g.gap, unit)} better"
    )


def _theme_line(t: findings.RisingTheme, d: Digest) -> str:
    real = "beyond its interval" if t.significant else "within its noise"
    return (
        f"{t.label}: {t.now:.1%} of {t.texts:,} customer texts in {d.period_name}, "
        f"up from {t.before:.1%} over the {findings.RISING_BASELINE} periods before ({real})"
    )


def compose(
    d: Digest, tables: Mapping[str, Any], through: date, base_url: str, to: list[str], sender: str | None = None
) -> EmailMessage:
    """The e-mail: a plain-text part, and an HTML part with one inline PNG per change (cid: links)."""
    start, end = _window(d)
    msg = EmailMessage()
    msg["Subject"] = subject(d)
    if to:
        msg["To"] = ", ".join(to)
    if sender:
        msg["From"] = sender
    text, body, images = [f"{subject(d)}", ""], [], []
    text.append(f"Changes into {d.period_name} that are statistically real ({findings.RULE}), strongest first:")
    body.append(
        f"<p style='color:#555'>Changes into <b>{html.escape(d.period_name)}</b> that are statistically real "
        f"({html.escape(findings.RULE)}), strongest first.</p>"
    )
    for c in d.changes:
        url = links.view_url(base_url, c.spec, d.grain, start, end, c.region)
        where = {findings.BREAKDOWN: [c.region]} if c.region else None
        rows = findings.series(c.spec.name, tables, d.grain, through, start=start, where=where)
        cid = make_msgid(domain="outside-in")
        images.append((cid, charts.trend_png(c.spec, rows, d.period)))
        color = "#1a7f37" if c.good else "#cf222e"
        text += [f"- {headline(c)}: {_detail(c, d)}", f"  {url}"]
        body.append(
            f"<table role='presentation' width='100%' style='border-top:1px solid #ddd;margin-top:8px'><tr>"
            f"<td style='padding:8px 0'><div style='font-size:16px;color:{color}'>"
            f"<b>{html.escape(headline(c))}</b></div>"
            f"<div style='font-size:13px;color:#333'>{html.escape(_detail(c, d))}</div>"
            f"<img src='cid:{cid[1:-1]}' width='{charts.WIDTH}' height='{charts.HEIGHT + 30}'"
            f" alt='{html.escape(c.spec.title)} trend'>"
            f"<div><a href='{html.escape(url)}'>Open this view on the dashboard</a></div></td></tr></table>"
        )
    if not d.changes:
        text.append("- none")
        body.append("<p>No KPI changed beyond its noise.</p>")
    quiet = ", ".join(d.unchanged) if d.unchanged else "nothing else watched"
    text += ["", f"Did not change significantly (overall): {quiet}."]
    body.append(f"<p><b>Did not change significantly</b> (overall): {html.escape(quiet)}.</p>")
    if d.unread:
        missing = "; ".join(f"{title} ({why})" for title, why in d.unread.items())
        text.append(f"Not read (the data cannot feed them): {missing}.")
        body.append(f"<p style='color:#9a6700'><b>Not read</b>: {html.escape(missing)}.</p>")
    gap_lines = [_gap_line(g) for g in d.gaps]
    if d.widest_region_gap:
        region, g = d.widest_region_gap
        gap_lines.append(_gap_line(g, f" in the {region}") + " (the widest of any region)")
    if gap_lines:
        text += ["", f"Inside-out vs customer, {d.period_name}:", *(f"- {line}" for line in gap_lines)]
        body.append(
            "<p><b>Inside-out vs customer</b></p><ul>"
            + "".join(f"<li>{html.escape(x)}</li>" for x in gap_lines)
            + "</ul>"
        )
    if d.targets:
        lines = [r.line for r in d.targets]
        text += ["", f"Targets, {d.period_name}:", *(f"- {line}" for line in lines)]
        body.append("<p><b>Targets</b></p><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
    if d.theme:
        text += ["", f"Fastest-rising complaint theme: {_theme_line(d.theme, d)}"]
        body.append(f"<p><b>Fastest-rising complaint theme</b>: {html.escape(_theme_line(d.theme, d))}</p>")
        if d.theme.verbatim:
            text.append(f'  "{d.theme.verbatim}"')
            body.append(
                f"<blockquote style='margin:0 0 0 8px;color:#555'>“{html.escape(d.theme.verbatim)}”</blockquote>"
            )
    if d.late_review:
        text += ["", "A late order, in the customer's words:", f"  {d.late_review.line}"]
        body.append(
            "<p><b>A late order, in the customer's words</b></p>"
            f"<blockquote style='margin:0 0 0 8px;color:#555'>{html.escape(d.late_review.line)}</blockquote>"
        )
    home = f"{base_url.rstrip('/')}/"
    text += ["", f"Dashboard: {home}"]
    body.append(f"<p style='font-size:12px;color:#777'><a href='{html.escape(home)}'>Open the dashboard</a></p>")
    msg.set_content("\n".join(text) + "\n")
    page = (
        "<!doctype html><html><body style='margin:0'><div style='max-width:600px;font-family:Arial,sans-serif'>"
        f"<h2 style='font-size:18px'>{html.escape(subject(d))}</h2>{''.join(body)}</div></body></html>"
    )
    msg.add_alternative(page, subtype="html")
    html_part = msg.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    for cid, png in images:
        html_part.add_related(png, "image", "png", cid=cid)
    return msg
