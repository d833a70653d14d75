"""The data path at scale: the app, the CLI and Spark Connect on the sample generator's tables in Parquet.

    .venv/bin/python -m bench.data_bench                       # 10M and 20M orders (about 15 minutes)
    .venv/bin/python -m bench.data_bench --orders 2000000      # a quick run
    .venv/bin/python -m bench.data_bench --orders 1000000 --only spark

For each size the generator (connectors.sample.generate) runs in a child process and writes the six
tables as Parquet into a temporary folder, deleted at the end. Then, in one run:

- app: `streamlit run asgi.py` on those files (`kind = "parquet"`, ttl 60 s, or 10 s per million orders
  when that is longer: see ttl_seconds). It times how long the server takes to say ready (`/healthz`:
  tables loaded and the Overview's default view computed, what a proxy waits for), then in headless
  Chromium the first draw of `/`, a filter change on `/` (grain to quarter), a later draw of `/`, the warm
  draw of `/catalog` (median of 3; the reference: ratios travel across noisy machines). It then waits until
  the server's log says the whole warm-up is done and the process is idle: the first load ends there. After
  the ttl, the draws while a background reload runs and after it; the reload is timed until the process is
  idle again and compared with the first load of the tables (the server log's "every table loaded"). If the
  warm-up ended after the ttl, the reload ran inside the first load and the bench says so ("reload
  overlapped the warm-up" 1): its reload figures are then no fair test.
  Memory: the server's exact peak resident set per phase (until ready, the draws, the later warm-up, idle,
  the reload), the kernel's high-water mark (VmHWM) reset at each phase's start (/proc/<pid>/clear_refs;
  see HighWater: where that is refused, a 5 ms sampler, and "peaks exact" 0). The first load's peak is the
  largest of its three phases; a 50 ms sampler only says when each peak came ("peak at s").
- steps (only when asked: `--only steps`): the server's warm-up replayed in a fresh process, each load unit
  and metric call with its exact peak resident set and seconds: where the first load's peak comes from.
- cli: `python -m metrics compute satisfaction.nps --sources ...` as a whole command (median of 3),
  and inside a warm interpreter (metrics.cli.main only), vs DuckDB answering the same numbers (n and
  NPS per month) from the same file, in process and as a whole `python -c` command.
- spark: the files registered as global temp views on a local Spark Connect server (loopback, port
  15002); every metric the Overview shows computed from a `kind = "spark"` source and from the Parquet
  source, compared (equal within 1e-9), with this process's resident set before and after.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.page_timing import load, load_average
from tests.browser_harness import ROOT, choose_period, chromium, free_port, wait_until_drawn

TABLES = ("orders", "responses", "reviews", "notes", "revenue", "customers", "events")
TTL_SECONDS = 60  # at most 6M orders; above, ttl_seconds() scales it so the warm-up ends before the reload
# The Overview's numbers: each inside-out KPI and its customer twin, and the customer KPIs.
OVERVIEW = (
    "delivery.on_time_shipped",
    "delivery.on_time_received",
    "delivery.lead_time_internal",
    "delivery.lead_time_customer",
    "satisfaction.nps",
    "satisfaction.csat",
    "satisfaction.ces",
    "retention.repeat_purchase_rate",
    "retention.churn",
    "voice.themes",
)
NPS_SQL = """
SELECT date_trunc('month', responded_at)::DATE AS period, count(*) AS n,
       100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*) AS value
