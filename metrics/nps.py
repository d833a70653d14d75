"""The NPS groups, defined once: promoters score 9-10, passives 7-8, detractors 0-6 (on the 0-10 scale).

The NPS metric, theme impact, the segment profile and the 0-10 distribution all read them from here.
The helpers take a score expression of either library (narwhals or Polars): comparisons read the same.
"""

from __future__ import annotations

from typing import Any

PROMOTER_MIN, DETRACTOR_MAX = 9, 6
GROUPS = ("detractors", "passives", "promoters")  # low to high


def promoter(score: Any) -> Any:
    return score >= PROMOTER_MIN


def detractor(score: Any) -> Any:
    return score <= DETRACTOR_MAX
