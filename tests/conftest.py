"""Fixtures shared by the browser tests: one Chromium, and one app server on the sample data."""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.browser_harness import chromium, streamlit_server

# Hypothesis fails an example that takes over 200 ms; on a shared 2-core machine (CI and the suite's own
# servers) a 1 ms example now and then takes more ("Unreliable test timings", seen on the Sheets parser).
# Speed is measured in bench/, never asserted in tests: no deadline anywhere.
settings.register_profile("outside-in", deadline=None)
settings.load_profile("outside-in")


@pytest.fixture(scope="session")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def server():
    """`streamlit run app.py` on the embedded sample data; its base URL."""
    with streamlit_server() as url:
        yield url
