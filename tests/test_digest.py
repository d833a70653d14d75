"""The digest: findings on known data, and the e-mail received by a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from metrics.cli import main
from metrics.decisions import findings
from tests import simulated_orders as sim
from tests.smtp_server import self_signed, smtp_server

MONTHS = sim.month_starts(date(2026, 1, 1), 6)


def _drop_in_june(region: str, month: date) -> float:
    return 0.6 if (region == "A" and month == date(2026, 6, 1)) else 0.9


@pytest.fixture(scope="module")
def toy() -> pl.DataFrame:
    return sim.orders(MONTHS, {"A": 200, "B": 200}, _drop_in_june)


def _on_time(frame: pl.DataFrame, region: str, month: date) -> float:
    """Counted by hand: of the region's orders that month that were due (promised before the data's last
    order date), the share delivered by the promised date."""
    last = frame["order_date"].max()
    rows = frame.filter(
        pl.col("region") == region, pl.col("order_date").dt.month_start() == month, pl.col("promised_date") < last
    )
    return (rows["delivered_date"] <= rows["promised_date"]).mean()  # type: ignore[return-value]


def test_changes_name_the_drop_with_hand_counted_values(toy):
    found, unread = findings.changes(
        sim.tables(toy), "month", date(2026, 6, 30), names=("delivery.on_time_received", "satisfaction.nps")
    )
    assert unread == {"Net Promoter Score": "metric 'satisfaction.nps' needs table(s) responses"}
    assert findings.unchanged(found, unread, ("delivery.on_time_received", "satisfaction.nps")) == []
    regional = [c for c in found if c.region == "A"]
    assert len(regional) == 1 and all(c.region != "B" for c in found)
    c = regional[0]
    assert c.now["period"] == date(2026, 6, 1) and c.before["period"] == date(2026, 5, 1)
    assert c.now["value"] == pytest.approx(_on_time(toy, "A", date(2026, 6, 1)))
    assert c.before["value"] == pytest.approx(_on_time(toy, "A", date(2026, 5, 1)))
    assert c.now["ci_high"] < c.before["ci_low"]  # the dashboard's rule: intervals apart
    assert not c.good and c.delta < -0.2


def test_an_open_period_is_never_compared(toy):
    # Data through 20 June: June is open, so the last finished month is May and June's drop is not news yet.
    found, _ = findings.changes(sim.tables(toy), "month", date(2026, 6, 20), names=("delivery.on_time_received",))
    assert all(c.now["period"] == date(2026, 5, 1) for c in found)
    assert not any(c.region == "A" and c.delta < -0.2 for c in found)


def test_last_finished_period():
    assert findings.last_finished(date(2026, 10, 31), "month") == date(2026, 10, 1)
    assert findings.last_finished(date(2026, 10, 30), "month") == date(2026, 9, 1)
    assert findings.last_finished(date(2026, 11, 1), "week") == date(2026, 10, 26)  # a Sunday ends its week
    assert findings.last_finished(date(2026, 10, 31), "week") == date(2026, 10, 19)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a["src"])


def _parts(message: EmailMessage) -> tuple[str, str, dict[str, bytes]]:
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    related = next(p for p in message.iter_parts() if p.get_content_type() == "multipart/related")
    images = {
        str(p["Content-ID"]).strip("<>"): p.get_content()
        for p in related.iter_parts()
        if p.get_content_maintype() == "image"
    }
    return plain.get_content(), html.get_content(), images


def test_digest_sent_to_a_real_smtp_server_parses_into_parts_images_and_links():
    with smtp_server() as (port, inbox):
        code = main(
            [
                "digest",
                "--as-of",
                "2026-03-31",
                "--to",
                "exec@acme.test",
                "--smtp",
                f"127.0.0.1:{port}",
                "--base-url",
                "https://dash.acme.test/",
            ]
        )
    assert code == 0
    assert inbox.recipients == [["exec@acme.test"]]
    message = inbox.messages[0]
    # The planted story: Southwest's on time as received fell from ~93 % to ~74 % in March 2026.
    # The subject names the strongest change; the overall drop of the same metric is not repeated there.
    assert message["Subject"].strip() == "Outside-In, Mar 2026: On time as received fell 18 points in the Southwest"
    plain, html, images = _parts(message)
    tags = _Tags()
    tags.feed(html)
    assert tags.images and all(src.startswith("cid:") for src in tags.images)  # no remote content
    assert {src[4:] for src in tags.images} == set(images)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images.values())
    southwest = "https://dash.acme.test/delivery?start=2025-04-01&end=2026-03-31&grain=month&region=Southwest"
    assert southwest in tags.links and southwest in plain
    assert "the 95 % intervals of the two periods do not overlap" in plain
    assert re.search(r"74\.4% \(n = 597, 95 % CI 70\.7% – 77\.7%\), was 92\.9% in Feb 2026 \(n = 589", plain)
    assert "Did not change significantly (overall): On time as shipped" in plain
    assert "in the Southwest: the inside view looks +22.1 pts better (the widest of any region)" in plain
    assert "Fastest-rising complaint theme:" in plain and "max-width:600px" in html
    assert "A late order, in the customer's words:" in plain and "days late" in plain  # the complaint loop closes


def test_starttls_and_login_from_the_environment(tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with smtp_server(tls=(cert, key), login=("digest", "s3cret")) as (port, inbox):
        for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "STARTTLS": "true", "USER": "digest"}.items():
            monkeypatch.setenv(f"OUTSIDEIN_SMTP_{name}", value)
        monkeypatch.setenv("OUTSIDEIN_SMTP_PASSWORD", "wrong")
        assert main(["digest", "--as-of", "2026-03-31", "--to", "exec@acme.test"]) == 2
        monkeypatch.setenv("OUTSIDEIN_SMTP_PASSWORD", "s3cret")
        assert main(["digest", "--as-of", "2026-03-31", "--to", "exec@acme.test"]) == 0
    assert len(inbox.messages) == 1 and inbox.messages[0]["From"] == "digest"


def test_output_writes_eml_and_standalone_html(tmp_path, capsys):
    eml, page = tmp_path / "digest.eml", tmp_path / "digest.html"
    targets = str(Path(__file__).resolve().parent.parent / "targets.example.toml")
    assert main(["digest", "--as-of", "2026-03-31", "--output", str(eml), "--targets", targets]) == 0
    assert main(["digest", "--as-of", "2026-03-31", "--output", str(page)]) == 0
    from email import message_from_bytes, policy

    parsed = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert "Southwest" in parsed["Subject"]
    plain = parsed.get_body(("plain",)).get_content()
    assert "On time as received in Southwest: 74.4% (n = 597) vs target 90.0%, -15.6 pts (missed)" in plain
    text = page.read_text()
    assert "cid:" not in text and text.count("data:image/png;base64,") == 2
    assert "vs target 90.0%, -15.6 pts (missed)" in text  # without --targets: the sample's targets table


def test_only_if_changed_sends_nothing_when_nothing_moved(toy, tmp_path, capsys):
    steady = sim.orders(MONTHS, {"A": 200}, lambda r, m: 0.9)
    steady.write_csv(tmp_path / "orders.csv")
    (tmp_path / "sources.toml").write_text(
        '[tables.orders]\nkind = "csv"\npath = "' + str(tmp_path / "orders.csv") + '"\n'
    )
    with smtp_server() as (port, inbox):
        code = main(
            [
                "digest",
                "--sources",
                str(tmp_path / "sources.toml"),
                "--only-if-changed",
                "--to",
                "x@acme.test",
                "--smtp",
                f"127.0.0.1:{port}",
            ]
        )
    assert code == 0 and inbox.messages == []
    assert "no significant change into May 2026; nothing sent" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--output", "digest.txt"], "write a .eml"),
        ([], "give --to ADDR"),
        (["--to", "x@acme.test", "--smtp", "127.0.0.1:1"], "SMTP server 127.0.0.1:1 unreachable"),
        (["--to", "x@acme.test", "--smtp", "nohost"], "is not HOST:PORT"),
        (["--period", "year"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_status_2(args, says, capsys):
    assert main(["digest", "--as-of", "2026-03-31", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and says in err[0]


def test_a_late_orders_review_is_quoted_lowest_stars_first():
    orders = pl.DataFrame(
        {
            "order_id": ["A", "B", "C", "D"],
            "promised_date": [date(2026, 3, 5)] * 4,
            # A on time; B 2 days late; C 9 days late; D not delivered yet
            "delivered_date": [date(2026, 3, 5), date(2026, 3, 7), date(2026, 3, 14), None],
        }
    )
    reviews = pl.DataFrame(
        {
            "order_id": ["A", "B", "C", "C", "D", None],
            "text": ["Fine", "Late and\nsloppy", None, "Nine days!", "Where is it?", "No order named"],
            "published_at": [date(2026, 3, d) for d in (6, 9, 15, 16, 20, 21)],
            "source": ["google"] * 6,
            "rating": [1, 2, 1, 2, 1, 1],
        }
    )
    tables = {"orders": orders, "reviews": reviews}
    # By hand: late and with text are B (2 stars, 9 Mar) and C's second review (2 stars, 16 Mar): the newest wins.
    # A was on time, C's 1-star review has no text, D was never delivered, the last names no order.
    got = findings.late_order_review(tables, date(2026, 3, 1), date(2026, 3, 31))
    assert got == findings.LateReview("Nine days!", date(2026, 3, 16), "google", 9, 2)
    assert got.line == "“Nine days!” (2026-03-16, google, 9 days late, 2 of 5 stars)"
    assert findings.late_order_review(tables, date(2026, 3, 1), date(2026, 3, 10)).text == "Late and\nsloppy"
    assert findings.late_order_review(tables, date(2026, 3, 1), date(2026, 3, 8)) is None
    unlinked = {"orders": orders, "reviews": reviews.drop("order_id")}
    assert findings.late_order_review(unlinked, date(2026, 3, 1), date(2026, 3, 31)) is None
