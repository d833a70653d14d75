"""The app's one way to get data: a cached Dataset built from the sources file.

Sources file: $OUTSIDEIN_SOURCES, else ./sources.toml, else the built-in sample data.
Each load unit (one table, or all tabs of one Google spreadsheet: one request) is cached
for its entry's ttl, keyed by the entry's configuration as JSON text (never by frames).
st.cache_resource rather than st.cache_data: the frames (mostly lazy plans over the source)
are shared read-only instead of unpickled on every rerun, and the Dataset keeps its identity
until something reloads. When a ttl expires the reload runs in the background
(refresh_mode="background"): viewers keep the last data meanwhile, and the old data is
released once the new has replaced it. Only the first load of a unit, or "Refresh data", waits.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from connectors import loader
from connectors.contract import TABLE_NAMES
from connectors.dataset import Dataset
from connectors.sources import SourceEntry, SourcesError, default_sources_path, read_sources
from ui import format as fmt
from ui import readiness

_LOADERS: dict[float, Callable[[str], tuple[str, list[loader.Loaded]]]] = {}
_LOADERS_LOCK = threading.Lock()
_ASSEMBLED: dict[str, tuple[str, Dataset]] = {}  # "last" -> (version, dataset)
_LOG = logging.getLogger(__name__)


def dataset() -> Dataset:
    """The validated tables, their quarantine and per-table status (stops the page on a broken sources file)."""
    built = _current()[1]
    readiness.mark_ready()  # /healthz says ready once data has loaded
    return built


def version() -> str:
    """Changes whenever any table is reloaded; part of every metric cache key."""
    return _current()[0]


def refresh() -> None:
    """Forget every cached load so the next dataset() reads the sources again ("Refresh data")."""
    with _LOADERS_LOCK:
        for cached in _LOADERS.values():
            cached.clear()
    _sample.clear()


def warm_up() -> threading.Thread:
    """Load every table now, in a background thread (at server start: see asgi.py), so the first viewer
    finds the data cached instead of waiting for it. A broken sources file is left for the pages to say."""

    def load() -> None:
        started = time.perf_counter()
        try:
            _load()
            readiness.mark_ready()  # tables loaded: /healthz may send viewers here
            _LOG.info("data warm-up: every table loaded in %.1f s", time.perf_counter() - started)
            _default_view()
        except Exception as exc:  # the pages show it; a warm-up has no one to tell but the log
            _LOG.warning("data warm-up failed: %s", exc)
            return
        _LOG.info("data warm-up: tables and the default view's metrics ready in %.1f s", time.perf_counter() - started)

    thread = threading.Thread(target=load, name="outside-in-data-warm-up", daemon=True)
    thread.start()
    return thread


def _default_view() -> None:
    """Compute every metric for the view a link without filters opens (the whole date range, every region
    and segment), by period and over the window, into the pages' metric cache: the first viewer's draw is
    then served from it instead of computing on the full tables."""
    import metrics
    from ui import query, state

    choices = query.choices()
    default = state.Filters(choices.first, choices.last)
    for name in metrics.names():
        for grain in (default.grain, "all"):
            with contextlib.suppress(metrics.MetricError):  # a metric the data cannot feed: its page says why
                query.metric(name, default, grain=grain)


def _current() -> tuple[str, Dataset]:
    try:
        return _load()
    except (SourcesError, OSError) as exc:
        st.error(f"**Sources file problem:** {exc}", icon=":material/error:")
        st.stop()


def _load() -> tuple[str, Dataset]:
    """(version, Dataset) from the caches, loading what is missing; raises on an unusable sources file."""
    path = default_sources_path()
    if path is None:
        return _sample()
    groups = _planned(str(path), Path(path).stat().st_mtime_ns)
    tokens, results = [], []
    for ttl, config in groups:
        token, loaded = _loader_for(ttl)(config)
        tokens.append(token)
        results.extend(loaded)
    key = str(path) + "|" + "|".join(tokens)
    with _LOADERS_LOCK:
        last = _ASSEMBLED.get("last")
        if last is None or last[0] != key:
            # A new version is assembled once per reload; the previous Dataset is dropped here, so data only
            # that version held (in-memory tables) is released once the new one is ready.
            last = _ASSEMBLED["last"] = (key, loader.assemble(results))
    return last


@functools.lru_cache(maxsize=4)
def _planned(path: str, mtime_ns: int) -> tuple[tuple[float, str], ...]:
    """The sources file as load units (ttl, entries as JSON): read and parsed once per version of the file.

    dataset() and version() run on every metric call of every rerun; the file is not re-read each time.
    """
    del mtime_ns  # part of the cache key: an edited file is read again
    return tuple(
        (min(entry.ttl for entry in group), json.dumps([entry.to_json() for entry in group]))
        for group in loader.plan(read_sources(path))
    )


@st.cache_resource(show_spinner="Loading sample data...")
def _sample() -> tuple[str, Dataset]:
    return "sample-" + uuid.uuid4().hex, loader.sample_dataset()


def _loader_for(ttl: float) -> Callable[[str], tuple[str, list[loader.Loaded]]]:
    """One cached loader per ttl: st caches are per function, and ttl is fixed per function."""
    with _LOADERS_LOCK:
        if ttl not in _LOADERS:

            def load_group(group_json: str) -> tuple[str, list[loader.Loaded]]:
                group = [SourceEntry.from_json(text) for text in json.loads(group_json)]
                return uuid.uuid4().hex, loader.load_group(group, _app_context())

            # A distinct name gives each ttl its own cache (streamlit keys caches by qualname + source).
            load_group.__qualname__ = f"load_group_ttl_{ttl:g}".replace(".", "_")
            cache = st.cache_resource(
                ttl=ttl, max_entries=256, show_spinner="Loading data...", refresh_mode="background"
            )
            _LOADERS[ttl] = cache(load_group)
        return _LOADERS[ttl]


def _app_context() -> loader.LoadContext:
    from connectors.st_gsheets import GSheetsConnection

    secrets: dict[str, Any] = st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}

    def client() -> Any:
        return st.connection("gsheets", type=GSheetsConnection).client

    return loader.LoadContext(secrets, client)


# ---------------------------------------------------------------- helpers for pages/sources.py


def status_table(ds: Dataset, now: datetime | None = None) -> pl.DataFrame:
    """One row per configured table, for display: where from, rows, how old, when it is read again."""
    now = now or datetime.now()
    rows = [
        {
            "table": s.table,
            "kind": s.kind,
            "from": s.where,
            "rows": s.rows,
            "quarantined": s.quarantined,
            "loaded at": s.loaded_at,
            "age": fmt.age(now - s.loaded_at) if s.loaded_at else "",
            "next refresh": s.next_refresh,
            "held": "" if s.error and not s.stale_since else "queried in place" if s.in_place else "in memory",
            "stale since": s.stale_since,
            "error": s.error or "",
        }
        for s in ds.status
    ]
    schema = {"table": pl.String, "kind": pl.String, "from": pl.String, "rows": pl.Int64, "quarantined": pl.Int64}
    schema |= {"loaded at": pl.Datetime("us"), "age": pl.String, "next refresh": pl.Datetime("us")}
    schema |= {"held": pl.String, "stale since": pl.Datetime("us"), "error": pl.String}
    return pl.DataFrame(rows, schema=schema)


def problem_lines(ds: Dataset) -> list[tuple[str, bool]]:
    """(Markdown sentence, still serving older data) for each table that failed to load.

    Errors name their source for the CLI and logs ("uri › table: reason"); the sentence gives the
    location once. Locations and reasons are escaped: a query's `*` or a table's `_` show as written.
    """
    lines = []
    for s in ds.status:
        if not s.error:
            continue
        reason = s.error.removeprefix(f"{s.where}: ")
        line = f"**{fmt.md_escape(s.table)}** ({fmt.md_escape(s.where)}): {fmt.md_escape(reason)}"
        if s.stale_since:
            line += f". Showing data loaded {s.stale_since:%Y-%m-%d %H:%M}."
        lines.append((line, s.stale_since is not None))
    return lines


def missing_tables(ds: Dataset) -> list[str]:
    """Contract tables the Dataset lacks (not configured, or failed to load)."""
    return [name for name in TABLE_NAMES if name not in ds.tables]


def quarantined_tables(ds: Dataset) -> list[str]:
    tables = set(ds.counts.get_column("table").to_list())
    tables |= set(ds.quarantine.get_column("table").to_list()) if ds.quarantine.height else set()
    return sorted(tables)


def quarantine_of(ds: Dataset, table: str) -> pl.DataFrame:
    return ds.quarantine.filter(pl.col("table") == table).sort("source", "row", "column")


def quarantine_counts(ds: Dataset, table: str) -> pl.DataFrame:
    """column, reason, rows: every row that breaks each rule (the quarantine itself keeps a sample)."""
    counts = ds.counts.filter(pl.col("table") == table).drop("table")
    return counts.sort(["rows", "column", "reason"], descending=[True, False, False])


def quarantined_in(ds: Dataset, table: str) -> int:
    """Rows of `table` set aside, all of them."""
    status = next((s for s in ds.status if s.table == table), None)
    return status.quarantined if status else quarantine_of(ds, table).select("source", "row").n_unique()


def quarantine_csv(ds: Dataset, table: str) -> bytes:
    return quarantine_of(ds, table).write_csv().encode()
