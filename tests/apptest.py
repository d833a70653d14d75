"""Running the whole app (app.py around a page) under AppTest, the way every page test does."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.browser_harness import ROOT


def run_page(page: str | None = None, query: dict | None = None, timeout: float = 180) -> AppTest:
    """Open app.py with `query` in the URL, then switch to `page` (e.g. "pages/voice.py").

    A `chart` id or a `tab` belongs to its page: set on the first run (the overview) it would fall back
    to the whole page, so they are added only once the test switches to `page`.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    query = dict(query or {})
    own = {k: query.pop(k) for k in ("chart", "tab") if k in query} if page else {}
    at.query_params.update(query)
    at.run()
    if page:
        at.query_params.update(own)
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def drawn_charts(at: AppTest) -> list[str]:
    """The ids of the charts ui.page.chart drew, in order: each draws one "PNG image" export keyed `png-<id>`
    (the element id ends with the key). A chart alone (`chart=`) has no link to itself to read it from."""
    marker = "-png-"
    return [b.proto.id.split(marker, 1)[1] for b in at.get("download_button") if marker in b.proto.id]


def every_tab(page: str, query: dict | None = None, timeout: float = 180) -> dict[str, AppTest]:
    """The page once per tab of its details (ui.page.tabs: only the open tab's code runs), by tab label."""
    first = run_page(page, query, timeout)
    labels = [t.label for t in first.tabs]
    assert labels, f"{page} has no tabs"
    runs = {labels[0]: first}
    for label in labels[1:]:
        runs[label] = run_page(page, {**(query or {}), "tab": label}, timeout)
    return runs


def in_every_tab(runs: dict[str, AppTest], kind: str) -> list:
    """Elements of one kind (e.g. "vega_lite_chart", "info") across every tab's run: the first run whole,
    then only what the other runs draw inside their open tab (the part above the tabs is the same)."""
    first, *rest = runs.values()
    return list(first.get(kind)) + [e for at in rest for tab in at.tabs for e in tab.get(kind)]
