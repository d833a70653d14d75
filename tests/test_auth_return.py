"""Returning to the shared view after sign-in never redirects anywhere but a page of this app."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.return_to import safe_return_path, view_from_referer


@pytest.mark.parametrize(
    ("candidate", "base", "expected"),
    [
        ("/delivery?region=Southwest&grain=week", "", "/delivery?region=Southwest&grain=week"),
        ("/delivery?chart=delivery-on-time-trend&embed=true", "", "/delivery?chart=delivery-on-time-trend&embed=true"),
        ("/cx/voice?q=late", "/cx", "/cx/voice?q=late"),
        ("/", "", None),  # home is where the callback goes anyway
        ("/voice", "/cx", None),  # outside the app's prefix
        ("//evil.test/x", "", None),  # protocol-relative: another host
        ("/\\evil.test", "", None),
        ("https://evil.test/delivery", "", None),
        ("http:/delivery", "", None),
        ("/auth/login?provider=x", "", None),  # never loop back into sign-in
        ("/oauth2callback?code=1", "", None),
        ("/_stcore/health", "", None),
        ("/cx/../admin", "/cx", None),
        ("/delivery\r\nSet-Cookie: x=1", "", None),
        ("/d\u00e9livery", "", None),
        ("", "", None),
        (None, "", None),
    ],
)
def test_only_paths_of_this_app(candidate, base: str, expected) -> None:
    assert safe_return_path(candidate, base) == expected


def test_referer_from_another_host_is_ignored() -> None:
    assert view_from_referer("http://evil.test/delivery?x=1", "dash.acme.com", "") is None
    assert view_from_referer("https://dash.acme.com/delivery?x=1", "dash.acme.com", "") == "/delivery?x=1"
    assert view_from_referer("https://dash.acme.com:8443/cx/retention", "DASH.acme.com:8443", "/cx") == "/cx/retention"
    assert view_from_referer(None, "dash.acme.com", "") is None


@given(st.text(max_size=80), st.sampled_from(["", "/cx"]))
def test_a_kept_path_is_always_local(candidate: str, base: str) -> None:
    kept = safe_return_path(candidate, base)
    if kept is not None:
        assert kept.startswith(base + "/") and not kept.startswith("//")
        assert "://" not in kept.split("?")[0] and "\\" not in kept and kept.isascii()
