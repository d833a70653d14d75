"""Serve Outside-In: app.py plus the small routes a hosted dashboard needs (`streamlit run asgi.py`).

`streamlit run` finds `app` below and serves app.py through it, with the middleware that brings
a viewer back to the shared view after sign-in (ui/return_to.py). `make run` and `make serve` use this.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.return_to import ReturnToView

app = st.App("app.py", middleware=[Middleware(ReturnToView)])
