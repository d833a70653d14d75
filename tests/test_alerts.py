"""Alerts: rules from alerts.toml, min_n, once per period with recovery, webhooks to a local HTTP server,
e-mail to a real SMTP server, and the false-fire rate of outside_usual on data with no change."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from metrics.analysis import periods
from metrics.cli import main
from metrics.decisions import evaluate, rules, targets
from metrics.decisions.delivery import smtp_settings
from metrics.decisions.errors import DecisionError
from tests import simulated_orders as sim
from tests.smtp_server import smtp_server

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def webhook_server(status: int = 200) -> Iterator[tuple[str, list[dict]]]:
    """A local HTTP server that records each POSTed JSON body and answers `status`."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.headers["Content-Type"] == "application/json"
            received.append(json.loads(body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def write_config(folder: Path, url: str, body: str, email: str = '["ops@acme.test"]') -> Path:
    path = folder / "alerts.toml"
    path.write_text(f'[notify]\nemail = {email}\nwebhook = "{url}"\n\n{body}', encoding="utf-8")
    return path


SOUTHWEST_UNUSUAL = """
[[alert]]
name = "Southwest receives late"
metric = "delivery.on_time_received"
where = { region = ["Southwest"] }
outside_usual = 6
notify = ["webhook"]
"""


def test_example_file_is_valid_and_uses_the_issue_names():
    config = rules.load(ROOT / "alerts.example.toml")
    assert config.rules[0].name == "Southwest receives late" and config.rules[0].condition == "below"
    assert {r.condition for r in config.rules} == {"below", "outside_usual", "gap_above", "below_target"}
    assert len(config.targets) == 4
    assert config.state_path == ROOT / "alerts.example.state.sqlite"


def test_sample_southwest_drop_fires_in_march_2026_once_and_only_there(tmp_path, capsys):
    with webhook_server() as (url, posts):
        config = write_config(tmp_path, url, SOUTHWEST_UNUSUAL)
        assert main(["alerts", "--config", str(config), "--as-of", "2026-02-28"]) == 0
        assert posts == []  # February: within its usual
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 0
        assert len(posts) == 1 and set(posts[0]) == {"text"}
        assert posts[0]["text"].startswith("Alert: Southwest receives late, Mar 2026: On time as received 74.4%")
        assert "outside its usual" in posts[0]["text"]
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 0  # an hourly cron rerun
        assert len(posts) == 1
    out = capsys.readouterr().out
    assert "already sent  Southwest receives late, Mar 2026" in out
    assert (tmp_path / "alerts.state.sqlite").is_file()


MONTHS = sim.month_starts(date(2025, 1, 1), 12)


def _dip_in_september(region: str, month: date) -> float:
    return 0.6 if month == date(2025, 9, 1) else 0.92


def test_fires_once_then_says_it_recovered(tmp_path):
    frame = sim.orders(MONTHS, {"A": 300}, _dip_in_september)
    frame.write_csv(tmp_path / "orders.csv")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[tables.orders]\nkind = "csv"\npath = "{tmp_path / "orders.csv"}"\n', encoding="utf-8")
    body = '[[alert]]\nname = "late"\nmetric = "delivery.on_time_received"\nbelow = 0.8\nnotify = ["webhook"]\n'
    with webhook_server() as (url, posts):
        config = write_config(tmp_path, url, body)
        for as_of in ("2025-08-31", "2025-09-30", "2025-09-30", "2025-10-31", "2025-11-30"):
            assert main(["alerts", "--sources", str(sources), "--config", str(config), "--as-of", as_of]) == 0
    texts = [p["text"] for p in posts]
    assert len(texts) == 2
    assert texts[0].startswith("Alert: late, Sep 2025: On time as received") and "below 80.0%" in texts[0]
    assert texts[1].startswith("Recovered: late, Oct 2025:") and "not below 80.0%" in texts[1]


def test_min_n_is_respected_and_said(tmp_path):
    frame = sim.orders(MONTHS, {"big": 300, "tiny": 12}, lambda r, m: 0.5)
    rule = rules.Rule("low", "delivery.on_time_received", "below", 0.8, "month", by=("region",))
    outcomes = {o.group: o for o in evaluate.evaluate(rule, sim.tables(frame), date(2025, 12, 31))}
    assert outcomes["region=big"].status == evaluate.FIRES
    tiny = outcomes["region=tiny"]
    assert tiny.status == evaluate.NOT_JUDGED and "fewer than the metric's minimum of 30 observations" in tiny.detail


def test_gap_above_on_the_sample_southwest():
    from connectors import sample

    data = sample.generate()
    tables = dict(data.tables) if hasattr(data, "tables") else dict(data)
    rule = rules.Rule("gap", "delivery.on_time_received", "gap_above", 0.05, "month", {"region": ["Southwest"]})
    (before,) = evaluate.evaluate(rule, tables, date(2026, 2, 28))
    (after,) = evaluate.evaluate(rule, tables, date(2026, 3, 31))
    assert before.status == evaluate.OK
    assert after.status == evaluate.FIRES and "gap +22.1 pts above +5.0 pts" in after.detail


def test_outside_usual_fires_in_at_most_5_percent_of_periods_without_change():
    """Measured on simulated data with no change: 4 regions x 42 judged months, on-time rate 0.9 throughout."""
    months = sim.month_starts(date(2021, 1, 1), 48)
    frame = sim.orders(months, {r: 250 for r in "ABCD"}, lambda r, m: 0.9, seed=11)
    rule = rules.Rule("usual", "delivery.on_time_received", "outside_usual", 6, "month", by=("region",))
    judged = fired = 0
    for month in months[6:]:
        for o in evaluate.evaluate(rule, sim.tables(frame), periods.last_day(month, "month")):
            assert o.period == month
            judged += o.status != evaluate.NOT_JUDGED
            fired += o.status == evaluate.FIRES
    assert judged == 4 * 42
    assert fired / judged <= 0.05, f"fired in {fired} of {judged} periods"


def test_email_alert_reaches_a_real_smtp_server(tmp_path):
    body = SOUTHWEST_UNUSUAL.replace('notify = ["webhook"]', 'notify = ["email"]')
    with smtp_server() as (port, inbox), webhook_server() as (url, posts):
        config = write_config(tmp_path, url, body)
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31", "--smtp", f"127.0.0.1:{port}"]) == 0
    assert posts == [] and inbox.recipients == [["ops@acme.test"]]
    message = inbox.messages[0]
    assert message["Subject"].startswith("Outside-In Alert: Southwest receives late, Mar 2026")
    assert "outside its usual" in message.get_content()


def test_a_refused_delivery_says_which_and_sends_again_next_run(tmp_path, capsys):
    with webhook_server(status=500) as (url, _):
        config = write_config(tmp_path, url, SOUTHWEST_UNUSUAL)
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"webhook {url} answered 500" in err[0]
    with webhook_server() as (url2, posts2):
        write_config(tmp_path, url2, SOUTHWEST_UNUSUAL)
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 0
    assert len(posts2) == 1  # nothing was recorded as sent while the webhook refused


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('[[alert]]\nname = "x"\nmetric = "delivery.nope"\nbelow = 1\n', "unknown metric 'delivery.nope'"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\n', "give exactly one condition"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\nbelow = 1\nabove = 2\n', "give exactly one condition"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\ngap_above = 1\n', "needs a metric with a twin"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\noutside_usual = 0.5\n', "whole number of periods"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\nbelow = 1\nbleow = 2\n', "unknown key(s) bleow"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\nbelow = "low"\n', "below must be a number"),
        ('[[alert]]\nname = "x"\nmetric = "satisfaction.nps"\nbelow = 1\nnotify = ["sms"]\n', "notify must list"),
        ('[[alert]]\nmetric = "satisfaction.nps"\nbelow = 1\n', "#1 needs a name"),
        ("[[alert]]\nname = 'x'\nbelow = \n", "is not valid TOML"),
        (
            '[[alert]]\nname = "a"\nmetric = "satisfaction.nps"\nbelow = 1\n\n# the second\n'
            '[[alert]]\nname = "b"\nmetric = "delivery.nope"\nbelow = 1\n',
            "alerts.toml, line 11: [[alert]] #2 ('b'): unknown metric 'delivery.nope'",  # its header's line
        ),
    ],
)
def test_bad_rules_exit_2_with_one_line_naming_the_rule(tmp_path, body, says, capsys):
    config = write_config(tmp_path, "http://127.0.0.1:9/hook", body)
    assert main(["alerts", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and str(config) in err[0], err


def test_a_rule_the_data_cannot_feed_names_itself_and_the_others_still_run(tmp_path, capsys):
    frame = sim.orders(MONTHS, {"A": 300}, _dip_in_september)
    frame.write_csv(tmp_path / "orders.csv")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[tables.orders]\nkind = "csv"\npath = "{tmp_path / "orders.csv"}"\n', encoding="utf-8")
    body = (
        '[[alert]]\nname = "nps"\nmetric = "satisfaction.nps"\nbelow = 10\nnotify = ["webhook"]\n\n'
        '[[alert]]\nname = "late"\nmetric = "delivery.on_time_received"\nbelow = 0.8\nnotify = ["webhook"]\n'
    )
    with webhook_server() as (url, posts):
        config = write_config(tmp_path, url, body)
        assert main(["alerts", "--sources", str(sources), "--config", str(config), "--as-of", "2025-09-30"]) == 2
    assert len(posts) == 1 and posts[0]["text"].startswith("Alert: late, Sep 2025")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rule 'nps'" in err[0] and "responses" in err[0]


def test_a_where_column_no_table_has_is_refused(tmp_path, capsys):
    body = '[[alert]]\nname = "typo"\nmetric = "delivery.on_time_received"\nwhere = { regoin = ["West"] }\nbelow = 1\n'
    config = write_config(tmp_path, "http://127.0.0.1:9/hook", body)
    assert main(["alerts", "--config", str(config)]) == 2
    assert "rule 'typo': no table has a column 'regoin'" in capsys.readouterr().err


def test_below_target_from_the_command_line(tmp_path):
    (tmp_path / "targets.toml").write_text((ROOT / "targets.example.toml").read_text())
    body = (
        '[[alert]]\nname = "goal"\nmetric = "delivery.on_time_received"\nwhere = { region = ["Southwest"] }\n'
        'below_target = true\nnotify = ["webhook"]\n'
    )
    with webhook_server() as (url, posts):
        config = tmp_path / "alerts.toml"
        config.write_text(f'targets = "targets.toml"\n[notify]\nwebhook = "{url}"\n\n{body}')
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 0
    assert len(posts) == 1 and "misses its target 90.0% (distance -15.6 pts)" in posts[0]["text"]


def test_below_target_reads_the_sources_targets_table_and_needs_some_goal(tmp_path, capsys):
    body = (
        '[[alert]]\nname = "goal"\nmetric = "delivery.on_time_received"\nwhere = { region = ["Southwest"] }\n'
        'below_target = true\nnotify = ["webhook"]\n'
    )
    with webhook_server() as (url, posts):
        config = write_config(tmp_path, url, body)  # no targets file: the sample's targets table has the goal
        assert main(["alerts", "--config", str(config), "--as-of", "2026-03-31"]) == 0
    assert len(posts) == 1 and "misses its target 90.0% (distance -15.6 pts)" in posts[0]["text"]
    sources = tmp_path / "sources.toml"
    sources.write_text('[tables.orders]\nkind = "sample"\n')  # orders only: no targets table, no file
    assert main(["alerts", "--config", str(config), "--sources", str(sources)]) == 2
    assert "below_target needs goals: a targets table in the sources, or targets =" in capsys.readouterr().err


def test_missing_config_and_bad_toml_line(tmp_path, capsys):
    assert main(["alerts", "--config", str(tmp_path / "none.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    config = write_config(tmp_path, "http://127.0.0.1:9/hook", "[[alert]]\nname = 'x'\nbelow = \n")
    assert main(["alerts", "--config", str(config)]) == 2
    assert "line 7" in capsys.readouterr().err


def test_below_target_uses_the_view_s_own_goal(tmp_path):
    from connectors import sample

    data = sample.generate()
    tables = dict(data.tables) if hasattr(data, "tables") else dict(data)
    goals = targets.load(ROOT / "targets.example.toml")
    rule = rules.Rule("t", "delivery.on_time_received", "below_target", 0, "month", by=("region",))
    outcomes = {o.group: o for o in evaluate.evaluate(rule, tables, date(2026, 3, 31), goals)}
    southwest, west = outcomes["region=Southwest"], outcomes["region=West"]
    # Southwest has its own goal (90 %): 74.4 % misses it by 15.6 points; West is held to the overall 95 %.
    assert southwest.status == evaluate.FIRES and "misses its target 90.0% (distance -15.6 pts)" in southwest.detail
    assert west.status == evaluate.FIRES and "target 95.0%" in west.detail
    nps = rules.Rule("n", "satisfaction.nps", "below_target", 0, "month")
    (overall,) = evaluate.evaluate(nps, tables, date(2026, 3, 31), goals)
    assert overall.status == evaluate.OK and "meets its target +30" in overall.detail


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[target]]\nmetric = "x.y"\ngoal = 1\n', "[[target]] #1: unknown metric 'x.y'"),
        ('[[target]]\nmetric = "satisfaction.nps"\ngoal = "high"\n', "goal must be a number"),
        ('[[target]]\nmetric = "satisfaction.nps"\ngoal = 1\nwhere = { carrier = "A" }\n', "where may filter"),
        ('[[target]]\nmetric = "satisfaction.nps"\ngoal = \n', "line 3"),
        (
            '[[target]]\nmetric = "satisfaction.nps"\ngoal = 30\n\n[[target]]  # the West\n'
            'metric = "satisfaction.nps"\ngoal = "high"\n',
            "targets.toml, line 5: [[target]] #2 (satisfaction.nps): goal must be a number",
        ),
    ],
)
def test_bad_targets_name_the_target_or_line(tmp_path, text, says):
    path = tmp_path / "targets.toml"
    path.write_text(text)
    with pytest.raises(DecisionError, match=re.escape(says)):
        targets.load(path)


def test_smtp_settings_from_secrets(tmp_path, monkeypatch):
    for name in ("HOST", "PORT", "STARTTLS", "TLS", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"OUTSIDEIN_SMTP_{name}", raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "mail.acme.test"\nport = 587\nstarttls = true\nuser = "a"\npassword = "b"\n')
    s = smtp_settings(secrets=secrets)
    assert s is not None and (s.host, s.port, s.starttls, s.tls, s.user, s.password) == (
        "mail.acme.test",
        587,
        True,
        False,
        "a",
        "b",
    )
    relay = smtp_settings("127.0.0.1:2525", secrets=secrets)
    assert relay is not None and relay.user is None and relay.port == 2525  # a relay never carries a login
