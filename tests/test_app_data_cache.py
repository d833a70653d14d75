"""The app's metric cache (ui.query) keyed on the data's version (ui.data.version), and the warm-up at server
start (ui.data.warm_up) that fills it for the Overview before /healthz says ready."""

from __future__ import annotations

import logging
import threading

import polars as pl
import pytest

import metrics
from metrics.segments import RFM_RULES
from tests.apptest import run_page
from ui import data, query, readiness, state


@pytest.fixture
def app_sources(tmp_path, monkeypatch):
    from connectors.sample import generate

    folder = tmp_path / "lake"
    folder.mkdir()
    tables = generate(n_orders=2_000)
    lines = []
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
        lines.append(f'[tables.{name}]\nkind = "parquet"\npath = "{folder / name}.parquet"\nttl = "10m"\n')
    sources = tmp_path / "sources.toml"
    sources.write_text("\n".join(lines))
    monkeypatch.setenv("OUTSIDEIN_SOURCES", str(sources))
    return folder, tables


def test_an_unchanged_reload_keeps_the_cached_metrics_and_a_changed_one_recomputes(app_sources, monkeypatch):
    folder, tables = app_sources
    computed: list[str] = []
    real = metrics.compute

    def counting(name, *args, **kwargs):
        computed.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(metrics, "compute", counting)
    data.refresh()  # the app's caches are process-wide: start from this sources file
    choices = query.choices()
    view = state.Filters(choices.first, choices.last)
    before = query.metric("delivery.on_time_shipped", view)
    assert computed == ["delivery.on_time_shipped"]
    version = data.version()

    data.refresh()  # what a ttl expiry does: the tables are read again
    assert data.version() == version
    assert query.metric("delivery.on_time_shipped", view).equals(before)
    assert computed == ["delivery.on_time_shipped"]  # served from the cache

    orders = tables["orders"]
    orders.with_columns(shipped_date=pl.col("promised_date")).write_parquet(folder / "orders.parquet")
    data.refresh()
    assert data.version() != version
    after = query.metric("delivery.on_time_shipped", view)
    assert computed == ["delivery.on_time_shipped"] * 2  # the new data's numbers, computed
    assert not after.equals(before)


def test_the_warm_up_computes_the_overview_at_every_period_before_it_says_ready_and_the_first_draws_compute_nothing(
    app_sources, monkeypatch
):
    calls: list[tuple[str, bool]] = []
    real = metrics.compute

    def recording(name, *args, **kwargs):
        calls.append((name, readiness.is_ready()))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(metrics, "compute", recording)
    monkeypatch.setattr(readiness, "_READY", readiness.threading.Event())
    data.refresh()
    query._compute.clear()  # a server starts with an empty metric cache
    data.warm_up().join(600)
    assert readiness.is_ready()
    before_ready = [name for name, ready in calls if not ready]
    # The Overview's calls at each Period choice (those over the whole window once), then ready, then the rest.
    per_grain = sum(1 for _, grain, _ in data.OVERVIEW_FIRST if grain is None)
    fixed = len(data.OVERVIEW_FIRST) - per_grain
    assert len(before_ready) == per_grain * len(state.GRAINS) + fixed
    assert len(calls) > len(before_ready)
    calls.clear()
    run_page()  # the first viewer's draw of `/`
    for grain in state.GRAINS:  # and their first Period change
        run_page(query={state.GRAIN: grain})
    assert calls == []  # every number they show came from the warm-up


def test_the_overview_is_warmed_at_the_default_period_first_then_the_nearest_coarser_first():
    assert data.overview_grains("month") == ["month", "quarter", "week"]
    assert data.overview_grains("week") == ["week", "month", "quarter"]
    assert data.overview_grains("quarter") == ["quarter", "month", "week"]


def test_the_later_warm_up_waits_while_a_viewers_page_runs(app_sources, monkeypatch):
    busy = {"polls": 0}

    def viewer_running() -> bool:  # a page runs for the first five polls
        busy["polls"] += 1
        return busy["polls"] <= 5

    computed: list[int] = []
    real = metrics.compute

    def recording(name, *args, **kwargs):
        computed.append(busy["polls"])
        return real(name, *args, **kwargs)

    monkeypatch.setattr(data, "_viewers_running", viewer_running)
    monkeypatch.setattr(metrics, "compute", recording)
    data.refresh()
    query._compute.clear()
    data._default_view(first_only=False)
    assert computed and min(computed) >= 6  # nothing computed before the page was done


