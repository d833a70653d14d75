"""Server entry that loads the data at server start: `streamlit run serve.py` serves app.py as usual,
and its lifespan hook starts the data warm-up (ui.data.warm_up) before any viewer arrives, so the
first viewer never waits for the sources to load. `streamlit run app.py` still works (no warm-up)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    del app
    from ui import data

    data.warm_up()
    yield


app = st.App(str(Path(__file__).with_name("app.py")), lifespan=lifespan)