FROM read_parquet('{path}') WHERE survey = 'nps' AND score BETWEEN 0 AND 10 GROUP BY 1 ORDER BY 1
"""


# ---------------------------------------------------------------- data


def _generate(n_orders: int, folder: str, out: multiprocessing.Queue) -> None:
    import resource

    from connectors.sample import generate

    started = time.perf_counter()
    for name, frame in generate(n_orders=n_orders).items():
        frame.write_parquet(Path(folder) / f"{name}.parquet")
    out.put((time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20))


def generate_parquet(n_orders: int, folder: Path) -> tuple[float, float]:
    """(seconds, peak GB) of generating and writing the tables, in a child process."""
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    child = ctx.Process(target=_generate, args=(n_orders, str(folder), queue))
    child.start()
    seconds, peak_gb = queue.get()
    child.join()
    return seconds, peak_gb


def ttl_seconds(n_orders: int) -> int:
    """The sources' ttl: 60 s, or 10 s per million orders when longer. The whole warm-up (every page's default
    view) takes about 5 s per million orders on an idle 2-core machine (100 s at 20M), and the first reload
    must come after it to be measured on its own (at 20M a 60 s ttl expired inside the warm-up)."""
    return max(TTL_SECONDS, round(10 * n_orders / 1_000_000))


def write_sources(folder: Path, kind: str = "parquet", ttl: int = TTL_SECONDS) -> Path:
    lines = []
    for name in TABLES:
        if kind == "parquet":
            lines.append(f'[tables.{name}]\nkind = "parquet"\npath = "{name}.parquet"\nttl = "{ttl}s"\n')
        else:
            remote = "sc://localhost:15002"
            lines.append(f'[tables.{name}]\nkind = "spark"\nremote = "{remote}"\ntable = "global_temp.{name}"\n')
    path = folder / f"{kind}.toml"
    path.write_text("\n".join(lines))
    return path


# ---------------------------------------------------------------- memory


class Sampler:
    """Resident set of one process, sampled every `every_s` (50 ms); peak(since) over a window. Only where the
    kernel's high-water mark cannot be reset (HighWater.exact False) are its peaks the bench's figures; else it
    only says *when* a phase's peak came (peak_at), which a high-water mark cannot."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self.pid, self.every_s, self.samples, self._stop = pid, every_s, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            try:
                with open(f"/proc/{self.pid}/statm") as f:
                    self.samples.append((time.perf_counter(), int(f.read().split()[1]) * page))
            except OSError:
                return
            time.sleep(self.every_s)

    def peak_gb(self, since: float = 0.0, until: float = float("inf")) -> float:
        return max((rss for t, rss in self.samples if since <= t <= until), default=0) / 2**30

    def peak_at(self, since: float = 0.0, until: float = float("inf")) -> float:
        """When (perf_counter) the peak of the window was sampled: which step it came from."""
        window = [(rss, t) for t, rss in self.samples if since <= t <= until]
        return max(window)[1] if window else since

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class HighWater:
    """A process's exact peak resident set per phase: the kernel's high-water mark (VmHWM in /proc/<pid>/status),
    reset at each phase's start by writing "5" to /proc/<pid>/clear_refs (Linux 4.0+; needs the right to ptrace
    the process: same user or root). A sampler misses peaks shorter than its interval: at 20M orders one every
    50 ms saw 1.41 GB where one every 10 ms saw 1.56 GB. Where the reset is refused (exact False), the phases'
    peaks come from a sampler every 5 ms instead, and the bench says so ("peaks exact" 0)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exact = self._reset()
        self.sampler = Sampler(pid, every_s=0.05 if self.exact else 0.005)
        self._since = time.perf_counter()

    def _reset(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            return False
        return True

    def _hwm_bytes(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmHWM in /proc/{self.pid}/status")

    def phase_gb(self) -> tuple[float, float]:
        """(peak GB since the last call, when it came as perf_counter), and start the next phase. The peak's
        time is the sampler's (the high-water mark has none): the sample nearest the peak, not its instant."""
        now = time.perf_counter()
        if self.exact:
            peak = self._hwm_bytes() / 2**30
            self._reset()  # a rise between the read and the reset still counts: the mark restarts at the current RSS
        else:
            peak = self.sampler.peak_gb(since=self._since, until=now)
        at = self.sampler.peak_at(since=self._since, until=now)
        self._since = now
        return peak, at

    def stop(self) -> None:
        self.sampler.stop()


