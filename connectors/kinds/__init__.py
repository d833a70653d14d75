"""Every kind of source, one module each: `connector(kind)` finds the module that serves it.

Adding a kind is one file here defining `CONNECTOR = <a Connector subclass>()`; sources.toml
accepts it, the loader plans, validates and caches it like any other.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from connectors.kinds.base import Connector, LoadContext, Piece

__all__ = ["Connector", "LoadContext", "Piece", "connector", "connectors", "kinds"]

# The order sources.toml's error message lists them in; kinds added later follow, by name.
_FIRST = ("sample", "csv", "parquet", "excel", "gsheets", "sql", "spark")


@functools.cache
def connectors() -> dict[str, Connector]:
    found: dict[str, Connector] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            instance = getattr(importlib.import_module(f"{__name__}.{module.name}"), "CONNECTOR", None)
            if isinstance(instance, Connector):
                found[instance.kind] = instance
    order = [k for k in _FIRST if k in found] + sorted(set(found) - set(_FIRST))
    return {kind: found[kind] for kind in order}


def kinds() -> tuple[str, ...]:
    return tuple(connectors())


def connector(kind: str) -> Connector:
    return connectors()[kind]
