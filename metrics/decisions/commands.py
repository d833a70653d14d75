"""The `digest` and `alerts` commands, given the loaded tables (metrics/cli.py parses and loads)."""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Mapping
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import narwhals as nw

from metrics.analysis import periods
from metrics.decisions import delivery, digest, evaluate, rules, targets
from metrics.decisions.errors import DecisionError
from metrics.decisions.state import State
from metrics.errors import MetricError


def _through(tables: Mapping[str, Any], as_of: date | None) -> date:
    last = periods.data_last(tables)  # a period ending after it is still open
    if last is None:
        raise DecisionError("the data has no dated rows (orders, responses, reviews or notes)")
    return min(as_of, last) if as_of else last


def run_digest(args: argparse.Namespace, tables: Mapping[str, Any]) -> None:
    if args.output is not None and args.output.suffix not in (".eml", ".html"):
        raise DecisionError(f"--output {args.output}: write a .eml (the whole message) or .html (the HTML part)")
    if args.output is None and not args.to:
        raise DecisionError("give --to ADDR to send the digest, or --output digest.eml to write it")
    smtp = None if args.output else delivery.smtp_settings(args.smtp)
    through = _through(tables, args.as_of)
    goals = targets.merge(_table_goals(tables), targets.load(args.targets) if args.targets else ())
    d = digest.build(tables, args.period, through, goals)
    if args.only_if_changed and not d.changes:
        print(f"no significant change into {d.period_name}; nothing sent")
        return
    message = digest.compose(d, tables, through, args.base_url, args.to, smtp.sender if smtp else None)
    if args.output is not None:
        args.output.write_bytes(bytes(message) if args.output.suffix == ".eml" else _standalone_html(message))
        print(f"wrote {args.output}: {message['Subject']}")
        return
    delivery.send_mail(message, smtp)
    print(f"sent to {', '.join(args.to)}: {message['Subject']}")


def _table_goals(tables: Mapping[str, Any]) -> tuple[targets.Target, ...]:
    """The sources' targets table's goals; a goal it gives twice is said on stderr (and not used)."""
    goals, problems = targets.from_table(tables.get("targets"))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return goals


def _standalone_html(message: EmailMessage) -> bytes:
    """The HTML part with its inline images as data: URIs, to review in a browser."""
    part = message.get_body(("html",))
    assert part is not None
    page = part.get_content()
    for image in (p for p in message.walk() if p.get_content_maintype() == "image"):
        cid = str(image["Content-ID"]).strip("<>")
        data = base64.b64encode(image.get_content()).decode()
        page = page.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return page.encode()


def run_alerts(args: argparse.Namespace, tables: Mapping[str, Any]) -> None:
    config = rules.load(args.config)
    goals = targets.merge(_table_goals(tables), config.targets)  # the table wins per goal
    if not goals and any(r.condition == "below_target" for r in config.rules):
        raise DecisionError(
            f'{config.path}: below_target needs goals: a targets table in the sources, or targets = "targets.toml"'
            " at the top of the file"
        )
    through = _through(tables, args.as_of)
    outcomes: list[evaluate.Outcome] = []
    broken: list[str] = []
    for rule in config.rules:
        try:
            _check_columns(config, rule, tables)
            outcomes += evaluate.evaluate(rule, tables, through, goals)
        except MetricError as err:  # one rule the data cannot feed: say so, judge the others
            broken.append(f"rule {rule.name!r}: {err}")
            print(f"{'cannot run':<12}  {rule.name}: {err}")
    state = State(config.state_path)
    try:
        news: list[tuple[evaluate.Outcome, bool]] = []  # (outcome, firing) to send and then record
        for o in outcomes:
            last = state.last(o.rule.name, o.group)
            if o.status == evaluate.FIRES:
                if last is not None and last[1] and last[0] >= o.period:
                    print(f"already sent  {o.line()}")
                    continue
                news.append((o, True))
            elif o.status == evaluate.OK and last is not None and last[1]:
                news.append((o, False))
            else:
                print(f"{o.status:<12}  {o.line()}")
        _notify(config, news, args.smtp)
        for o, firing in news:
            state.record(o.rule.name, o.group, o.period, firing)
            print(f"{'FIRED' if firing else 'RECOVERED':<12}  {o.line()}")
    finally:
        state.close()
    if broken:
        raise DecisionError(f"{config.path}: " + "; ".join(broken))


def _check_columns(config: rules.Config, rule: rules.Rule, tables: Mapping[str, Any]) -> None:
    """A where/by column no table has would silently filter nothing: refuse it, naming the rule."""
    columns = {c for frame in tables.values() for c in nw.from_native(frame).lazy().collect_schema().names()}
    for column in (*rule.where, *rule.by):
        if column not in columns:
            raise DecisionError(f"{config.path}: rule {rule.name!r}: no table has a column {column!r}")


def _text(o: evaluate.Outcome, firing: bool) -> str:
    return f"{'Alert' if firing else 'Recovered'}: {o.line()}"


def _notify(config: rules.Config, news: list[tuple[evaluate.Outcome, bool]], relay: str | None) -> None:
    """One e-mail and one webhook post for this run's news, each to the rules that asked for that channel."""
    mail = [_text(o, f) for o, f in news if "email" in o.rule.notify]
    hook = [_text(o, f) for o, f in news if "webhook" in o.rule.notify]
    if mail:
        smtp = delivery.smtp_settings(relay)
        message = EmailMessage()
        first = mail[0] if len(mail) == 1 else f"{mail[0]} (+{len(mail) - 1} more)"
        message["Subject"] = f"Outside-In {first}"
        message["To"] = ", ".join(config.email)
        if smtp is not None:
            message["From"] = smtp.sender
        message.set_content("\n".join(mail) + "\n")
        delivery.send_mail(message, smtp)
    if hook and config.webhook:
        delivery.post_webhook(config.webhook, "\n".join(hook))


def default_config() -> Path:
    return Path("alerts.toml")
