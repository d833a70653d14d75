"""Sending: SMTP (settings from `[smtp]` in secrets, the environment, or --smtp HOST:PORT) and webhooks.

Credentials never come from the command line: `--smtp` is for an unauthenticated relay.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from metrics.decisions.errors import DecisionError

ENV_PREFIX = "OUTSIDEIN_SMTP_"  # OUTSIDEIN_SMTP_HOST, _PORT, _STARTTLS, _TLS, _USER, _PASSWORD, _FROM
TIMEOUT_S = 20


class DeliveryError(DecisionError):
    """Sending failed: one line saying what refused (SMTP server, login, webhook)."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    starttls: bool = False
    tls: bool = False  # TLS from the first byte (port 465)
    user: str | None = None
    password: str | None = None
    sender: str = "outside-in@localhost"


def _secrets(path: Path | None) -> dict[str, Any]:
    """The secrets.toml the dashboard reads (the project's, else the user's), as the Sheets connector finds it."""
    from connectors.gsheets import SheetsError, read_secrets

    try:
        return read_secrets(path)
    except SheetsError as err:
        raise DeliveryError(str(err)) from None


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def smtp_settings(relay: str | None = None, secrets: Path | None = None) -> Smtp | None:
    """--smtp HOST:PORT (an unauthenticated relay), else OUTSIDEIN_SMTP_* variables, else [smtp] in secrets."""
    if relay:
        host, sep, port = relay.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise DeliveryError(f"--smtp {relay!r} is not HOST:PORT")
        return Smtp(host, int(port))
    env = {k[len(ENV_PREFIX) :].lower(): v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    section = env if "host" in env else _secrets(secrets).get("smtp")
    if not section:
        return None
    try:
        return Smtp(
            host=str(section["host"]),
            port=int(section.get("port", 25)),
            starttls=_flag(section.get("starttls", False)),
            tls=_flag(section.get("tls", False)),
            user=section.get("user"),
            password=section.get("password"),
            sender=str(section.get("from", section.get("user") or Smtp.sender)),
        )
    except (KeyError, ValueError) as err:
        raise DeliveryError(f"SMTP settings: bad or missing {err}") from None


def send_mail(message: EmailMessage, smtp: Smtp | None) -> None:
    """Send through the SMTP server; any refusal becomes a DeliveryError naming the server and the reason."""
    if smtp is None:
        raise DeliveryError(
            "no SMTP server: add [smtp] to .streamlit/secrets.toml, set OUTSIDEIN_SMTP_HOST or pass --smtp"
        )
    if "From" not in message:
        message["From"] = smtp.sender
    where = f"SMTP server {smtp.host}:{smtp.port}"
    try:
        if smtp.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S)
        with client:
            if smtp.starttls and not smtp.tls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except smtplib.SMTPException as err:
        raise DeliveryError(f"{where} refused: {' '.join(str(err).split())}") from None
    except (OSError, ssl.SSLError) as err:
        raise DeliveryError(f"{where} unreachable: {err.strerror or err}") from None


def post_webhook(url: str, text: str) -> None:
    """POST Slack-compatible JSON {"text": ...}; a non-2xx answer or no answer is a DeliveryError."""
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            answer.read()
    except urllib.error.HTTPError as err:
        raise DeliveryError(f"webhook {url} answered {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise DeliveryError(f"webhook {url} unreachable: {getattr(err, 'reason', err)}") from None
