"""ui.heap: the long-lived heap is frozen once per server process, so Streamlit's post-run full collection
walks only what a run made (bench/README.md: 0.10-0.14 CPU s per run before, 3 ms after)."""

from __future__ import annotations

import gc
import sys

import pytest

from ui import heap


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(heap, "_in_server", lambda: True)  # as inside `streamlit run`
    monkeypatch.setattr(heap, "_DONE", type(heap._DONE)())
    yield
    gc.unfreeze()  # the test process's heap goes back to the collector


def test_freezes_once_with_every_ui_module_imported(fresh) -> None:
    before = len(gc.get_objects())
    heap.freeze_long_lived()
    assert gc.get_freeze_count() > 0
    assert len(gc.get_objects()) < before / 10  # what a full collection still walks
    assert {"ui.delivery.charts", "ui.satisfaction.data", "ui.charts_trend", "altair"} <= set(sys.modules)
    frozen = gc.get_freeze_count()
    kept = [object() for _ in range(3)]
    box = [kept]  # a container made after the freeze stays the collector's
    heap.freeze_long_lived()  # a later run: no second freeze
    assert gc.get_freeze_count() == frozen
    assert any(o is box for o in gc.get_objects())


def test_not_in_apptest_or_bare_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_DONE", type(heap._DONE)())
    gc.unfreeze()
    heap.freeze_long_lived()  # no Runtime here
    assert gc.get_freeze_count() == 0
