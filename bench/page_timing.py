"""Page timings in headless Chromium against a real `streamlit run` server.

For each page: time from navigation to the last chart drawn (cold = the first visit
after the server started, warm = median of later visits in fresh browser contexts),
and the time a filter change takes to redraw (median). Every figure is also given as
a ratio to the catalog page, a reference page with no metric computation, measured
in the same process: the machines are shared and noisy, ratios travel better.

    .venv/bin/python -m bench.page_timing [--runs 5] [--pages / /delivery ...]
"""

from __future__ import annotations

import argparse
import statistics
import time

from tests.browser_harness import chromium, streamlit_server, wait_until_drawn

REFERENCE = "/catalog"
DEFAULT_PAGES = ["/", "/delivery", "/retention", "/satisfaction", "/voice", "/segments"]


def load(browser, url: str, timeout_ms: int = 180_000) -> tuple[float, object, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    started = time.perf_counter()
    tab.goto(url)
    wait_until_drawn(tab, timeout_ms=timeout_ms)
    return time.perf_counter() - started, context, tab


def redraw_after_filter_change(tab, grain: str) -> float:
    started = time.perf_counter()
    sidebar = tab.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Period").click()
    tab.get_by_role("option", name=grain).click()
    tab.wait_for_function(f"() => location.search.includes('grain={grain}') || '{grain}' === 'month'")
    wait_until_drawn(tab, timeout_ms=180_000)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=DEFAULT_PAGES)
    args = parser.parse_args()
    rows = []
    with streamlit_server() as server, chromium() as browser:
        for path in [REFERENCE, *args.pages]:
            cold, context, tab = load(browser, server + path)
            redraws = [redraw_after_filter_change(tab, g) for g in ("quarter", "week", "month")[: args.runs]]
            context.close()
            warm = []
            for _ in range(args.runs):
                seconds, context, _tab = load(browser, server + path)
                warm.append(seconds)
                context.close()
            rows.append((path, cold, statistics.median(warm), statistics.median(redraws)))
    ref = rows[0][2]
    print(f"{'page':<14}{'cold s':>9}{'warm s':>9}{'warm/ref':>10}{'redraw s':>10}{'redraw/ref':>12}")
    for path, cold, warm, redraw in rows:
        print(f"{path:<14}{cold:>9.2f}{warm:>9.2f}{warm / ref:>10.2f}{redraw:>10.2f}{redraw / ref:>12.2f}")
    print(f"reference: {REFERENCE} warm median {ref:.2f} s; warm and redraw are medians of {args.runs} runs")


if __name__ == "__main__":
    main()
