"""The app's pages: the core pages in their order, then every other file in pages/ found by itself.

A page written by `python -m metrics new area.name --page` appears in the navigation with no edit to
app.py: it is titled after the metric it renders (read from the file, not run) and put before Sources
and Catalog.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import metrics

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageEntry:
    file: str  # relative to the project root, as st.Page and AppTest.switch_page name it
    title: str
    icon: str
    url_path: str


FIRST = (
    PageEntry("pages/overview.py", "Overview", ":material/dashboard:", ""),
    PageEntry("pages/delivery.py", "Delivery", ":material/local_shipping:", "delivery"),
    PageEntry("pages/retention.py", "Retention", ":material/autorenew:", "retention"),
    PageEntry("pages/satisfaction.py", "Satisfaction", ":material/sentiment_satisfied:", "satisfaction"),
    PageEntry("pages/voice.py", "Voice", ":material/forum:", "voice"),
    PageEntry("pages/segments.py", "Segments", ":material/groups:", "segments"),
)
LAST = (
    PageEntry("pages/sources.py", "Sources", ":material/database:", "sources"),
    PageEntry("pages/catalog.py", "Catalog", ":material/menu_book:", "catalog"),
)
DISCOVERED_ICON = ":material/query_stats:"


def rendered_metric(source: str) -> str | None:
    """The metric a page file draws with `metric_page.render("area.name")`, if it does."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "render"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            return node.args[0].value
    return None


def discovered(root: Path = ROOT) -> list[PageEntry]:
    """Page files beyond the core ones, by file name, each titled after the metric it renders."""
    known = {p.file for p in (*FIRST, *LAST)}
    found = []
    for path in sorted((root / "pages").glob("*.py")):
        file = path.relative_to(root).as_posix()
        if file in known or path.name.startswith("_"):
            continue
        name = rendered_metric(path.read_text(encoding="utf-8"))
        title = metrics.spec(name).title if name in metrics.names() else path.stem.replace("_", " ").capitalize()
        found.append(PageEntry(file, title, DISCOVERED_ICON, path.stem))
    return found


def entries(root: Path = ROOT) -> list[PageEntry]:
    return [*FIRST, *discovered(root), *LAST]


def app_pages(root: Path = ROOT) -> list[st.Page]:
    """st.Page objects for st.navigation, the overview first (the default page)."""
    return [
        st.Page(e.file, title=e.title, icon=e.icon, url_path=e.url_path, default=e.url_path == "")
        for e in entries(root)
    ]
