"""Outside-In metrics: `names()`, `spec(name)`, `compute(name, tables, ...)`.

Each metric is a frozen MetricSpec plus a pure narwhals function (see metrics/spec.py).
"""

from metrics.api import compute, names, spec
from metrics.errors import MetricError, MissingData, UnknownMetric
from metrics.spec import MetricSpec, Query

__all__ = ["MetricError", "MetricSpec", "MissingData", "Query", "UnknownMetric", "compute", "names", "spec"]
