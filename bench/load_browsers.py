"""Real browsers at once: Outside-In behind `make serve` vs a one-chart Streamlit page, same concurrency.

For each concurrency level (default 1, 5, 10, 20) it opens that many headless-Chromium sessions at
the same moment, each on a different filtered view, and times each from navigation until the view
is drawn (footer drawn, script idle, every chart drawn). Errors: a session that times out, or shows
an exception or error element. Then the same number of sessions on the reference page
(bench/one_chart_app.py, one `streamlit run` process) in the same run: the ratio of the two p95s is
the figure to watch (goal: at most 1.5). Each replica's resident memory is read after each level.
On a 2-core machine the browsers themselves take most of the CPU at 20 sessions.

    .venv/bin/python -m bench.load_browsers [--levels 1 5 10 20] [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import async_playwright

from bench.load_common import load_average, percentile, rss_mb, views
from tests.browser_harness import (
    CHARTS_DRAWN,
    CHROMIUM,
    CHROMIUM_ARGS,
    ERROR_SELECTORS,
    FOOTER_MARK,
    streamlit_server,
)
from tests.serve_harness import served

TIMEOUT_MS = 300_000
DRAWN = f"""() => document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && document.querySelector('[data-testid="stMain"]')?.innerText.includes('{FOOTER_MARK}')
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


async def wave(urls: list[str]) -> tuple[list[float], int]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            outcomes = await asyncio.gather(*(one_session(browser, u) for u in urls))
        finally:
            await browser.close()
    if len(urls) > 1:  # which pages the slowest sessions were on: where the time goes
        by_page: dict[str, list[float]] = {}
        for url, (seconds, _) in zip(urls, outcomes, strict=True):
            by_page.setdefault("/" + urlsplit(url).path.rsplit("/", 1)[-1], []).append(seconds)
        print("  " + ", ".join(f"{p} {max(t):.0f} s" for p, t in sorted(by_page.items())), flush=True)
    return [t for t, err in outcomes if err is None], sum(err is not None for _, err in outcomes)


def line(name: str, sessions: int, times: list[float], errors: int, memory: str) -> str:
    median, p95 = percentile(times, 50), percentile(times, 95)
    return f"{name:<12} {sessions:>8} | {errors:>6} | {median:8.1f} | {p95:6.1f} | {memory}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        served(Path(tmp), replicas=args.replicas, base_path="", health_tick=60) as app,
        streamlit_server(script="bench/one_chart_app.py") as reference,
    ):
        pool = [f"{app.url}/{p}?{q}" for p, q in views(2 * args.replicas + sum(args.levels))]
        asyncio.run(wave(pool[: 2 * args.replicas]))  # each replica loads its data set once
        asyncio.run(wave([reference]))
        offset = 2 * args.replicas
        print(f"load average before: {load_average()}")
        print("page         sessions | errors | median s | p95 s  | RSS MB per replica")
        for n in args.levels:  # every session opens a view no one has opened before: nothing is cached yet
            times, errors = asyncio.run(wave(pool[offset : offset + n]))
            offset += n
            memory = " ".join(f"{rss_mb(app.replica_pid(i)):.0f}" for i in range(args.replicas))
            print(line("outside-in", n, times, errors, memory), flush=True)
            ref_times, ref_errors = asyncio.run(wave([reference] * n))
            print(line("one chart", n, ref_times, ref_errors, "(one process)"), flush=True)
            ratio = percentile(times, 95) / percentile(ref_times, 95)
            print(f"{'':12} p95 outside-in / one chart = {ratio:.2f}   (load average {load_average()})", flush=True)


if __name__ == "__main__":
    main()
