"""Google Sheets reading with gspread (plain module: used by the app connection and the CLI).

- With service-account credentials: every tab the sources file names in one spreadsheet is
  read by ONE values:batchGet request (UNFORMATTED_VALUE + SERIAL_NUMBER, so ids like "00123"
  stay text and dates arrive as serial numbers that validate() understands).
- Without credentials: a public ("anyone with the link") sheet is read through its CSV export.
- Every failure becomes a SheetsError with one clear sentence; `transient` ones (quota, 5xx,
  network) let the loader serve the last good data.

Testing hook: if OUTSIDEIN_SHEETS_ENDPOINT is set (e.g. http://127.0.0.1:8765), every session
made here sends Google's hosts to that URL instead (tests/sheets_standin.py serves it).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gspread
import polars as pl
import requests
from gspread.exceptions import APIError
from requests.adapters import HTTPAdapter

from connectors.sources import SourceError
from connectors.validate import SHEETS_EPOCH

ENDPOINT_ENV = "OUTSIDEIN_SHEETS_ENDPOINT"
KEY_FILE_ENV = "OUTSIDEIN_GSHEETS_KEY"  # path to a service-account JSON key (CLI alternative to secrets)
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://docs.google.com",
    "https://oauth2.googleapis.com",
    "https://iamcredentials.googleapis.com",  # google-auth's lookup after each token ("regional access boundary")
)
SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
RETRY_STATUS = {429, 500, 502, 503, 504}
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0)  # capped backoff; gspread's BackOffHTTPClient never gives up
MAX_RETRY_AFTER = 10.0
TIMEOUT = (10, 120)  # connect, read (seconds)
_KEY_FIELDS = ("client_email", "private_key", "token_uri")


class SheetsError(SourceError):
    """One clear sentence for the user; transient = worth serving the last good data."""


# ---------------------------------------------------------------- where to send requests


class RewriteAdapter(HTTPAdapter):
    """Sends requests for a Google host to another base URL (the test stand-in)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = f"{self.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def mount_endpoint(session: requests.Session, base_url: str | None = None) -> None:
    """Route Google's hosts on `session` to `base_url` (default: $OUTSIDEIN_SHEETS_ENDPOINT; no-op if unset)."""
    base_url = base_url or os.environ.get(ENDPOINT_ENV)
    if base_url:
        adapter = RewriteAdapter(base_url)
        for host in GOOGLE_HOSTS:
            session.mount(host, adapter)


# ---------------------------------------------------------------- credentials and client


def spreadsheet_key(spreadsheet: str) -> str:
    """The key from a full URL (…/d/<key>/edit) or the bare key itself."""
    match = re.search(r"/d/([a-zA-Z0-9_-]+)", spreadsheet)
    key = match.group(1) if match else spreadsheet.strip()
    if not re.fullmatch(r"[a-zA-Z0-9_-]+", key):
        raise SheetsError(f"'{spreadsheet}' is neither a Google Sheets URL nor a spreadsheet key")
    return key


