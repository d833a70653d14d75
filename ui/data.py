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
import hashlib
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
_ASSEMBLED: dict[str, tuple[str, str, Dataset]] = {}  # "last" -> (loads' key, data version, dataset)
_LOG = logging.getLogger(__name__)


def dataset() -> Dataset:
    """The validated tables, their quarantine and per-table status (stops the page on a broken sources file)."""
    built = _current()[1]
    if threading.current_thread().name != _WARM_UP:
        readiness.mark_ready()  # a viewer got data (also where no warm-up runs): /healthz says ready
    return built


def version() -> str:
    """The data's version, part of every metric cache key: it changes when a reload finds changed data (or a
    table the loader cannot version), and stays when a ttl reload finds the same files and rows, so the
    metrics computed before are served again instead of recomputed."""
    return _current()[0]


def refresh() -> None:
    """Forget every cached load so the next dataset() reads the sources again ("Refresh data")."""
    with _LOADERS_LOCK:
        for cached in _LOADERS.values():
            cached.clear()
    _sample.clear()


_WARM_UP = "outside-in-data-warm-up"  # the thread's name: its loads do not mark the replica ready

# What the Overview (`/`, where a shared link without a page lands) computes for the default view, as
# (metric, grain, by) with grain None = the view's grain: warmed before /healthz says ready, so the first
# viewer's draw is served from the cache. A call missing here is only computed on that first draw.
OVERVIEW_FIRST: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    *(
        (name, None, ())
        for name in (
            "delivery.on_time_shipped",
            "delivery.on_time_received",
            "delivery.lead_time_internal",
            "delivery.lead_time_customer",
            "satisfaction.nps",
            "satisfaction.review_rating",
            "satisfaction.csat",
            "satisfaction.ces",
            "retention.three_month",
            "retention.repeat_purchase_rate",
            "voice.themes",
        )
    ),
    ("delivery.on_time_shipped", "all", ("region",)),
    ("delivery.on_time_received", "all", ("region",)),
    *(
        (name, "all", ())
        for name in (
            "delivery.on_time_shipped",
            "delivery.on_time_received",
            "delivery.lead_time_internal",
            "delivery.lead_time_customer",
            "satisfaction.rating_by_delivery",
        )
    ),
)


# The options a page asks a metric for (none: the metric's defaults), so that the later warm-up fills the cache
# entry the page reads: the Segments page draws segments.rfm per named segment (ui/segments/data.py).
PAGE_OPTIONS: dict[str, dict[str, str]] = {"segments.rfm": {"rows": "segment"}}


def warm_up() -> threading.Thread:
    """Load every table now, in a background thread (at server start: see asgi.py), then fill the metric
    cache for the Overview's default view at every Period choice, and only then say ready (/healthz): the
    first viewer a proxy sends finds the page computed, and so does their first Period change (the Overview's
    one filter that redraws every number; at 20M orders recomputing it took about 15 s). The other pages'
    default views follow, each metric when no viewer's page has run for a moment. A broken sources file is
    left for the pages to say."""

    def load() -> None:
        started = time.perf_counter()
        try:
            _load()
            _LOG.info("data warm-up: every table loaded in %.1f s", time.perf_counter() - started)
            _default_view(first_only=True)
            readiness.mark_ready()  # /healthz may send viewers here: their first draw is cached
            _LOG.info("data warm-up: the Overview's default view ready in %.1f s", time.perf_counter() - started)
            _default_view(first_only=False)
        except Exception as exc:  # the pages show it; a warm-up has no one to tell but the log
            _LOG.warning("data warm-up failed: %s", exc)
            return
        _LOG.info("data warm-up: every page's default view ready in %.1f s", time.perf_counter() - started)

    _log_to_stderr()
    _quiet_missing_context_warning()
    thread = threading.Thread(target=load, name=_WARM_UP, daemon=True)
    thread.start()
    return thread


def _log_to_stderr() -> None:
    """The warm-up's progress (tables loaded, ready, every page warm) in the server's log: Streamlit sets up only
    its own loggers, so without a handler these INFO lines went nowhere (bench/data_bench.py waits for them)."""
    if not _LOG.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        _LOG.addHandler(handler)
        _LOG.setLevel(logging.INFO)


