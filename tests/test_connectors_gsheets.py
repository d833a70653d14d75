"""Google Sheets: the real gspread/google-auth clients against the stand-in in tests/sheets_standin.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import gsheets, loader
from connectors.loader import LoadContext, load_dataset
from connectors.sources import parse_sources
from tests.sheets_standin import Book, SheetDate, service_account, start_standin

EMAIL = "outside-in@test-project.iam.gserviceaccount.com"
FAST = (0.01, 0.01)  # retry delays for tests


@pytest.fixture(autouse=True)
def _forget_last_good():
    loader._LAST_GOOD.clear()
    yield
    loader._LAST_GOOD.clear()


@pytest.fixture
def standin():
    server = start_standin(fixture="demo")
    yield server
    server.stop()


@pytest.fixture
def client(standin):
    return gsheets.client_from_info(service_account(standin, EMAIL), retry_delays=FAST, endpoint=standin.url)


def context(client) -> LoadContext:
    return LoadContext({}, lambda: client)


def write_sources(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


DEMO = """
[tables.orders]
kind = "gsheets"
spreadsheet = "https://docs.google.com/spreadsheets/d/demo/edit#gid=0"
worksheet = "Orders"
[tables.orders.columns]
customer_id = "Customer"
shipped_date = "Shipped"
delivered_date = "Received On"

[tables.responses]
kind = "gsheets"
spreadsheet = "demo"
worksheet = "Responses"
[tables.responses.columns]
response_id = "id"
responded_at = "when"
[tables.responses.constants]
survey = "nps"

