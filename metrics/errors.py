"""Errors a caller can act on; the CLI and UI show their message as one line."""


class MetricError(ValueError):
    """Base: bad input to a metric (unknown name, missing table or column, bad argument)."""


class UnknownMetric(MetricError):
    pass


class MissingData(MetricError):
    """A table or column the metric requires is not in the data."""
