"""Links that open exactly a view on the dashboard: --base-url + the page + its URL keys (ui.state owns them)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from metrics.spec import MetricSpec
from ui import navigation
from ui.state import END, GRAIN, METRIC, REGION, START

CATALOG = "catalog"


def page_of(spec: MetricSpec) -> tuple[str, dict[str, str]]:
    """The page that shows the metric, and the page keys that select it: the page of its area, a page
    generated for it, or else the catalog's live view of it."""
    for entry in navigation.entries():
        if entry.url_path == spec.area or entry.url_path == spec.name.replace(".", "_"):
            return entry.url_path, {}
    return CATALOG, {METRIC: spec.name}


def view_url(base_url: str, spec: MetricSpec, grain: str, start: date, end: date, region: str | None = None) -> str:
    """The dashboard URL of the metric's view over [start, end] at `grain`, filtered to `region`."""
    path, keys = page_of(spec)
    pairs = [(START, start.isoformat()), (END, end.isoformat()), (GRAIN, grain)]
    if region is not None:
        pairs.append((REGION, region))
    pairs += list(keys.items())
    return f"{base_url.rstrip('/')}/{path}?{urlencode(pairs)}"
