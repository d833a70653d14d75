"""Keep the server's long-lived heap out of the garbage collector's full passes.

Streamlit runs a full collection (`gc.collect(2)`) after every script run (`runner.postScriptGC`): it walks
every container object the process holds, and most of them live as long as the process (modules, classes,
functions; Altair's schema classes alone are thousands). With about 190k such objects that walk cost
0.10-0.14 CPU s per run (measured: bench/README.md), a large share of one view's server CPU and most of a
one-chart page's. `gc.freeze()` moves the objects alive at that moment to a generation the collector never
walks; the post-run collection then walks only what was made since (3 ms in the same measurement). Memory
stays bounded: objects made later are collected as before, and what is frozen is the app's code and the
modules it imports, which live until the process ends anyway.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import threading

import streamlit as st

import ui

_DONE = threading.Event()
_LOCK = threading.Lock()


def freeze_long_lived() -> None:
    """Once per server process, at the start of its first script run: import what the pages use, then collect
    and freeze what is alive (the process's modules and the data set's few Python objects; no session's page
    has run yet). Not in AppTest or bare mode (no Runtime): a test process's heap is not the server's."""
    if _DONE.is_set() or not _in_server():
        return
    with _LOCK:
        if _DONE.is_set():
            return
        # Every module below ui/ first (the page packages, the chart frame and Altair, which pages would
        # otherwise import on their first run): their objects are frozen too instead of walked after every run.
        for info in pkgutil.walk_packages(ui.__path__, "ui."):
            importlib.import_module(info.name)
        gc.collect()
        gc.freeze()
        _DONE.set()


def _in_server() -> bool:
    return st.runtime.exists()
