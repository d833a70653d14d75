"""Who may see data: the [access] allow-list in secrets, applied to a signed-in account's claims.

Pure rules, no Streamlit: ui/auth.py draws the screens. Everything here fails closed: a missing,
empty or malformed list lets nobody in, and says what the operator must add.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANYONE = "*"  # any signed-in account
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^@[^@\s]+\.[^@\s]+$")
EXAMPLE = '[access]\nallow = ["ceo@acme.com", "@acme.com"]   # e-mails, "@domain", or "*" for any signed-in account'


@dataclass(frozen=True)
class AllowList:
    """The parsed [access] section; `problem` set means nobody gets in and says why."""

    entries: tuple[str, ...] = ()
    contact: str | None = None
    problem: str | None = None


def parse(section: Mapping[str, Any] | None) -> AllowList:
    """Read [access]; a malformed entry invalidates the whole list (a typo must not open it)."""
    if section is None:
        return AllowList(problem="Sign-in is on, but secrets have no [access] section, so nobody sees data.")
    contact = section.get("contact")
    contact = str(contact) if contact else None
    allow = section.get("allow")
    if allow is None or (isinstance(allow, list | tuple) and not allow):
        return AllowList(contact=contact, problem="The [access] allow list is empty, so nobody sees data.")
    if not isinstance(allow, list | tuple) or not all(isinstance(e, str) for e in allow):
        return AllowList(contact=contact, problem="[access] allow must be a list of strings.")
    entries = tuple(e.strip().lower() for e in allow)
    if bad := [e for e in entries if not (e == ANYONE or _EMAIL.match(e) or _DOMAIN.match(e))]:
        listed = ", ".join(repr(e) for e in bad)
        return AllowList(
            contact=contact,
            problem=f"[access] allow has entries that are neither an e-mail, an @domain nor *: {listed}.",
        )
    return AllowList(entries=entries, contact=contact)


def _unverified(claims: Mapping[str, Any]) -> bool:
    """A provider that says the e-mail is not verified is not trusted for it (some send "false" as text)."""
    flag = claims.get("email_verified")
    return flag is False or (isinstance(flag, str) and flag.strip().lower() == "false")


def allowed(rules: AllowList, claims: Mapping[str, Any]) -> bool:
    """True when a signed-in account with these ID-token claims may see data."""
    if rules.problem or not rules.entries:
        return False
    if ANYONE in rules.entries:
        return True
    email = claims.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()) or _unverified(claims):
        return False
    email = email.strip().lower()
    domain = "@" + email.rpartition("@")[2]
    return email in rules.entries or domain in rules.entries


def refusal_reason(rules: AllowList, claims: Mapping[str, Any]) -> str:
    """Why this account is refused, in words for the viewer."""
    if rules.problem:
        return rules.problem
    if isinstance(claims.get("email"), str) and _unverified(claims):
        return "Your identity provider says this e-mail address is not verified, so it cannot be trusted here."
    if not isinstance(claims.get("email"), str):
        return "Your identity provider did not share an e-mail address, and access is granted by e-mail."
    return "This account has no access to this dashboard."


def who(claims: Mapping[str, Any]) -> str:
    """The signed-in account as the viewer knows it."""
    for key in ("email", "name", "preferred_username", "sub"):
        if isinstance(claims.get(key), str) and claims[key]:
            return claims[key]
    return "an account without a name"
