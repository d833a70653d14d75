"""Ready only once data has loaded: `<base>/healthz` answers 503 until the first data set is built.

`/_stcore/health` (Streamlit's) says the server is up; this says it is worth sending viewers to:
a replica that has not loaded its data yet would make its first viewer wait for the load.
ui/data.py calls mark_ready() after a successful load (the warm-up at server start does one).
"""

from __future__ import annotations

import threading

from ui.return_to import base_path

_READY = threading.Event()
PATH = "/healthz"


def mark_ready() -> None:
    _READY.set()


def is_ready() -> bool:
    return _READY.is_set()


class ReadinessProbe:
    """ASGI middleware answering GET <base>/healthz: 200 "ready" or 503 "loading data"."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != base_path() + PATH:
            return await self.app(scope, receive, send)
        status, body = (200, b"ready") if is_ready() else (503, b"loading data")
        headers = [(b"content-type", b"text/plain"), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
