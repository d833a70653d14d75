"""A 100k-row, 12-column sheet through the stand-in into validated frames, vs the same rows from a local CSV.

Run: .venv/bin/python -m bench.sheets_bench [--rows 100000] [--repeat 3]
Both paths go through connectors.loader.load_table (mapping + validate); the sheet path uses the
real gspread client, HTTP to the stand-in on 127.0.0.1 and JSON decoding, so it is a floor for
the real API (no Internet latency, no Google-side work).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from connectors import gsheets, loader
from connectors.loader import LoadContext
from connectors.sources import parse_sources
from tests.sheets_standin import SheetDate, bench_books, service_account, start_standin

MAPPING = """
[tables.orders.columns]
order_id = "Order ID"
customer_id = "Customer"
order_date = "Order Date"
promised_date = "Promised"
shipped_date = "Shipped"
delivered_date = "Received On"
lat = "Lat"
"""


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    books = bench_books(args.rows)
    values = books["bench"].tabs["Orders"]
    standin = start_standin(books=books)
    client = gsheets.client_from_info(service_account(standin), endpoint=standin.url)
    context = LoadContext({}, lambda: client)
    sheet = parse_sources(f'[tables.orders]\nkind = "gsheets"\nspreadsheet = "bench"\nworksheet = "Orders"\n{MAPPING}')[
        0
    ]

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "orders.csv"
        rows = [[c.value.isoformat() if isinstance(c, SheetDate) else c for c in row] for row in values[1:]]
        pl.DataFrame(rows, schema=values[0], orient="row").write_csv(csv_path)
        csv = parse_sources(f'[tables.orders]\nkind = "csv"\npath = "{csv_path}"\n{MAPPING}')[0]

        fetch_s, tabs = _timed(lambda: gsheets.read_tabs(client, "bench", ["Orders"]), args.repeat)
        frame_s, _ = _timed(lambda: gsheets.values_to_frame(tabs["Orders"]), args.repeat)
        sheet_s, sheet_result = _timed(lambda: loader.load_table(sheet, context), args.repeat)
        csv_s, csv_result = _timed(lambda: loader.load_table(csv, context), args.repeat)
    standin.stop()

    assert sheet_result.status.error is None and csv_result.status.error is None
    assert sheet_result.frame.equals(csv_result.frame), "both paths must give the same validated rows"
    print(f"rows x columns           : {args.rows:,} x {len(values[0])}")
    print(f"batchGet (HTTP + JSON)   : {fetch_s:6.2f} s")
    print(f"values -> frame          : {frame_s:6.2f} s")
    print(f"sheet -> validated frame : {sheet_s:6.2f} s  (one batchGet: {standin.count('batchGet')} in all runs)")
    print(f"local CSV -> validated   : {csv_s:6.2f} s")
    print(f"ratio sheet / CSV        : {sheet_s / csv_s:6.1f} x")


if __name__ == "__main__":
    main()
