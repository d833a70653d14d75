"""Real browsers at once: Outside-In behind `make serve` vs a one-chart Streamlit page, same concurrency.

For each concurrency level (default 1, 5, 10, 20) it opens that many headless-Chromium sessions at
the same moment, each on a different filtered view, and times each from navigation until the view
is drawn (footer drawn, script idle, every chart drawn). Errors: a session that times out, or shows
an exception or error element. Then the same number of sessions on the reference page
(bench/one_chart_app.py, one `streamlit run` process): the ratio of the two p95s is the figure to
watch (goal: at most 1.5). Each replica's resident memory is read after each level.

With --rounds N every level is measured N times, the two pages' waves in turn and the order swapped
each round (app first, then the reference first, ...), so a drift in the machine's load hits both
alike; the level's figure is the median of the rounds' ratios, with their range. One run on a shared
machine swings by 0.3-0.6 between levels (bench/README.md), so one round decides nothing.

Beside the wall times, each wave's machine-wide CPU seconds (/proc/stat: every process, the browsers,
nginx and the replicas) per session: at 5 and more sessions the two cores are saturated and the p95
follows that figure, which other jobs disturb less than wall seconds. On a 2-core machine the
browsers themselves take most of the CPU at 20 sessions.

    .venv/bin/python -m bench.load_browsers [--levels 1 5 10 20] [--replicas 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import async_playwright

from bench.load_common import load_average, percentile, rss_mb, views
from tests.browser_harness import (
    CHARTS_DRAWN,
    CHROMIUM,
    CHROMIUM_ARGS,
    ERROR_SELECTORS,
    FOOTER_SHOWN,
    streamlit_server,
)
from tests.serve_harness import served

TIMEOUT_MS = 300_000
DRAWN = f"""() => document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && {FOOTER_SHOWN}
    && {CHARTS_DRAWN}"""


async def one_session(browser, url: str) -> tuple[float, str | None]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.wait_for_function(DRAWN, timeout=TIMEOUT_MS, polling=200)
        elapsed = time.perf_counter() - started
        if await page.locator(ERROR_SELECTORS).count():
            return elapsed, "error element"
        return elapsed, None
    except Exception as exc:  # a timeout or a crashed page is an error of this session, not of the bench
        return float("nan"), type(exc).__name__
    finally:
        await context.close()


def machine_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Wave:
    times: list[float]  # seconds until drawn, sessions without error
    errors: int
    cpu_per_session: float  # machine-wide CPU seconds of the wave (browser start included) / sessions


async def _sessions(urls: list[str]) -> list[tuple[float, str | None]]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(one_session(browser, u) for u in urls))
        finally:
            await browser.close()


def wave(urls: list[str]) -> Wave:
    cpu = machine_cpu_seconds()
    outcomes = asyncio.run(_sessions(urls))
    used = machine_cpu_seconds() - cpu
    if len(urls) > 1:  # which pages the slowest sessions were on: where the time goes
        by_page: dict[str, list[float]] = {}
        for url, (seconds, _) in zip(urls, outcomes, strict=True):
            by_page.setdefault("/" + urlsplit(url).path.rsplit("/", 1)[-1], []).append(seconds)
        print("  " + ", ".join(f"{p} {max(t):.0f} s" for p, t in sorted(by_page.items())), flush=True)
    times = [t for t, err in outcomes if err is None]
    return Wave(times, sum(err is not None for _, err in outcomes), used / len(urls))


def line(name: str, sessions: int, got: Wave, memory: str) -> str:
    median, p95 = percentile(got.times, 50), percentile(got.times, 95)
    cpu = got.cpu_per_session
    return f"{name:<12} {sessions:>8} | {got.errors:>6} | {median:8.1f} | {p95:6.1f} | {cpu:7.2f} | {memory}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        served(Path(tmp), replicas=args.replicas, base_path="", health_tick=60) as app,
        streamlit_server(script="bench/one_chart_app.py") as reference,
    ):
        pool = iter(f"{app.url}/{p}?{q}" for p, q in views(2 * args.replicas + args.rounds * sum(args.levels)))
        wave([next(pool) for _ in range(2 * args.replicas)])  # each replica loads its data set once
        wave([reference])
        print(f"load average before: {load_average()}")
        print("page         sessions | errors | median s | p95 s  | CPU s/session | RSS MB per replica")
        summary = []
        for n in args.levels:
            ratios, cpu_ratios, errors = [], [], 0
            for r in range(args.rounds):  # every session opens a view no one has opened before: nothing is cached
                urls = [next(pool) for _ in range(n)]
                first_app = r % 2 == 0  # swapped each round, so a drift in load hits both pages alike
                ours, ref = _pair(urls, [reference] * n, first_app)
                memory = " ".join(f"{rss_mb(app.replica_pid(i)):.0f}" for i in range(args.replicas))
                print(line("outside-in", n, ours, memory), flush=True)
                print(line("one chart", n, ref, "(one process)"), flush=True)
                ratios.append(percentile(ours.times, 95) / percentile(ref.times, 95))
                cpu_ratios.append(ours.cpu_per_session / ref.cpu_per_session)
                errors += ours.errors
                print(
                    f"{'':12} p95 outside-in / one chart = {ratios[-1]:.2f}, CPU per session {cpu_ratios[-1]:.2f}"
                    f"   (load average {load_average()})",
                    flush=True,
                )
            summary.append((n, ratios, cpu_ratios, errors))
        print("sessions | p95 ratio: median of rounds (range) | CPU per session ratio: median (range) | errors")
        for n, ratios, cpu_ratios, errors in summary:
            print(f"{n:>8} | {_spread(ratios):>36} | {_spread(cpu_ratios):>38} | {errors}")


def _pair(app_urls: list[str], ref_urls: list[str], app_first: bool) -> tuple[Wave, Wave]:
    if app_first:
        ours = wave(app_urls)
        return ours, wave(ref_urls)
    ref = wave(ref_urls)
    return wave(app_urls), ref


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


if __name__ == "__main__":
    main()
