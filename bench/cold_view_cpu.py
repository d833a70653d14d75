"""Server CPU of one cold filtered view per page, beside the one-chart page (no browser).

Starts `streamlit run asgi.py` (sample data) and waits until its warm-up is done (the process idle), then,
per page, opens --views filtered views over the websocket (bench/load_protocol's client), each with a
region/segment filter no earlier view of this run used, so every metric of it is computed cold (each page
ran once before on the default view, so imports are not counted); then the same view again (warm: every
metric cached). The figure is the server process's CPU seconds (/proc) from asking for the view until its
script finished and the process went quiet. The reference is the one-chart page (bench/one_chart_app.py,
its own `streamlit run`) measured the same way in the same run.

    .venv/bin/python -m bench.cold_view_cpu [--views 3] [--pages delivery satisfaction ...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

from bench.load_common import load_average
from bench.load_protocol import one_view
from bench.page_timing import cpu_seconds, server_pid
from connectors.sample import REGIONS, SEGMENTS
from tests.browser_harness import streamlit_server

PAGES = ("", "delivery", "retention", "satisfaction", "voice", "segments")
GRAINS = ("week", "month", "quarter")


def filters() -> list[str]:
    """Query strings with distinct region/segment filters (never the default view the warm-up computed)."""
    pairs = [p for p in itertools.product((*REGIONS, None), (*SEGMENTS, None)) if p != (None, None)]
    pairs = [pairs[(i * 11) % len(pairs)] for i in range(len(pairs))]  # 11 is coprime with 34: a shuffle
    out = []
    for i, (region, segment) in enumerate(pairs):
        keys = (("region", region), ("segment", segment), ("grain", GRAINS[i % 3]))
        out.append("&".join(f"{k}={v.replace(' ', '+')}" for k, v in keys if v))
    return out


def quiet(pid: int, idle_s: float = 0.6, tick: float = 0.2) -> None:
    """Wait until the process has used (almost) no CPU for `idle_s`."""
    calm, last = 0.0, cpu_seconds(pid)
    while calm < idle_s:
        time.sleep(tick)
        now = cpu_seconds(pid)
        calm = calm + tick if now - last < 0.02 else 0.0
        last = now


def view_cpu(url: str, pid: int, page: str, query: str) -> tuple[float, float]:
    """(CPU s, wall s) of one view in a fresh session."""
    ws = url.replace("http://", "ws://") + "/_stcore/stream"
    quiet(pid)
    before = cpu_seconds(pid)
    wall, err = asyncio.run(one_view(ws, url, page, query))
    if err:
        raise RuntimeError(f"{page}?{query}: {err}")
    quiet(pid)
    return cpu_seconds(pid) - before, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--views", type=int, default=3)
    parser.add_argument("--pages", nargs="+", default=list(PAGES))
    parser.add_argument("--env", nargs="*", default=[], help="NAME=VALUE for the servers (e.g. a config option)")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    pool = iter(filters())
    print(f"load average at start: {load_average()}")
    with streamlit_server(env, script="bench/one_chart_app.py") as ref_url:
        ref_pid = server_pid(ref_url)
        view_cpu(ref_url, ref_pid, "", "")  # first run imports Altair etc.
        ref = statistics.median(view_cpu(ref_url, ref_pid, "", "")[0] for _ in range(5))
    print(f"one-chart page: {ref:.3f} CPU s per view")
    with streamlit_server(env, script="asgi.py", timeout=180) as url:
        pid = server_pid(url)
        time.sleep(2)
        quiet(pid, idle_s=3.0)  # the warm-up's later part has filled every page's default view
        for page in args.pages:  # each page once on that (cached) view: its modules are imported before timing
            view_cpu(url, pid, page, "")
        print("page | cold CPU s (each) | median | / one-chart | warm CPU s median | cold wall s median")
        for page in args.pages:
            cold, warm, walls = [], [], []
            for _ in range(args.views):
                query = next(pool)
                cpu, wall = view_cpu(url, pid, page, query)
                cold.append(cpu)
                walls.append(wall)
                warm.append(view_cpu(url, pid, page, query)[0])
            med = statistics.median(cold)
            print(
                f"{page or 'overview':12} | {' '.join(f'{c:.2f}' for c in cold)} | {med:.2f} | {med / ref:.2f} | "
                f"{statistics.median(warm):.2f} | {statistics.median(walls):.2f}   (load average {load_average()})",
                flush=True,
            )


if __name__ == "__main__":
    main()
