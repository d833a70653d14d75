"""The Catalog page's own pieces (data.py: the catalog as tables and text).

METRIC is re-exported because decisions/links.py imports it from ui.catalog.
"""

from ui.catalog.data import METRIC

__all__ = ["METRIC"]
