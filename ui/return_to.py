"""A shared link survives sign-in: remember the view the viewer opened, return there after the callback.

Streamlit's OIDC callback always redirects to the app's home page. This ASGI middleware (mounted by
asgi.py through st.App) notes the page the viewer was on when Sign in sent the browser to
`<base>/auth/login` (the Referer of that navigation: Streamlit's frontend keeps every filter in the
address) in a short-lived cookie, and, when the callback has just signed the viewer in, sends the
browser to that path instead of home. Only a path of this app is ever used: never a scheme or a host,
never the sign-in routes themselves, so it cannot become an open redirect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, unquote, urlsplit

COOKIE = "outsidein_return"
MAX_AGE_S = 600  # a sign-in takes minutes at most; a stale view is not worth keeping
_AUTH_COOKIE = b"_streamlit_user="  # the callback sets it only when a sign-in succeeded
_NEVER = ("auth/", "oauth2callback", "_stcore/", "media/", "component/", "static/")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def base_path() -> str:
    """The app's path prefix ("" or "/cx"), as Streamlit serves it (server.baseUrlPath)."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def safe_return_path(candidate: str | None, base: str) -> str | None:
    """`candidate` (a path plus query) if it is a page of this app under `base`, else None."""
    if not candidate or not candidate.isascii() or len(candidate) > 4000 or any(c in candidate for c in "\\\r\n\t\x00"):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{base}/") or parts.path.startswith("//"):
        return None
    inside = parts.path[len(base) + 1 :]
    if inside.startswith(_NEVER) or "/../" in f"/{inside}/" or "/./" in f"/{inside}/":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path == f"{base}/" else path


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def view_from_referer(referer: str | None, host: str | None, base: str) -> str | None:
    """The page the viewer was on, from the Referer of the sign-in navigation (same host only)."""
    if not referer or not host:
        return None
    parts = urlsplit(referer)
    if parts.netloc.lower() != host.lower():
        return None
    return safe_return_path(parts.path + (f"?{parts.query}" if parts.query else ""), base)


def _cookie_header(value: str, base: str, max_age: int) -> tuple[bytes, bytes]:
    attributes = f"{COOKIE}={value}; Path={base or '/'}; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return b"set-cookie", attributes.encode("latin-1")


def _remembered(scope: Scope, base: str) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(_header(scope, b"cookie") or "")
    except Exception:  # a malformed Cookie header from some other app on the host: nothing remembered
        return None
    morsel = cookie.get(COOKIE)
    return safe_return_path(unquote(morsel.value), base) if morsel else None


class ReturnToView:
    """ASGI middleware: remember the view at sign-in, return to it after the callback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        base = base_path()
        if scope["path"] == f"{base}/auth/login":
            view = view_from_referer(_header(scope, b"referer"), _header(scope, b"host"), base)
            if view is not None:
                send = _adding_header(send, _cookie_header(quote(view, safe=""), base, MAX_AGE_S))
        elif scope["path"] == f"{base}/oauth2callback":
            view = _remembered(scope, base)
            if view is not None:
                send = _redirecting_on_sign_in(send, view, base)
        return await self.app(scope, receive, send)


def _adding_header(send, header: tuple[bytes, bytes]):
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), header]
        await send(message)

    return wrapped


def _redirecting_on_sign_in(send, view: str, base: str):
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            signed_in = any(k == b"set-cookie" and v.startswith(_AUTH_COOKIE) for k, v in headers)
            if signed_in and message["status"] in (302, 303, 307):
                headers = [(k, v) for k, v in headers if k != b"location"]
                headers.append((b"location", view.encode("latin-1")))
            headers.append(_cookie_header("", base, 0))  # used once, whatever the outcome
            message["headers"] = headers
        await send(message)

    return wrapped
