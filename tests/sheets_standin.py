"""A small stand-in for the Google Sheets API v4, served on 127.0.0.1 for tests and benches.

It speaks just enough of the real protocol for the real gspread/google-auth clients:
- POST /token: service-account sign-in (JWT bearer grant, signature checked against the
  public key registered by `service_account()`), answers an access token;
- GET /v4/spreadsheets/<key>: metadata; GET /v4/spreadsheets/<key>/values:batchGet: values,
  rendered like the real API (UNFORMATTED_VALUE/SERIAL_NUMBER or formatted text, trailing
  blank cells and rows left out, 400 "Unable to parse range" for a missing tab);
- GET /spreadsheets/d/<key>/gviz/tq?tqx=out:csv&sheet=<tab>: the public CSV export, or the
  200 HTML sign-in page Google sends for a private sheet;
- 401 without a token, 403 when the book is not shared with the account, 404 for an unknown
  key, and injected failures (429/500/...) via `StandIn.fail()` or POST /_standin/fail.

Use in a test:   standin = start_standin(fixture="demo"); ...; standin.stop()
From a shell:    python -m tests.sheets_standin --port 8765 --fixture demo --key-out /tmp/key.json
then point the app at it with OUTSIDEIN_SHEETS_ENDPOINT=http://127.0.0.1:8765 and the key
(OUTSIDEIN_GSHEETS_KEY=/tmp/key.json, or its fields under [connections.gsheets] in secrets).
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

EPOCH = date(1899, 12, 30)
SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in - Google Accounts</title></head><body>Sign in</body></html>"


@dataclass(frozen=True)
class SheetDate:
    """A date cell: a serial number unformatted, m/d/yyyy formatted (en_US), like Sheets."""

    value: date

    @property
    def serial(self) -> int:
        return (self.value - EPOCH).days

    def formatted(self) -> str:
        return f"{self.value.month}/{self.value.day}/{self.value.year}"


@dataclass
class Book:
    """One spreadsheet: tabs of rows (lists of cell values)."""

    title: str
    tabs: dict[str, list[list[Any]]]
    public: bool = False
    shared_with: set[str] | None = None  # service-account e-mails; None = shared with everyone


@dataclass
class Logged:
    method: str
    kind: str  # token | metadata | batchGet | csv | other
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class StandIn:
    books: dict[str, Book]
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None
    keys: dict[str, bytes] = field(default_factory=dict)  # client_email -> public key PEM
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> client_email
    log: list[Logged] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # kind -> statuses still to answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, kind: str, status: int, times: int = 1) -> None:
        """Answer the next `times` requests of `kind` (batchGet, metadata, csv, token) with `status`."""
        with self.lock:
            self.failures.setdefault(kind, []).extend([status] * times)

    def count(self, kind: str) -> int:
        return sum(1 for entry in self.log if entry.kind == kind)

    def requests(self, kind: str) -> list[Logged]:
        return [entry for entry in self.log if entry.kind == kind]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@functools.cache
def _rsa_key() -> Any:
    """One RSA key per process: generating one takes a few hundred milliseconds."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account(standin: StandIn, email: str = "outside-in@test-project.iam.gserviceaccount.com") -> dict:
    """A fresh service-account JSON key (RSA made here) whose token_uri is the stand-in."""
    from cryptography.hazmat.primitives import serialization

    key = _rsa_key()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    standin.keys[email] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "type": "service_account",
        "project_id": "test-project",
        "private_key_id": "k1",
        "private_key": private_pem,
        "client_email": email,
        "client_id": "1",
        "token_uri": f"{standin.url}/token",
    }


# ---------------------------------------------------------------- rendering like the real API