# Streamlit's logger for the warning below (propagate=False: a filter must sit on this very logger).
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _WarmUpContextFilter(logging.Filter):
    """Drops "Thread 'outside-in-data-warm-up': missing ScriptRunContext!" and nothing else.

    The warm-up calls the pages' cached functions with no session on purpose, to fill the caches every session
    shares, and Streamlit warns on each call made outside a script run: 7-14 lines at every replica start that
    say nothing wrong. The same warning from any other thread (e.g. one a page starts) still shows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == _WARM_UP and "missing ScriptRunContext" in str(record.msg))


def _quiet_missing_context_warning() -> None:
    logger = logging.getLogger(_CONTEXT_LOGGER)
    if not any(isinstance(f, _WarmUpContextFilter) for f in logger.filters):
        logger.addFilter(_WarmUpContextFilter())


def _default_view(*, first_only: bool) -> None:
    """Compute, into the pages' metric cache, the view a link without filters opens (the whole date range,
    every region and segment): with `first_only` what the Overview draws (OVERVIEW_FIRST) at the default
    grain, then at the other Period choices; else every metric by period and over the window (the other
    pages). The first viewer's draws are then served from the cache."""
    import metrics
    from ui import query, state

    choices = query.choices()
    default = state.Filters(choices.first, choices.last)
    if first_only:
        grains = overview_grains(default.grain)
        calls = [
            (name, grain or g, by)
            for g in grains
            for name, grain, by in OVERVIEW_FIRST
            if grain is None or g == grains[0]
        ]
    else:
        # A series by period and over the window; a table or cohort metric only as its page asks for it (the
        # view's grain): at 20M orders a second copy of segments.rfm's per-customer table held about 0.35 GB.
        calls = [
            (name, grain, ())
            for name in metrics.names()
            for grain in ((default.grain, "all") if metrics.spec(name).kind == "series" else (default.grain,))
        ]
    for name, grain, by in calls:
        if not first_only:
            _yield_to_viewers()
        with contextlib.suppress(metrics.MetricError):  # a metric the data cannot feed: its page says why
            query.metric(name, default, by=by, grain=grain, **PAGE_OPTIONS.get(name, {}))


def overview_grains(default: str) -> list[str]:
    """The Period choices in the order the warm-up computes the Overview: the default, then the others
    nearest first (a quarter before a week: the coarser view is the usual next question)."""
    from ui import state

    at = state.GRAINS.index(default)
    return sorted(state.GRAINS, key=lambda g: (abs(state.GRAINS.index(g) - at), -state.GRAINS.index(g)))


_LAST_VIEWER = [float("-inf")]  # when the warm-up last saw a viewer's page run (time.monotonic)


def _yield_to_viewers(poll_s: float = 0.1, at_most_s: float = 30.0, quiet_s: float = 1.5) -> None:
    """Wait while a viewer's page runs and for `quiet_s` after it was last seen running (at most `at_most_s`):
    the warm-up's later part fills the cache for views nobody asked for yet, and must not slow the draws
    people wait for on a small machine. A viewer's next rerun (a filter change) follows the last within a
    second, so no metric is started in that gap, where it would share the cores with the rerun."""
    waited = 0.0
    while waited < at_most_s:
        now = time.monotonic()
        if _viewers_running():
            _LAST_VIEWER[0] = now
        elif now - _LAST_VIEWER[0] >= quiet_s:
            return
        time.sleep(poll_s)
        waited += poll_s


def _viewers_running() -> bool:
    """Whether some session's script is running now (Streamlit's own session state; False when unknown)."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.app_session import AppSessionState

        if not Runtime.exists():
            return False
        sessions = Runtime.instance()._session_mgr.list_active_sessions()
        return any(info.session._state == AppSessionState.APP_IS_RUNNING for info in sessions)
    except Exception:  # an internal of Streamlit's that moved: warm up without waiting
        return False


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
            # A new Dataset is assembled once per reload (fresh status: age, next refresh); the previous one is
            # dropped here, so data only that load held (in-memory tables) is released once the new one is ready.
            versions = "|".join(f"{r.status.table}={r.status.version}" for r in results)
            data_version = hashlib.sha256(f"{path}|{versions}".encode()).hexdigest()[:16]
            last = _ASSEMBLED["last"] = (key, data_version, loader.assemble(results))
    return last[1], last[2]


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
