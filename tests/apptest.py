"""Running the whole app (app.py around a page) under AppTest, the way every page test does."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.browser_harness import ROOT


def run_page(page: str | None = None, query: dict | None = None, timeout: float = 180) -> AppTest:
    """Open app.py with `query` in the URL, then switch to `page` (e.g. "pages/voice.py").

    A `chart` id belongs to its page: set on the first run (the overview) it would fall back
    to the whole page, so it is added only once the test switches to `page`.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    query = dict(query or {})
    chart = query.pop("chart", None) if page else None
    at.query_params.update(query)
    at.run()
    if page:
        if chart:
            at.query_params["chart"] = chart
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)
