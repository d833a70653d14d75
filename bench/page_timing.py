"""Page timings in headless Chromium against a real `streamlit run` server, beside a one-chart page.

Every page is timed from navigation until it is drawn (script idle, footer shown, every chart drawn),
each visit in a fresh browser context (no HTTP cache, as a first-time viewer). The pages are visited in
turn, round after round, together with the reference, a one-chart Streamlit page (bench/one_chart_app.py,
its own `streamlit run`), so a burst of load from other jobs hits all of them alike: the figure to watch
is a page's median over the reference's median (issue 12 asks at most 1.5 for the Overview).

Each visit is split three ways:
- wall: the seconds a viewer waits; `boot`: navigation until the script starts running (loading
  Streamlit's own scripts and the websocket: the same for every page); `run`: script start until the
  footer shows; `draw`: the footer until the last chart is drawn;
- server CPU: CPU seconds the page's `streamlit` process spent on the visit (/proc);
- browser CPU: CPU seconds every Chromium process spent on it (loading, compiling, layout, charts).
CPU seconds are less sensitive to other jobs than wall seconds on a shared machine. Then the time a
filter change takes to redraw (median of --runs) and, as before, each page's wall ratio to /catalog.

    .venv/bin/python -m bench.page_timing [--runs 7] [--pages / /delivery ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from tests.browser_harness import FOOTER_SHOWN, choose_period, chromium, streamlit_server, wait_until_drawn

REFERENCE = "one-chart"
CATALOG = "/catalog"
DEFAULT_PAGES = ["/", "/delivery", "/retention", "/satisfaction", "/voice", "/segments"]
TICK = os.sysconf("SC_CLK_TCK")
# In-page marks (ms since navigation): when the script starts running, when the footer shows.
MARKS = f"""(() => {{
  const m = window.__benchMarks = {{}};
  new MutationObserver(() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    if (!m.running && app?.getAttribute('data-test-script-state') === 'running') m.running = performance.now();
    if (!m.footer && {FOOTER_SHOWN})
      m.footer = performance.now();
  }}).observe(document, {{subtree: true, childList: true, attributes: true}});
}})();"""


@dataclass(frozen=True)
class Visit:
    wall: float
    boot: float
    run: float
    draw: float
    server_cpu: float
    browser_cpu: float


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(root: int) -> list[int]:
    """Every live process below `root` (Playwright's driver, Chromium's browser, GPU and renderers)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [p for p, pp in parent.items() if pp in frontier]
        found += children
        frontier = children
    return found


def server_pid(url: str) -> int:
    """The `streamlit run` process listening on `url`'s port (streamlit_server yields only the URL)."""
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process for {url}")


def _is_streamlit(pid: int) -> bool:
    try:
        return b"streamlit" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def browser_cpu() -> dict[int, float]:
    """CPU seconds of every Chromium (and Playwright driver) process below this one. The `streamlit run`
    servers the bench started are its children too: left out, their CPU is the visit's server figure."""
    return {pid: cpu_seconds(pid) for pid in descendants(os.getpid()) if not _is_streamlit(pid)}


def visit(browser, url: str, server: int) -> Visit:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(MARKS)
    tab = context.new_page()
    before, server_before = browser_cpu(), cpu_seconds(server)
    started = time.perf_counter()
    tab.goto(url)
    wait_until_drawn(tab, timeout_ms=180_000)
    wall = time.perf_counter() - started
    after, server_after = browser_cpu(), cpu_seconds(server)  # before the context closes: renderers still live
    marks = tab.evaluate("() => window.__benchMarks")
    context.close()
    running, footer = marks.get("running", 0) / 1000, marks.get("footer", 0) / 1000
    used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    return Visit(wall, running, footer - running, wall - footer, server_after - server_before, used)


def load(browser, url: str, timeout_ms: int = 180_000) -> tuple[float, object, object]:
    """Seconds until `url` is drawn in a fresh context, with the context and tab (the caller closes them)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    started = time.perf_counter()
    tab.goto(url)
    wait_until_drawn(tab, timeout_ms=timeout_ms)
    return time.perf_counter() - started, context, tab


def redraw_after_filter_change(browser, url: str, grain: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.goto(url)
    wait_until_drawn(tab, timeout_ms=180_000)
    started = time.perf_counter()
    choose_period(tab, grain)
    tab.wait_for_function(f"() => location.search.includes('grain={grain}')")
    wait_until_drawn(tab, timeout_ms=180_000)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def median(visits: list[Visit], field: str) -> float:
    return statistics.median(getattr(v, field) for v in visits)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", nargs="*", default=DEFAULT_PAGES)
    parser.add_argument("--no-redraw", action="store_true", help="skip the filter-change redraw timings")
    args = parser.parse_args()
    pages = [CATALOG, *[p for p in args.pages if p != CATALOG]]
    print(f"load average at start: {load_average()}")
    with streamlit_server() as app, streamlit_server(script="bench/one_chart_app.py") as reference, chromium() as b:
        servers = {REFERENCE: server_pid(reference), "app": server_pid(app)}
        urls = {REFERENCE: (reference, servers[REFERENCE]), **{p: (app + p, servers["app"]) for p in pages}}
        for url, pid in urls.values():  # first visits: the server computes and caches; not counted
            visit(b, url, pid)
        visits: dict[str, list[Visit]] = {name: [] for name in urls}
        for _ in range(args.runs):  # in turn, so a burst of outside load hits every page alike
            for name, (url, pid) in urls.items():
                visits[name].append(visit(b, url, pid))
        redraws = {}
        if not args.no_redraw:
            for path in pages:
                redraws[path] = statistics.median(
                    redraw_after_filter_change(b, app + path, g) for g in ("quarter", "week", "quarter")[: args.runs]
                )
    ref, catalog = median(visits[REFERENCE], "wall"), median(visits[CATALOG], "wall")
    print(
        f"{'page':<14}{'wall s':>8}{'/one-chart':>11}{'/catalog':>9}{'boot s':>8}{'run s':>7}{'draw s':>8}"
        f"{'server cpu':>11}{'browser cpu':>12}{'redraw s':>9}"
    )
    for name, got in visits.items():
        wall = median(got, "wall")
        redraw = f"{redraws[name]:>9.2f}" if name in redraws else f"{'':>9}"
        print(
            f"{name:<14}{wall:>8.2f}{wall / ref:>11.2f}{wall / catalog:>9.2f}{median(got, 'boot'):>8.2f}"
            f"{median(got, 'run'):>7.2f}{median(got, 'draw'):>8.2f}{median(got, 'server_cpu'):>11.2f}"
            f"{median(got, 'browser_cpu'):>12.2f}{redraw}"
        )
    print(f"medians of {args.runs} visits each, fresh browser context per visit; load average at end: {load_average()}")


if __name__ == "__main__":
    main()