@contextmanager
def app_server(sources: Path) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (Path(tempfile.gettempdir()) / f"data-bench-{port}.log").open("w")
    cmd = [sys.executable, "-m", "streamlit", "run", "asgi.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "OUTSIDEIN_SOURCES": str(sources)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield url, proc, Path(log.name)
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        for line in Path(log.name).read_text().splitlines():  # when each part of the warm-up was done
            if "data warm-up" in line:
                print(f"        server log: {line.strip()}", flush=True)


def _ready(url: str) -> bool:
    """/healthz answers 200 once the warm-up has the Overview's default view (503 before; nothing at first)."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


WARM_UP_DONE = "data warm-up: every page's default view ready"
TABLES_LOADED = re.compile(r"data warm-up: every table loaded in ([0-9.]+) s")


def wait_warm_up(log: Path, max_s: float = 900.0) -> bool:
    """Wait until the server's log says the whole warm-up is done (True), or it failed / `max_s` passed."""
    started = time.perf_counter()
    while time.perf_counter() - started < max_s:
        text = log.read_text()
        if WARM_UP_DONE in text:
            return True
        if "data warm-up failed" in text:
            return False
        time.sleep(0.2)
    return False


def tables_loaded_s(log: Path) -> float:
    """Seconds the warm-up took to load and validate every table (its log line; nan when missing)."""
    found = TABLES_LOADED.search(log.read_text())
    return float(found.group(1)) if found else float("nan")


def wait_idle(pid: int, quiet_s: float = 3.0, max_s: float = 1800.0) -> float:
    """Seconds until the process stops working (under 10 % of a core over `quiet_s`), at most `max_s`."""
    tick = os.sysconf("SC_CLK_TCK")

    def cpu_s() -> float:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    started = time.perf_counter()
    while time.perf_counter() - started < max_s:
        before = cpu_s()
        time.sleep(quiet_s)
        if cpu_s() - before < 0.1 * quiet_s:
            return time.perf_counter() - started - quiet_s
    return time.perf_counter() - started


def draw(browser, url: str) -> tuple[float, object, object]:
    return load(browser, url, timeout_ms=1_200_000)  # a shared machine can be very slow


def timed_draw(browser, url: str) -> float:
    seconds, context, _ = draw(browser, url)
    context.close()
    return seconds


def filter_change(tab) -> float:
    started = time.perf_counter()
    choose_period(tab, "quarter")
    tab.wait_for_function("() => location.search.includes('grain=quarter')")
    wait_until_drawn(tab, timeout_ms=600_000)
    return time.perf_counter() - started


def bench_app(folder: Path, n_orders: int) -> dict[str, float]:
    ttl = ttl_seconds(n_orders)
    sources = write_sources(folder, ttl=ttl)
    with app_server(sources) as (url, proc, log), chromium() as browser:
        memory = HighWater(proc.pid)
        started = time.perf_counter()
        while not _ready(url):
            time.sleep(0.2)
        ready = time.perf_counter()
        until_ready = memory.phase_gb()  # loading, validating, the Overview's warm-up
        out = {"server ready (/healthz) s": ready - started}
        out["first draw / s"], context, tab = draw(browser, url + "/")
        out["filter change s"] = filter_change(tab)
        context.close()
        out["draw / again s"] = timed_draw(browser, url + "/")
        out["warm /catalog s"] = statistics.median(timed_draw(browser, url + "/catalog") for _ in range(3))
        drawn = time.perf_counter()
        during_draws = memory.phase_gb()
        warmed = wait_warm_up(log)  # the other pages, in the background
        wait_idle(proc.pid)
        loaded = time.perf_counter()
        later_warm_up = memory.phase_gb()
        out["rest of the warm-up s"] = loaded - drawn
        out["ttl s"] = ttl
        # The first reload must start after the first load: else its figures are the warm-up's.
        out["reload overlapped the warm-up"] = float(not warmed or loaded - started > ttl)
        # Where the peak came from: before ready (loading, validating, the Overview's warm-up), during the
        # draws, or in the later warm-up (seconds since the server started).
        first_load = max(until_ready, during_draws, later_warm_up)
        out["first load peak GB"], out["first load peak at s"] = first_load[0], first_load[1] - started
        out["peak until ready GB"] = until_ready[0]
        out["peak during the draws GB"] = during_draws[0]
        out["peak in the later warm-up GB"] = later_warm_up[0]
        print(f"        load average after the draws: {load_average()}", flush=True)
        time.sleep(max(0.0, ttl + 2 - (loaded - started)))
        idle = memory.phase_gb()  # between the first load and the ttl's expiry
        out["draw / during reload s"] = timed_draw(browser, url + "/")  # the last data, served at once
        out["reload s"] = wait_idle(proc.pid)  # the background reload: re-plan, validation queries
        out["draw / after reload s"] = timed_draw(browser, url + "/")  # same files: the cached metrics
        reload = memory.phase_gb()
        out["reload peak GB"], out["reload peak at s"] = reload[0], reload[1] - started
        out["first table load s"] = tables_loaded_s(log)
        memory.stop()
        out["process peak GB"] = max(first_load[0], idle[0], reload[0])
        out["peaks exact"] = float(memory.exact)
    out["first draw / vs warm /catalog"] = out["first draw / s"] / out["warm /catalog s"]
    out["reload peak vs first load peak"] = out["reload peak GB"] / out["first load peak GB"]
    out["reload s vs first table load s"] = out["reload s"] / out["first table load s"]
    # Viewers keep the last data meanwhile: a draw during the reload costs what a warm draw does.
    out["draw during reload vs draw / again"] = out["draw / during reload s"] / out["draw / again s"]
    return out


# ---------------------------------------------------------------- the warm-up, step by step


def _warm_up_steps(sources: str, out: multiprocessing.Queue) -> None:
    """The server's warm-up (ui.data: load every table, the Overview's default view, then every page's) in
    this process, with the exact peak resident set of each step: each load unit and each metric call."""
    os.environ["OUTSIDEIN_SOURCES"] = sources
    from connectors import loader
    from ui import data, query

    own = HighWater(os.getpid())
    steps: list[tuple[str, float, float, float]] = []  # (step, seconds, peak GB, resident after GB)

    def measured(label: str, run: Callable[[], object]) -> object:
        own.phase_gb()  # restart the high-water mark
        started = time.perf_counter()
        result = run()
        steps.append((label, time.perf_counter() - started, own.phase_gb()[0], _own_rss_gb()))
        return result

    load_group, metric = loader.load_group, query.metric
    loader.load_group = lambda group, context: measured(  # type: ignore[assignment]
        "load " + "+".join(e.table for e in group), lambda: load_group(group, context)
    )

    def one_metric(name: str, filters: object, by: tuple[str, ...] = (), grain: str | None = None, **options: str):
        label = (
            f"{name} {grain or 'default'}"
            + (f" by {','.join(by)}" if by else "")
            + "".join(f" {k}={v}" for k, v in options.items())
        )
        return measured(label, lambda: metric(name, filters, by=by, grain=grain, **options))  # type: ignore[arg-type]

    query.metric = one_metric  # type: ignore[assignment]
    data._load()  # each load unit measured on its own (a step inside a step would restart the outer's mark)
    measured("filter choices", query.choices)
    data._default_view(first_only=True)
    steps.append(("-- ready (/healthz)", 0.0, 0.0, _own_rss_gb()))
    data._default_view(first_only=False)
    own.stop()
    out.put((steps, own.exact))


def bench_steps(folder: Path, top: int = 12) -> dict[str, float]:
    """Where the first load's peak comes from: the warm-up replayed in a fresh process (spawned, with the
    allocator setting asgi.py gives the server), each step's exact peak; prints every step and returns the
    largest `top` peaks and the totals. No viewers, so no draw overlaps a step (the server's later warm-up
    yields to viewers likewise)."""
    malloc = re.search(r'"_RJEM_MALLOC_CONF", "([^"]+)"', (ROOT / "asgi.py").read_text())
    if malloc:  # set before the child imports Polars, as asgi.py does in the server
        os.environ.setdefault("_RJEM_MALLOC_CONF", malloc.group(1))
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    child = ctx.Process(target=_warm_up_steps, args=(str(write_sources(folder, ttl=3600)), queue))
    child.start()
    steps, exact = queue.get()
    child.join()
    for label, seconds, peak, after in steps:
        print(f"        {label:<64}{seconds:>7.2f} s  peak {peak:5.2f} GB  after {after:5.2f} GB", flush=True)
    ready = next(i for i, step in enumerate(steps) if step[0].startswith("--"))
    out = {f"{label} (peak GB)": peak for label, _, peak, _ in sorted(steps, key=lambda s: -s[2])[:top]}
    out["until ready s"] = sum(s[1] for s in steps[:ready])
    out["until ready peak GB"] = max(s[2] for s in steps[:ready])
    out["later warm-up s"] = sum(s[1] for s in steps[ready:])
    out["later warm-up peak GB"] = max(s[2] for s in steps[ready:])
    out["peaks exact"] = float(exact)
    return out


# ---------------------------------------------------------------- CLI vs DuckDB


def _median_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_cli(folder: Path) -> dict[str, float]:
    import duckdb
    import polars as pl

    from metrics import compute
    from metrics.cli import main

    sources = write_sources(folder)
    out_file = folder / "nps.csv"
    args = ["compute", "satisfaction.nps", "--sources", str(sources), "--output", str(out_file)]
    command = [sys.executable, "-m", "metrics", *args]
    whole = _median_seconds(lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True))
    in_process = _median_seconds(lambda: main(args))
    sql = NPS_SQL.format(path=folder / "responses.parquet")
    duck = _median_seconds(lambda: duckdb.connect().sql(sql).pl())
    duck_command = [sys.executable, "-c", f"import duckdb; duckdb.connect().sql({sql!r}).pl()"]
    duck_whole = _median_seconds(lambda: subprocess.run(duck_command, check=True, capture_output=True))
    # The same numbers: n per month equal, NPS equal to 1e-9.
    ours = compute("satisfaction.nps", {"responses": pl.scan_parquet(folder / "responses.parquet")})
    theirs = duckdb.connect().sql(sql).pl()
    same = ours.get_column("n").to_list() == theirs.get_column("n").to_list() and all(
        abs(a - b) < 1e-9 for a, b in zip(ours.get_column("value"), theirs.get_column("value"), strict=True)
    )
    return {
        "cli nps (command) s": whole,
        "duckdb (command) s": duck_whole,
        "command ratio": whole / duck_whole,
        "cli nps (in process) s": in_process,
        "duckdb (in process) s": duck,
        "in-process ratio": in_process / duck,
        "same numbers": float(same),
    }


