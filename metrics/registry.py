"""Finds every MetricSpec defined in the modules of the `metrics` package."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from metrics.spec import MetricSpec

# Modules of the package that hold machinery, not metrics.
_FRAMEWORK = {
    "spec",
    "registry",
    "api",
    "periods",
    "intervals",
    "interval_formulas",
    "cli",
    "errors",
    "__main__",
    "scaffold",
    "frames",
    "taxonomy",
    "nps",
    "analysis",
}


class RegistryError(RuntimeError):
    """Two metrics share a name, or a spec is broken: fail loudly at import."""


def collect(modules) -> dict[str, MetricSpec]:
    found: dict[str, MetricSpec] = {}
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, MetricSpec):
                continue
            try:
                value.check()
            except ValueError as err:
                raise RegistryError(f"{module.__name__}: {err}") from err
            other = found.get(value.name)
            if other is not None and other is not value:
                raise RegistryError(f"duplicate metric name {value.name!r} (in {module.__name__})")
            found[value.name] = value
    for spec in found.values():
        if spec.twin is not None and spec.twin not in found:
            raise RegistryError(f"metric {spec.name!r} names unknown twin {spec.twin!r}")
    return dict(sorted(found.items()))


@cache
def registry() -> dict[str, MetricSpec]:
    import metrics

    modules = [
        importlib.import_module(f"metrics.{info.name}")
        for info in pkgutil.iter_modules(metrics.__path__)
        if info.name not in _FRAMEWORK and not info.name.startswith("_")
    ]
    return collect(modules)