def find_credentials(secrets_path: str | Path | None = None) -> dict[str, Any] | None:
    """Service-account key for the CLI: $OUTSIDEIN_GSHEETS_KEY (JSON file) or [connections.gsheets] in secrets.toml."""
    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        try:
            return json.loads(Path(key_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SheetsError(f"cannot read the service-account key {key_file} ({KEY_FILE_ENV}): {exc}") from None
    section = read_secrets(secrets_path).get("connections", {}).get("gsheets")
    return dict(section) if section else None


def read_secrets(path: str | Path | None = None) -> dict[str, Any]:
    """The secrets.toml the app would see (project's, else the user's), as a plain dict; {} if none."""
    candidates = [Path(path)] if path else [SECRETS_FILE, Path.home() / SECRETS_FILE]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SheetsError(f"cannot read secrets file {candidate}: {exc}") from None
    return {}


class CappedRetryClient(gspread.HTTPClient):
    """gspread's HTTP client with a bounded exponential backoff on 429 and 5xx answers."""

    retry_delays: tuple[float, ...] = RETRY_DELAYS

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        for delay in (*self.retry_delays, None):
            try:
                return super().request(*args, **kwargs)
            except APIError as exc:
                if exc.response.status_code not in RETRY_STATUS or delay is None:
                    raise
                retry_after = exc.response.headers.get("Retry-After", "")
                time.sleep(min(float(retry_after), MAX_RETRY_AFTER) if retry_after.isdigit() else delay)
        raise AssertionError("unreachable")


def client_from_info(
    info: Mapping[str, Any], *, retry_delays: Sequence[float] | None = None, endpoint: str | None = None
) -> gspread.Client:
    """A gspread client signed in as the service account whose JSON key fields are `info`."""
    from google.oauth2.service_account import Credentials

    missing = [f for f in _KEY_FIELDS if not info.get(f)]
    if missing:
        raise SheetsError(f"service-account credentials are malformed: missing {', '.join(missing)}")
    try:
        creds = Credentials.from_service_account_info(dict(info), scopes=list(SCOPES))
    except (ValueError, TypeError) as exc:
        raise SheetsError(f"service-account credentials are malformed: {_first_line(exc)}") from None
    client = gspread.Client(auth=creds, http_client=CappedRetryClient)
    client.set_timeout(TIMEOUT)
    if retry_delays is not None and isinstance(client.http_client, CappedRetryClient):
        client.http_client.retry_delays = tuple(retry_delays)
    session = client.http_client.session
    mount_endpoint(session, endpoint)
    token_session = getattr(session, "_auth_request_session", None)
    if token_session is not None:
        mount_endpoint(token_session, endpoint)
    return client


def account_email(client: gspread.Client) -> str:
    return getattr(getattr(client.http_client, "auth", None), "service_account_email", "") or "the service account"


# ---------------------------------------------------------------- reading


def quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def read_tabs(client: gspread.Client, spreadsheet: str, worksheets: Iterable[str]) -> dict[str, Any]:
    """{tab: values (list of rows) | SheetsError} with ONE batchGet in the usual case.

    Errors about the whole spreadsheet (not found, not shared, quota, ...) raise SheetsError.
    A missing tab only fails that tab: its message lists the tabs that exist.
    """
    key = spreadsheet_key(spreadsheet)
    tabs = list(dict.fromkeys(worksheets))
    try:
        return _batch_get(client, key, tabs)
    except APIError as exc:
        if exc.response.status_code != 400 or "parse range" not in str(exc.error.get("message", "")):
            raise _api_error(exc, key, client) from None
    # A named tab does not exist: list the real ones (one metadata read), then read the rest.
    existing = _tab_titles(client, key)
    result: dict[str, Any] = {
        tab: SheetsError(f"worksheet '{tab}' not found in spreadsheet {key}; it has: {', '.join(existing) or 'none'}")
        for tab in tabs
        if tab not in existing
    }
    present = [tab for tab in tabs if tab in existing]
    if present:
        try:
            result.update(_batch_get(client, key, present))
        except APIError as exc:
            raise _api_error(exc, key, client) from None
    return result


def _batch_get(client: gspread.Client, key: str, tabs: list[str]) -> dict[str, Any]:
    params: dict[str, str | int | bool | float | list[str] | None] = {
        "valueRenderOption": "UNFORMATTED_VALUE",
        "dateTimeRenderOption": "SERIAL_NUMBER",
        "majorDimension": "ROWS",
    }
    try:
        body = client.http_client.values_batch_get(key, [quote_tab(t) for t in tabs], params=params)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SheetsError(f"could not reach Google Sheets: {_first_line(exc)}", transient=True) from None
    except Exception as exc:
        raise _auth_error(exc) from None
    ranges = body.get("valueRanges", [])
    return {tab: r.get("values", []) for tab, r in zip(tabs, ranges, strict=False)}


def _tab_titles(client: gspread.Client, key: str) -> list[str]:
    try:
        meta = client.http_client.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
    except APIError as exc:
        raise _api_error(exc, key, client) from None
    return [s["properties"]["title"] for s in meta.get("sheets", [])]


def _auth_error(exc: Exception) -> Exception:
    from google.auth.exceptions import GoogleAuthError, TransportError

    if isinstance(exc, TransportError):
        return SheetsError(f"could not reach Google sign-in: {_first_line(exc)}", transient=True)
    if isinstance(exc, GoogleAuthError):
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else _first_line(exc)
        return SheetsError(f"service-account sign-in failed: {detail}")
    return exc


def _api_error(exc: APIError, key: str, client: gspread.Client) -> SheetsError:
    code = exc.response.status_code
    if code == 404:
        return SheetsError(f"spreadsheet {key} not found: check its URL or key in sources.toml")
    if code == 403:
        email = account_email(client)
        return SheetsError(f"spreadsheet {key} is not shared with {email}: share it with that address (Viewer)")
    if code == 401:
        return SheetsError(f"Google rejected the service-account credentials (401): {exc.error.get('message', '')}")
    if code == 429:
        tries = len(getattr(client.http_client, "retry_delays", ())) + 1
        return SheetsError(f"Google Sheets read quota exceeded (429) after {tries} tries", transient=True)
    if code >= 500:
        return SheetsError(f"Google Sheets answered a server error ({code}); try again later", transient=True)
    return SheetsError(f"Google Sheets answered {code}: {exc.error.get('message', '')}")


def read_public_csv(spreadsheet: str, worksheet: str | None, session: requests.Session | None = None) -> pl.DataFrame:
    """A public ("anyone with the link") tab through its CSV export, all columns as text."""
    key = spreadsheet_key(spreadsheet)
    session = session or requests.Session()
    mount_endpoint(session)
    params = {"tqx": "out:csv", "headers": "1"}
    if worksheet:
        params["sheet"] = worksheet
    url = f"https://docs.google.com/spreadsheets/d/{key}/gviz/tq"
    try:
        response = session.get(url, params=params, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SheetsError(f"could not reach Google Sheets: {_first_line(exc)}", transient=True) from None
    body = response.content
    if response.status_code == 404:
        raise SheetsError(f"spreadsheet {key} not found: check its URL or key in sources.toml")
    if response.status_code == 429 or response.status_code >= 500:
        raise SheetsError(f"Google Sheets answered {response.status_code}; try again later", transient=True)
    if "html" in response.headers.get("Content-Type", "") or body.lstrip()[:1] == b"<":
        raise SheetsError(
            f"spreadsheet {key} is not public: share it as 'anyone with the link' or add a service account "
            "under [connections.gsheets] in .streamlit/secrets.toml"
        )
    if not response.ok:
        raise SheetsError(
            f"worksheet '{worksheet}' of spreadsheet {key} could not be exported ({response.status_code})"
        )
    if not body.strip():
        return pl.DataFrame()
    return pl.read_csv(io.BytesIO(body), infer_schema=False)


# ---------------------------------------------------------------- values -> frame


def values_to_frame(values: list[list[Any]], is_date: Callable[[str], bool] | None = None) -> tuple[pl.DataFrame, int]:
    """Rows from the API -> (frame named by the header row, sheet row number of the first data row).

    The header is the first non-blank row; trailing blank rows are ignored; short (ragged or
    merged) rows are padded. Text columns stay text; all-number columns become Float64; a
    column mixing both becomes text, with serial numbers turned into ISO dates where `is_date(header)`.
    """
    is_blank = _is_blank_row
    start = next((i for i, row in enumerate(values) if not is_blank(row)), len(values))
    if start == len(values):
        return pl.DataFrame(), 2
    end = len(values)
    while end > start + 1 and is_blank(values[end - 1]):
        end -= 1
    header = [str(h).strip() for h in values[start]]
    rows = values[start + 1 : end]
    width = max([len(header), *map(len, rows)])
    header = _unique_names([*header, *[""] * (width - len(header))])
    padded = [row if len(row) == width else [*row, *[""] * (width - len(row))] for row in rows]
    columns = list(zip(*padded, strict=True)) if padded else [() for _ in header]
    is_date = is_date or (lambda _: False)
    series = [_column(name, list(col), is_date(name)) for name, col in zip(header, columns, strict=True)]
    return pl.DataFrame(series), start + 2


def _is_blank_row(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column {_letters(i)}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column(name: str, col: list[Any], is_date: bool) -> pl.Series:
    kinds = set(map(type, col))
    if kinds <= {str}:
        return pl.Series(name, col, dtype=pl.String)
    if kinds <= {int, float}:
        return pl.Series(name, col, dtype=pl.Float64, strict=False)
    if kinds <= {int, float, str} and all(v == "" for v in col if type(v) is str):
        return pl.Series(name, [None if v == "" else v for v in col], dtype=pl.Float64, strict=False)
    as_text = _serial_to_iso if is_date else _number_text
    return pl.Series(name, [v if type(v) is str else as_text(v) for v in col], dtype=pl.String)


def _number_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _serial_to_iso(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (SHEETS_EPOCH + timedelta(days=int(value // 1))).isoformat()
    return _number_text(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
