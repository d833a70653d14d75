"""A real OpenID Connect provider on 127.0.0.1 for sign-in tests: `oidc-provider-mock` from PyPI.

Users' claims are set through its `PUT /users/<sub>` endpoint; in the browser, its authorization
form asks for the subject, which the test types as a person would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.browser_harness import OUTPUT, free_port, stop

# Both ends speak plain HTTP on loopback; Authlib refuses that unless told it is a test.
INSECURE_OK = {"AUTHLIB_INSECURE_TRANSPORT": "1"}


@dataclass(frozen=True)
class Provider:
    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, sub: str, **claims: object) -> None:
        body = json.dumps(claims).encode()
        request = urllib.request.Request(f"{self.url}/users/{sub}", data=body, method="PUT")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204, response.status


@contextmanager
def oidc_provider(timeout: float = 30) -> Iterator[Provider]:
    port = free_port()
    OUTPUT.mkdir(exist_ok=True)
    log = (OUTPUT / f"oidc-provider-{port}.log").open("w")
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env={**os.environ, **INSECURE_OK}, stdout=log, stderr=subprocess.STDOUT)
    provider = Provider(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(provider.metadata_url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oidc-provider-mock did not start; see {log.name}") from None
                time.sleep(0.2)
        yield provider
    finally:
        stop(proc)
        log.close()


def auth_secrets(provider: Provider, public_url: str, cookie_secret: str) -> str:
    """The [auth] section for an app reached at `public_url` (its callback lives there)."""
    return f"""
[auth]
redirect_uri = "{public_url}/oauth2callback"
cookie_secret = "{cookie_secret}"
client_id = "outside-in"
client_secret = "outside-in-test-secret"
server_metadata_url = "{provider.metadata_url}"
"""
