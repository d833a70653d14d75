"""Cookie secrets a hosted dashboard refuses to start with: short ones and the documented example."""

from __future__ import annotations

MIN_LENGTH = 32
# The placeholders of .streamlit/secrets.toml.example (and its older text): copied as they are, they
# would let anyone who read the example forge a signed-in cookie.
EXAMPLES = ("a long random string", "replace-with-output-of")
HOW = "python -c 'import secrets; print(secrets.token_hex(32))'"


def cookie_secret_problem(secret: object, where: str) -> str | None:
    """Why `secret` (from `where`) must not sign cookies, or None when it may."""
    if not isinstance(secret, str) or not secret.strip():
        return f"{where} is empty; set it to a long random value ({HOW})."
    if any(example in secret.lower() for example in EXAMPLES):
        return f"{where} is the example value from the docs; replace it with a random one ({HOW})."
    if len(secret) < MIN_LENGTH:
        return f"{where} is {len(secret)} characters; use at least {MIN_LENGTH} random ones ({HOW})."
    return None