[tables.notes]
kind = "gsheets"
spreadsheet = "demo"
worksheet = "Notes"
"""


def test_one_batch_get_reads_every_tab_of_a_spreadsheet_through_real_gspread(standin, client, tmp_path):
    ds = load_dataset(write_sources(tmp_path, DEMO), context=context(client))

    assert standin.count("batchGet") == 1
    assert standin.count("token") == 1  # signed in once, with a JWT the stand-in verified
    (call,) = standin.requests("batchGet")
    assert call.query["ranges"] == ["'Orders'", "'Responses'", "'Notes'"]
    assert call.query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert call.query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert [s.error for s in ds.status] == [None, None, None]

    orders = ds.tables["orders"]
    assert orders.get_column("order_id").to_list() == ["00123", "00124", "00126"]  # leading zeros kept
    assert orders.row(0, named=True) | {"amount": None} == {
        "order_id": "00123",
        "customer_id": "C1",
        "order_date": date(2024, 1, 5),  # serial 45296
        "shipped_date": date(2024, 1, 6),
        "delivered_date": date(2024, 1, 9),
        "amount": None,
        "region": "North",
    }
    assert orders.get_column("amount").to_list() == [12.5, 30.0, None]  # ragged last row padded
    assert ds.tables["responses"].get_column("survey").to_list() == ["nps", "nps"]  # constant column
    assert ds.tables["responses"].get_column("score").to_list() == [9, 3]
    assert ds.tables["notes"].height == 1


def test_bad_row_in_a_sheet_lands_in_quarantine_with_its_sheet_row(standin, client, tmp_path):
    ds = load_dataset(write_sources(tmp_path, DEMO), context=context(client))

    bad = ds.quarantine.filter(pl.col("table") == "orders")
    assert bad.select("row", "column", "value", "reason").rows() == [
        (4, "order_date", "not a date", "cannot read as date")
    ]
    assert bad.get_column("source").to_list() == ["Google Sheets demo › Orders"]
    status = ds.status[0]
    assert (status.rows, status.quarantined) == (3, 1)  # 4 data rows; blank trailing rows ignored


def test_missing_worksheet_lists_the_existing_ones_and_the_rest_loads(standin, client, tmp_path):
    text = DEMO.replace('worksheet = "Notes"', 'worksheet = "Notez"')
    ds = load_dataset(write_sources(tmp_path, text), context=context(client))

    notes = next(s for s in ds.status if s.table == "notes")
    assert notes.error == "worksheet 'Notez' not found in spreadsheet demo; it has: Orders, Responses, Notes"
    assert set(ds.tables) == {"orders", "responses"}
    assert standin.count("metadata") == 1  # only looked up because a tab was missing


def test_spreadsheet_not_shared_names_the_service_account(standin, client):
    entry = parse_sources('[tables.orders]\nkind = "gsheets"\nspreadsheet = "private"\nworksheet = "Orders"')[0]
    frame, quarantine, status = loader.load_table(entry, context(client))

    assert frame is None and quarantine.height == 0
    assert status.error == f"spreadsheet private is not shared with {EMAIL}: share it with that address (Viewer)"


def test_spreadsheet_not_found(standin, client):
    entry = parse_sources('[tables.orders]\nkind = "gsheets"\nspreadsheet = "nope"\nworksheet = "Orders"')[0]
    assert loader.load_table(entry, context(client)).status.error == (
        "spreadsheet nope not found: check its URL or key in sources.toml"
    )


def test_header_missing_a_required_column_lists_expected_and_found(standin, client, tmp_path):
    text = DEMO.replace('customer_id = "Customer"\n', "")
    ds = load_dataset(write_sources(tmp_path, text), context=context(client))

    error = ds.status[0].error
    assert error.startswith("missing required column(s) customer_id; expected order_id, customer_id, order_date")
    assert error.endswith("found: Order ID, Customer, Order Date, Shipped, Received On, Amount, Region")


def test_quota_exceeded_retries_a_capped_number_of_times_then_serves_last_good_data(standin, client, tmp_path):
    sources = write_sources(tmp_path, DEMO)
    first = load_dataset(sources, context=context(client))
    standin.fail("batchGet", 429, times=10)

    second = load_dataset(sources, context=context(client))

    assert standin.count("batchGet") == 1 + 3  # first load + one try and two capped retries
    orders = second.status[0]
    assert orders.error == "Google Sheets read quota exceeded (429) after 3 tries"
    assert orders.stale_since == first.status[0].loaded_at
    assert second.tables["orders"].equals(first.tables["orders"])
    assert second.quarantine.height == first.quarantine.height


def test_quota_recovers_within_the_retries(standin, client):
    standin.fail("batchGet", 429, times=2)
    tabs = gsheets.read_tabs(client, "demo", ["Notes"])
    assert tabs["Notes"][1][0] == "n1"
    assert [r.status for r in standin.requests("batchGet")] == [429, 429, 200]


def test_server_error_without_earlier_data_is_an_error(standin, client):
    standin.fail("batchGet", 500, times=3)
    entry = parse_sources('[tables.notes]\nkind = "gsheets"\nspreadsheet = "demo"\nworksheet = "Notes"')[0]
    loaded = loader.load_table(entry, context(client))
    assert loaded.frame is None
    assert loaded.status.error == "Google Sheets answered a server error (500); try again later"
    assert loaded.status.stale_since is None


def test_sign_in_refused_when_the_key_is_not_the_accounts(standin):
    info = service_account(standin, EMAIL)
    standin.keys.clear()  # the stand-in no longer knows this account's public key
    bad = gsheets.client_from_info(info, retry_delays=FAST, endpoint=standin.url)
    with pytest.raises(gsheets.SheetsError) as caught:
        gsheets.read_tabs(bad, "demo", ["Orders"])
    assert str(caught.value) == "service-account sign-in failed: invalid_grant: Invalid JWT Signature."
    assert standin.count("batchGet") == 0


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({"client_email": "x@y"}, "service-account credentials are malformed: missing private_key, token_uri"),
        (
            {"client_email": "x@y", "private_key": "not a key", "token_uri": "https://oauth2.googleapis.com/token"},
            "service-account credentials are malformed: ",
        ),
    ],
)
def test_malformed_credentials(info, message, tmp_path):
    with pytest.raises(gsheets.SheetsError) as caught:
        gsheets.client_from_info(info)
    assert str(caught.value).startswith(message)
    # In a load, the message becomes each sheet table's error and other tables still load.
    (tmp_path / "n.csv").write_text("customer_id,month,revenue\nC1,2024-01-01,10\n")
    text = DEMO + '\n[tables.revenue]\nkind = "csv"\npath = "n.csv"\n'
    ds = load_dataset(write_sources(tmp_path, text), context=LoadContext({}, lambda: gsheets.client_from_info(info)))
    assert [(s.error or "").startswith(message) for s in ds.status] == [True, True, True, False]
    assert ds.status[3].error is None
    assert list(ds.tables) == ["revenue"]


def test_public_sheet_read_through_its_csv_export_without_credentials(standin, tmp_path, monkeypatch):
    monkeypatch.setenv(gsheets.ENDPOINT_ENV, standin.url)
    text = DEMO.replace('"https://docs.google.com/spreadsheets/d/demo/edit#gid=0"', '"public"')
    text = text.replace('worksheet = "Orders"', 'worksheet = "Orders"\ndate_format = "%m/%d/%Y"', 1)
    ds = load_dataset(write_sources(tmp_path, text), context=LoadContext({}, lambda: None))

    orders = ds.tables["orders"]
    assert orders.get_column("order_id").to_list() == ["00123", "00124", "00126"]
    assert orders.get_column("order_date").to_list() == [date(2024, 1, 5), date(2024, 1, 6), date(2024, 2, 1)]
    assert ds.quarantine.filter(pl.col("table") == "orders").get_column("row").to_list() == [4]
    call = standin.requests("csv")[0]
    assert call.path == "/spreadsheets/d/public/gviz/tq"
    assert call.query["tqx"] == ["out:csv"] and call.query["sheet"] == ["Orders"]
    assert standin.count("batchGet") == 0
    # 'demo' is private: the export answers 200 with a sign-in page.
    assert next(s for s in ds.status if s.table == "responses").error.startswith("spreadsheet demo is not public")


def test_public_flag_forces_the_csv_export(standin, client, monkeypatch):
    monkeypatch.setenv(gsheets.ENDPOINT_ENV, standin.url)
    text = '[tables.notes]\nkind = "gsheets"\nspreadsheet = "demo"\nworksheet = "Notes"\npublic = true'
    loaded = loader.load_table(parse_sources(text)[0], context(client))
    assert loaded.status.error.startswith("spreadsheet demo is not public: share it as 'anyone with the link'")
    assert loaded.status.where == "Google Sheets demo › Notes (public CSV export)"


def test_mixed_date_column_keeps_text_dates_and_serial_numbers(standin, client):
    standin.books["mixed"] = Book(
        "Mixed",
        {
            "Notes": [
                ["note_id", "written_at", "text"],
                ["n1", SheetDate(date(2024, 3, 1)), "a"],
                ["n2", "2024-03-02", "b"],
            ]
        },
    )
    entry = parse_sources('[tables.notes]\nkind = "gsheets"\nspreadsheet = "mixed"\nworksheet = "Notes"')[0]
    frame = loader.load_table(entry, context(client)).frame
    assert frame.get_column("written_at").to_list() == [date(2024, 3, 1), date(2024, 3, 2)]


def test_spreadsheet_key_from_url_or_bare_key():
    assert gsheets.spreadsheet_key("https://docs.google.com/spreadsheets/d/1AbC-_x/edit#gid=0") == "1AbC-_x"
    assert gsheets.spreadsheet_key(" 1AbC-_x ") == "1AbC-_x"
    with pytest.raises(gsheets.SheetsError, match="neither a Google Sheets URL nor a spreadsheet key"):
        gsheets.spreadsheet_key("my sheet")


def test_values_to_frame_header_after_blank_rows_and_duplicate_or_empty_headers():
    frame, first_row = gsheets.values_to_frame([[], ["a", "", "a"], ["1", 2, 3.5, "extra"], ["", ""]])
    assert first_row == 3
    assert frame.columns == ["a", "column B", "a (2)", "column D"]
    assert frame.row(0) == ("1", 2.0, 3.5, "extra")
    assert frame.height == 1


cells = st.one_of(st.text(alphabet="ab 0", max_size=3), st.integers(-5, 5), st.floats(-10, 10, allow_nan=False))


@given(st.lists(st.lists(cells, max_size=4), max_size=8))
def test_values_to_frame_pads_rows_and_drops_only_trailing_blank_rows(rows):
    values = [["h1", "h2", "h3", "h4"], *rows]
    frame, first_row = gsheets.values_to_frame(values)
    blank = [all(isinstance(c, str) and not c.strip() for c in r) for r in rows]
    kept = len(rows) - next((i for i, b in enumerate(reversed(blank)) if not b), len(rows))
    assert first_row == 2
    assert frame.height == kept
    assert frame.columns == ["h1", "h2", "h3", "h4"]
    for i, row in enumerate(rows[:kept]):
        for j, cell in enumerate(row):
            got = frame.item(i, j)
            if isinstance(cell, str) and frame.dtypes[j] == pl.String:
                assert got == cell
            elif not isinstance(cell, str):
                assert float(got) == pytest.approx(float(cell))


def test_st_connection_reads_a_tab(standin, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(gsheets.ENDPOINT_ENV, standin.url)

    def app(info: dict) -> None:
        import streamlit as st

        from connectors.st_gsheets import GSheetsConnection

        conn = st.connection("gsheets_test", type=GSheetsConnection, **info)
        frame = conn.read("demo", "Notes", ttl=60)
        st.write(f"{conn.client is not None} {frame.columns} {frame.height}")

    info = service_account(standin, EMAIL)
    info.pop("type")  # st.connection's own `type` argument; in secrets.toml the key's "type" field is fine
    at = AppTest.from_function(app, args=(info,), default_timeout=30).run()
    assert not at.exception
    assert at.markdown[0].value == "True ['note_id', 'written_at', 'text'] 1"
    assert standin.count("batchGet") == 1


def test_sources_page_reads_sheets_through_the_apps_connection(standin, tmp_path, monkeypatch):
    import json

    from streamlit.testing.v1 import AppTest

    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(service_account(standin, EMAIL)))
    monkeypatch.setenv(gsheets.ENDPOINT_ENV, standin.url)  # the testing hook a `streamlit run` would use
    monkeypatch.setenv(gsheets.KEY_FILE_ENV, str(key_file))
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(write_sources(tmp_path, DEMO)))
    page = Path(__file__).resolve().parents[1] / "pages" / "sources.py"
    from ui import data

    data.refresh()  # the app's caches are process-wide: start from nothing

    at = AppTest.from_file(str(page), default_timeout=30).run()

    assert not at.exception
    assert at.dataframe[0].value[["table", "rows", "quarantined"]].values.tolist() == [
        ["orders", 3, 1],
        ["responses", 2, 0],
        ["notes", 1, 0],
    ]
    assert standin.count("batchGet") == 1
    at.run()  # a rerun within the ttl reads nothing new
    assert standin.count("batchGet") == 1
    at.button(key="refresh-data").click().run()
    assert standin.count("batchGet") == 2


def test_a_load_looks_up_no_host_but_the_endpoint_s(standin, client, tmp_path, monkeypatch):
    """google-auth follows each token with a background lookup at iamcredentials.googleapis.com; with the
    endpoint hook set it goes to the stand-in like every other Google host, so nothing leaves loopback."""
    import socket
    import time

    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        looked_up.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    load_dataset(write_sources(tmp_path, DEMO), context=context(client))
    time.sleep(0.5)  # the lookup runs in a thread of google-auth's, just after the token
    assert looked_up and set(looked_up) == {"127.0.0.1"}
