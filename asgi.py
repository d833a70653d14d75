"""Serve Outside-In: app.py plus what a hosted dashboard needs (`streamlit run asgi.py`).

`streamlit run` finds `app` below and serves app.py through it, with two small middlewares: one
brings a viewer back to the shared view after sign-in (ui/return_to.py), one answers the
readiness probe `<base>/healthz` (ui/readiness.py). Its lifespan hook starts the data warm-up
(ui.data.warm_up), so the first viewer never waits for the sources to load. `make run` and `make serve`
start this file.
Before serving, it refuses cookie secrets that would let anyone forge a sign-in (ui/secret_check.py).
"""

from __future__ import annotations

import os
import sys

# Before anything loads Polars: its allocator (jemalloc, which reads this once) then gives freed pages back to
# the system within a second, from a background thread. By default it kept them for reuse, per arena, so after a
# big query (a per-customer group-by at 20M orders frees about 1 GB) the resident set stayed up, and the next
# query from another thread (a viewer's script, the warm-up) added its own on top: the process's peak was the
# sum of several queries' rather than the largest one's.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0")
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pandas  # noqa: F401  (why: see lifespan)
import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.secrets import secrets_singleton

from ui.readiness import ReadinessProbe
from ui.return_to import ReturnToView
from ui.secret_check import cookie_secret_problem


def _startup_problems() -> list[str]:
    problems = []
    if secrets_singleton.load_if_toml_exists() and (auth := secrets_singleton.get("auth")) is not None:
        problems.append(cookie_secret_problem(auth.get("cookie_secret"), "[auth] cookie_secret in secrets"))
    if (server_secret := os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")) is not None:
        problems.append(cookie_secret_problem(server_secret, "STREAMLIT_SERVER_COOKIE_SECRET"))
    return [p for p in problems if p]


if problems := _startup_problems():
    for problem in problems:
        print(f"Outside-In will not start: {problem}", file=sys.stderr)
    raise SystemExit(2)


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Start loading every table (and the default view's metrics) before the first viewer arrives."""
    del app
    from ui import data, streamlit_private  # imported here: the pages' modules load inside the running server

    # Before the first session: concurrent first views on a fresh replica would otherwise run pages bare
    # (ui.streamlit_private). pandas is imported above, in the main thread, for a like reason: Altair imports
    # it lazily inside a chart's to_dict, and two sessions doing that at once on a fresh replica saw a
    # partially initialised module ("pandas has no attribute 'Timestamp'").
    streamlit_private.never_pages_folder_mode()
    data.warm_up()
    yield


app = st.App("app.py", lifespan=lifespan, middleware=[Middleware(ReadinessProbe), Middleware(ReturnToView)])
