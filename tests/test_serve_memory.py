"""The served app gives freed memory back (asgi.py configures Polars' allocator before Polars loads)."""

from __future__ import annotations

import subprocess
import sys

from tests.browser_harness import ROOT

# In a fresh interpreter, as `streamlit run asgi.py` starts it: Streamlit's command line and server are loaded
# first (they must not load Polars: its allocator reads its settings once, when it loads), then asgi.
SCRIPT = """
import os, sys
import streamlit.web.bootstrap, streamlit.web.cli  # noqa: F401
print("polars" in sys.modules)
import asgi  # noqa: F401
import polars as pl
assert pl.int_range(0, 1_000_000, eager=True).sum() > 0
print(os.environ.get("_RJEM_MALLOC_CONF", ""))
"""


def test_polars_allocator_returns_freed_pages_in_the_served_app():
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}  # no _RJEM_MALLOC_CONF from outside
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded_before_asgi, conf = done.stdout.split()[-2:]
    assert loaded_before_asgi == "False"
    settings = dict(item.split(":") for item in conf.split(","))
    assert settings["background_thread"] == "true" and int(settings["dirty_decay_ms"]) <= 1000