# ---------------------------------------------------------------- Spark Connect


def bench_spark(folder: Path) -> dict[str, float]:
    from polars.testing import assert_frame_equal
    from pyspark.sql import SparkSession

    from connectors.kinds import LoadContext
    from connectors.loader import load_dataset
    from metrics import compute

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    spark = SparkSession.builder.remote("local[2]").config("spark.sql.shuffle.partitions", "4").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        for name in TABLES:
            spark.read.parquet(str(folder / f"{name}.parquet")).createOrReplaceGlobalTempView(name)
        context = LoadContext({}, lambda: None)
        rss_before = _own_rss_gb()
        started = time.perf_counter()
        on_spark = load_dataset(write_sources(folder, "spark"), context=context)
        results = {name: compute(name, on_spark.tables) for name in OVERVIEW}
        spark_seconds = time.perf_counter() - started
        rss_after = _own_rss_gb()
        on_files = load_dataset(write_sources(folder), context=context)
        for name, got in results.items():
            assert_frame_equal(got, compute(name, on_files.tables), check_exact=False, abs_tol=1e-9, rel_tol=1e-9)
        result_kb = sum(frame.estimated_size() for frame in results.values()) / 1024
    finally:
        spark.stop()
    return {
        "overview metrics on spark s": spark_seconds,
        "app-side RSS growth GB": rss_after - rss_before,
        "results held KB": result_kb,
        "equal to parquet": 1.0,
    }


def _own_rss_gb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000_000, 20_000_000])
    parser.add_argument("--only", nargs="+", choices=("app", "steps", "cli", "spark"), default=["app", "cli", "spark"])
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder and keep it (one size)")
    args = parser.parse_args()
    for n_orders in args.orders:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="outside-in-bench-"))
        try:
            if args.keep and (folder / "orders.parquet").exists():
                print(f"\n== reusing the tables in {folder}", flush=True)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                seconds, peak_gb = generate_parquet(n_orders, folder)
                print(f"\n== {n_orders:,} orders: generated in {seconds:.1f} s, peak {peak_gb:.2f} GB", flush=True)
            runs = (
                ("app", partial(bench_app, n_orders=n_orders)),
                ("steps", bench_steps),
                ("cli", bench_cli),
                ("spark", bench_spark),
            )
            for part, run in runs:
                if part in args.only:
                    print(f"{part}: load average at the start {load_average()}", flush=True)
                    for key, value in run(folder).items():
                        print(f"{part:<6}{key:<40}{value:>10.3f}", flush=True)
                    print(f"{part}: load average at the end {load_average()}", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
