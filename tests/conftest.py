"""Fixtures shared by the browser tests: one Chromium, and one app server on the sample data."""

from __future__ import annotations

import pytest

from tests.browser_harness import chromium, streamlit_server


@pytest.fixture(scope="session")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def server():
    """`streamlit run app.py` on the embedded sample data; its base URL."""
    with streamlit_server() as url:
        yield url
