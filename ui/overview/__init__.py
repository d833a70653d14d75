"""The Overview page's own pieces (data.py).

TWIN_PAIRS and CUSTOMER_KPIS are re-exported because decisions/findings.py imports them from ui.overview.
"""

from ui.overview.data import CUSTOMER_KPIS, TWIN_PAIRS

__all__ = ["CUSTOMER_KPIS", "TWIN_PAIRS"]