def test_the_later_warm_up_computes_a_table_metric_once_at_the_views_grain(app_sources, monkeypatch):
    grains: list[tuple[str, str]] = []
    real = metrics.compute

    def recording(name, tables, grain=None, **kwargs):
        grains.append((name, grain))
        return real(name, tables, grain=grain, **kwargs)

    monkeypatch.setattr(data, "_viewers_running", lambda: False)
    monkeypatch.setattr(metrics, "compute", recording)
    data.refresh()
    query._compute.clear()
    data._default_view(first_only=False)
    assert [g for n, g in grains if n == "segments.rfm"] == [state.DEFAULT_GRAIN]  # what pages/segments.py draws
    assert {g for n, g in grains if n == "delivery.on_time_shipped"} == {state.DEFAULT_GRAIN, "all"}


def test_the_later_warm_up_leaves_a_viewer_a_moment_for_their_next_rerun(monkeypatch):
    """After a viewer's page ran, the next metric starts only once no page has run for quiet_s: a filter change
    right after a draw does not share the cores with the warm-up."""
    started, seen = data.time.monotonic(), []

    def viewer_running() -> bool:  # a page runs for the first 0.3 s
        running = data.time.monotonic() - started < 0.3
        if running:
            seen.append(data.time.monotonic())
        return running

    monkeypatch.setattr(data, "_viewers_running", viewer_running)
    monkeypatch.setattr(data, "_LAST_VIEWER", [float("-inf")])
    data._yield_to_viewers(quiet_s=0.5)
    assert seen  # the page was seen running
    assert data.time.monotonic() - seen[-1] >= 0.5


def test_the_later_warm_up_fills_what_the_segments_page_reads_and_keeps_no_per_customer_table(app_sources, monkeypatch):
    """The Segments page draws segments.rfm per named segment: the warm-up computes that entry (a few rows), not
    the per-customer table (at 20M orders 4M rows, 0.35 GB pickled in the cache), and the page then computes
    no segment metric."""
    results: list[tuple[str, int]] = []
    real = metrics.compute

    def recording(name, *args, **kwargs):
        out = real(name, *args, **kwargs)
        results.append((name, out.height))
        return out

    monkeypatch.setattr(data, "_viewers_running", lambda: False)
    monkeypatch.setattr(metrics, "compute", recording)
    data.refresh()
    query._compute.clear()
    data._default_view(first_only=False)
    customers = query.metric("segments.summary", state.Filters(*_bounds())).get_column("customers").sum()
    rfm_rows = [height for name, height in results if name == "segments.rfm"]
    assert rfm_rows and max(rfm_rows) <= len(RFM_RULES) < customers
    results.clear()
    at = run_page("pages/segments.py")
    assert not at.exception
    assert [name for name, _ in results if name.startswith("segments.")] == []  # served from the warm-up


def _bounds():
    choices = query.choices()
    return choices.first, choices.last


@pytest.fixture
def context_warnings():
    """Streamlit's "missing ScriptRunContext" warnings as logged (its logger does not propagate: caplog misses it)."""
    from streamlit.runtime.scriptrunner_utils import script_run_context

    class Kept(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    handler = Kept()
    script_run_context._LOGGER.addHandler(handler)
    yield handler.records
    script_run_context._LOGGER.removeHandler(handler)


def test_the_warm_up_logs_no_missing_context_warning_and_other_threads_still_do(
    app_sources, monkeypatch, context_warnings
):
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    monkeypatch.setattr(readiness, "_READY", readiness.threading.Event())
    data.refresh()
    query._compute.clear()  # a fresh server: the warm-up computes, calling cached functions with no session
    data.warm_up().join(600)
    assert readiness.is_ready()
    assert [r.getMessage() for r in context_warnings] == []
    other = threading.Thread(target=get_script_run_ctx, name="a-page-thread")
    other.start()
    other.join()
    assert [r.threadName for r in context_warnings] == ["a-page-thread"], "only the warm-up's is dropped"
