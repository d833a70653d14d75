"""A metric run inside PostgreSQL (connectors.sql_lazy) vs the table read into Polars first (connectors.sql).

Run: .venv/bin/python -m bench.sql_bench [--orders 1000000] [--repeat 3] [--metrics delivery.on_time_received]

A throwaway PostgreSQL server on 127.0.0.1 (tests/pg_server.py; Debian's postgresql) gets the sample
generator's orders (connectors.sample.generate, in a child process, so its peak does not count here) through
psql's COPY. Then, in this process, best of --repeat:
  in database  open_lazy(entry) + compute(name): the query runs in PostgreSQL, only the result comes back;
  read first   read_sql(entry) (connectorx into Polars, today's sql kind) + compute(name) on the frame.
Both results are checked to agree. One in-database run before any is measured takes the imports
(SQLFrame, SQLGlot, pandas through pyarrow) out of the figures. Memory: `peak RSS +` is the highest
resident set sampled every 2 ms while a variant ran, minus the resident set just before it
(bench.metrics_bench.PeakRss). The in-database runs go first, so the read-first runs cannot lend them
pages the allocator kept.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metrics_bench import PeakRss
from connectors.sources import SourceEntry
from connectors.sql import read_sql
from connectors.sql_lazy import open_lazy
from metrics import compute
from tests import pg_server

DEFAULT_METRICS = "delivery.on_time_received,satisfaction.nps,retention.cohort"
_PG_TYPES = {pl.String: "text", pl.Date: "date", pl.Float64: "double precision", pl.Int64: "bigint"}


def _write_csv(n_orders: int, folder: str) -> None:
    from connectors.sample import generate

    for name in ("orders", "responses"):
        generate(n_orders=n_orders)[name].write_csv(Path(folder) / f"{name}.csv", include_header=False)


def _load(uri: str, folder: str) -> None:
    """The generated tables into PostgreSQL, with the contract's column types (psql's COPY, not this process)."""
    from connectors.contract import TABLES

    for name in ("orders", "responses"):
        columns = ", ".join(f'"{c}" {_PG_TYPES[type(t)]}' for c, t in TABLES[name].schema.items())
        pg_server.psql(uri, f'CREATE TABLE "{name}" ({columns})')
        pg_server.psql(uri, f"\\copy \"{name}\" FROM '{Path(folder) / f'{name}.csv'}' WITH (FORMAT csv)")
        pg_server.psql(uri, f'ANALYZE "{name}"')


def _best(run: Callable[[], pl.DataFrame], repeat: int) -> tuple[float, int, pl.DataFrame]:
    """Best seconds, largest RSS added (bytes) and the result of `repeat` runs."""
    times, added, result = [], 0, None
    for _ in range(repeat):
        gc.collect()
        with PeakRss() as rss:
            start = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - start)
        added = max(added, rss.added)
    return min(times), added, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--metrics", default=DEFAULT_METRICS, help="comma-separated metric names")
    args = parser.parse_args()
    secrets = {"connections": {"sql": {"password": pg_server.PASSWORD}}}
    with tempfile.TemporaryDirectory(prefix="outsidein-sql-bench-") as folder, pg_server.postgres() as uri:
        start = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=_write_csv, args=(args.orders, folder))
        child.start()
        child.join()
        _load(uri, folder)
        print(f"{args.orders:,} orders generated and loaded into PostgreSQL in {time.perf_counter() - start:.1f} s")
        warm_up = SourceEntry(table="orders", kind="sql", options={"uri": uri, "table": "orders"})
        compute("delivery.on_time_shipped", {"orders": open_lazy(warm_up, secrets)})  # imports, not measured
        header = f"{'metric':32} {'in database s':>13} {'read first s':>12} {'ratio':>6}"
        print(f"{header} {'peak RSS + MB (db / read)':>26}")
        for name in args.metrics.split(","):
            table = "responses" if name.startswith(("satisfaction.", "voice.")) else "orders"
            entry = SourceEntry(table=table, kind="sql", options={"uri": uri, "table": table})
            in_db = _best(lambda: compute(name, {table: open_lazy(entry, secrets)}), args.repeat)  # noqa: B023
            read = _best(lambda: compute(name, {table: read_sql(entry, secrets)[0].frame}), args.repeat)  # noqa: B023
            assert_frame_equal(in_db[2], read[2], check_exact=False, abs_tol=1e-9, rel_tol=1e-9)
            print(
                f"{name:32} {in_db[0]:13.2f} {read[0]:12.2f} {in_db[0] / read[0]:6.2f} "
                f"{in_db[1] / 2**20:12.0f} / {read[1] / 2**20:.0f}"
            )


if __name__ == "__main__":
    main()