def _render(cell: Any, unformatted: bool) -> Any:
    if isinstance(cell, SheetDate):
        return cell.serial if unformatted else cell.formatted()
    if unformatted or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _trimmed(rows: list[list[Any]], unformatted: bool) -> list[list[Any]]:
    """The API leaves out trailing blank cells of each row and trailing blank rows."""
    out = []
    for row in rows:
        cells = [_render(c, unformatted) for c in row]
        while cells and cells[-1] in ("", None):
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


def _tab_name(a1: str) -> str:
    name = a1.split("!")[0] if "!" in a1 and not a1.endswith("'") else a1
    if name.startswith("'") and name.endswith("'"):
        return name[1:-1].replace("''", "'")
    return name


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        writer.writerow([*row, *[""] * (width - len(row))])
    return buffer.getvalue().encode()


# ---------------------------------------------------------------- HTTP


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
            kind = (
                "token"
                if path == "/token"
                else "batchGet"
                if path.endswith("/values:batchGet")
                else "metadata"
                if path.startswith("/v4/spreadsheets/")
                else "csv"
                if "/gviz/tq" in path
                else "other"
            )
            status, content_type, payload = self._answer(method, kind, path, query, body)
            with standin.lock:
                standin.log.append(Logged(method, kind, path, query, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _answer(self, method: str, kind: str, path: str, query: dict, body: bytes) -> tuple[int, str, bytes]:
            if path == "/_standin/fail" and method == "POST":
                standin.fail(query["kind"][0], int(query["status"][0]), int(query.get("times", ["1"])[0]))
                return _json(200, {"ok": True})
            if path == "/_standin/log":
                return _json(200, [[e.method, e.kind, e.path, e.status] for e in standin.log])
            with standin.lock:
                pending = standin.failures.get(kind)
                injected = pending.pop(0) if pending else None
            if injected is not None:
                return _google_error(injected, "injected failure")
            if kind == "token":
                return self._token(body)
            if kind == "csv":
                return self._csv(path, query)
            if kind in ("metadata", "batchGet"):
                return self._sheets(kind, path, query)
            return _google_error(404, f"no such endpoint {path}")

        def _token(self, body: bytes) -> tuple[int, str, bytes]:
            from google.auth import jwt

            form = parse_qs(body.decode())
            assertion = form.get("assertion", [""])[0]
            try:
                claims = jwt.decode(assertion, verify=False)
                public_key = standin.keys[claims["iss"]]
                jwt.decode(assertion, certs=public_key.decode(), audience=claims.get("aud"))
            except Exception:
                return _json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            token = f"token-{len(standin.tokens) + 1}"
            standin.tokens[token] = claims["iss"]
            return _json(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

        def _sheets(self, kind: str, path: str, query: dict) -> tuple[int, str, bytes]:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            email = standin.tokens.get(token)
            if email is None:
                return _google_error(401, "Request is missing required authentication credential.")
            key = path.removeprefix("/v4/spreadsheets/").split("/")[0]
            book = standin.books.get(key)
            if book is None:
                return _google_error(404, "Requested entity was not found.")
            if book.shared_with is not None and email not in book.shared_with:
                return _google_error(403, "The caller does not have permission")
            if kind == "metadata":
                sheets = [
                    {"properties": {"sheetId": i, "title": t, "index": i, "sheetType": "GRID"}}
                    for i, t in enumerate(book.tabs)
                ]
                return _json(200, {"spreadsheetId": key, "properties": {"title": book.title}, "sheets": sheets})
            unformatted = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0] == "UNFORMATTED_VALUE"
            ranges = []
            for a1 in query.get("ranges", []):
                name = _tab_name(a1)
                if name not in book.tabs:
                    return _google_error(400, f"Unable to parse range: {a1}")
                rows = _trimmed(book.tabs[name], unformatted)
                width = max((len(r) for r in rows), default=1)
                ranges.append(
                    {
                        "range": f"'{name}'!A1:{_column_letters(width)}{max(len(rows), 1)}",
                        "majorDimension": "ROWS",
                        **({"values": rows} if rows else {}),
                    }
                )
            return _json(200, {"spreadsheetId": key, "valueRanges": ranges})

        def _csv(self, path: str, query: dict) -> tuple[int, str, bytes]:
            key = path.removeprefix("/spreadsheets/d/").split("/")[0]
            book = standin.books.get(key)
            if book is None or not book.public:
                return 200, "text/html; charset=utf-8", SIGN_IN_PAGE
            name = query.get("sheet", [next(iter(book.tabs))])[0]
            if name not in book.tabs:
                return _google_error(400, f"Invalid sheet: {name}")
            rows = [[_render(c, unformatted=False) for c in row] for row in book.tabs[name]]
            return 200, "text/csv; charset=utf-8", _csv(rows)

    return Handler


def _json(status: int, body: Any) -> tuple[int, str, bytes]:
    return status, "application/json; charset=UTF-8", json.dumps(body).encode()


def _google_error(status: int, message: str) -> tuple[int, str, bytes]:
    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
    names |= {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
    return _json(status, {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}})


def start_standin(books: dict[str, Book] | None = None, fixture: str | None = None, port: int = 0) -> StandIn:
    """Serve `books` (or a named fixture) on 127.0.0.1 in a daemon thread; returns the running StandIn."""
    standin = StandIn(books if books is not None else FIXTURES[fixture or "demo"]())
    standin.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(standin))
    standin.server.daemon_threads = True
    standin.thread = threading.Thread(target=standin.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    standin.thread.start()
    return standin


# ---------------------------------------------------------------- fixtures


def demo_books() -> dict[str, Book]:
    """'demo' (orders + responses + notes, one bad order row), 'public' (same orders, public)."""
    d = SheetDate
    orders = [
        ["Order ID", "Customer", "Order Date", "Shipped", "Received On", "Amount", "Region"],
        ["00123", "C1", d(date(2024, 1, 5)), d(date(2024, 1, 6)), d(date(2024, 1, 9)), 12.5, "North"],
        ["00124", "C2", d(date(2024, 1, 6)), d(date(2024, 1, 8)), "", 30, "South"],
        ["00125", "C1", "not a date", "", "", 7.25, "North"],  # row 4: bad order date
        ["00126", "C3", d(date(2024, 2, 1)), d(date(2024, 2, 2)), d(date(2024, 2, 3))],  # ragged: trailing blanks
        ["", "", "", "", ""],  # trailing blank rows are ignored
        [],
    ]
    responses = [
        ["id", "when", "score", "comment"],
        ["r1", d(date(2024, 1, 10)), 9, "great"],
        ["r2", d(date(2024, 1, 11)), 3, "late again"],
    ]
    notes = [["note_id", "written_at", "text"], ["n1", d(date(2024, 1, 3)), "asked for tracking"]]
    return {
        "demo": Book("Outside-In demo", {"Orders": orders, "Responses": responses, "Notes": notes}),
        "public": Book("Public demo", {"Orders": orders}, public=True),
        "private": Book("Private", {"Orders": orders}, shared_with=set()),
    }


def bench_books(rows: int = 100_000) -> dict[str, Book]:
    """'bench': one 12-column tab of `rows` orders."""
    header = ["Order ID", "Customer", "Order Date", "Promised", "Shipped", "Received On"]
    header += ["Amount", "Region", "Segment", "Channel", "Carrier", "Lat"]
    regions, segments, channels, carriers = (
        ["North", "South", "East", "West"],
        ["SMB", "Ent"],
        ["web", "shop"],
        ["A", "B"],
    )
    start = date(2023, 1, 1)
    values = [header]
    for i in range(rows):
        ordered = start + timedelta(days=i % 500)
        values.append(
            [
                f"{i:07d}",
                f"C{i % 9973}",
                SheetDate(ordered),
                SheetDate(ordered + timedelta(days=5)),
                SheetDate(ordered + timedelta(days=1 + i % 3)),
                SheetDate(ordered + timedelta(days=3 + i % 5)),
                round(10 + (i % 1000) * 0.37, 2),
                regions[i % 4],
                segments[i % 2],
                channels[i % 2],
                carriers[(i // 2) % 2],
                40 + (i % 100) / 10,
            ]
        )
    return {"bench": Book("Bench", {"Orders": values}, public=True)}


def atlantis_books() -> dict[str, Book]:
    """'atlantis': orders and survey answers no sample data has (regions Atlantis and Lemuria), for app tests.

    Orders (sheet rows 2-11), as of the last order date 2025-04-15 (so April is still open):
    March: 4 due; shipped on time 3 (A-003 late), received on time 1 (A-002, A-003 late; A-004 not received, overdue).
    April so far: due (promised before 2025-04-15) A-005 and A-006, both shipped and received on time;
      A-007 (promised on the 15th), A-008 and A-009 are not yet due (left out, shipped or not).
    Row 11 (A-010) is bad: received 2025-04-05, before its order date (and before it shipped).
    Responses (rows 2-6): row 5 (R-4) is bad: nps score 11.
    """
    d = SheetDate

    def day(month: int, dom: int) -> SheetDate:
        return d(date(2025, month, dom))

    orders = [
        ["Order ID", "Customer", "Ordered", "Promised By", "Shipped", "Received On", "Value", "Region"],
        ["A-001", "C1", day(3, 3), day(3, 8), day(3, 4), day(3, 7), 120.0, "Atlantis"],
        ["A-002", "C2", day(3, 5), day(3, 10), day(3, 6), day(3, 12), 80.5, "Atlantis"],
        ["A-003", "C3", day(3, 10), day(3, 15), day(3, 16), day(3, 18), 42.0, "Lemuria"],
        ["A-004", "C1", day(3, 20), day(3, 25), day(3, 21), "", 15.0, "Atlantis"],
        ["A-005", "C4", day(4, 2), day(4, 7), day(4, 3), day(4, 6), 99.0, "Lemuria"],
        ["A-006", "C2", day(4, 8), day(4, 13), day(4, 9), day(4, 12), 60.0, "Atlantis"],
        ["A-007", "C5", day(4, 10), day(4, 15), day(4, 14), day(4, 20), 33.3, "Lemuria"],
        ["A-008", "C3", day(4, 14), day(4, 19), "", "", 18.0, "Atlantis"],
        ["A-009", "C6", day(4, 15), day(4, 22), day(4, 16), "", 250.0, "Atlantis"],
        ["A-010", "C7", day(4, 12), day(4, 17), day(4, 13), day(4, 5), 10.0, "Lemuria"],
    ]
    responses = [
        ["Response", "Date", "Survey", "Score", "Comment", "Customer"],
        ["R-1", day(3, 10), "nps", 9, "fast and friendly", "C1"],
        ["R-2", day(3, 20), "nps", 4, "parcel came late", "C3"],
        ["R-3", day(4, 5), "csat", 5, "great", "C4"],
        ["R-4", day(4, 12), "nps", 11, "ten out of ten!!", "C2"],
        ["R-5", day(4, 14), "ces", 2, "", "C5"],
    ]
    return {"atlantis": Book("Outside-In Atlantis", {"Orders": orders, "Responses": responses})}


FIXTURES = {"demo": demo_books, "bench": bench_books, "atlantis": atlantis_books}


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Google Sheets stand-in.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fixture", default="demo", choices=sorted(FIXTURES))
    parser.add_argument("--key-out", type=Path, help="write a service-account JSON key for the stand-in here")
    args = parser.parse_args()
    standin = start_standin(fixture=args.fixture, port=args.port)
    if args.key_out:
        args.key_out.write_text(json.dumps(service_account(standin)), encoding="utf-8")
    print(standin.url, flush=True)
    try:
        assert standin.thread is not None
        standin.thread.join()
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
