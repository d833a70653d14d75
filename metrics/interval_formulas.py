"""The interval formulas, written once for both expression libraries.

Polars (metrics/intervals.py, on small collected results) and narwhals (metrics/_ci.py, inside lazy
queries every backend runs) pass their own expressions and `when`; the arithmetic below is the same
text for both, so a Wilson or adjusted-Wald bound cannot differ between a card and a table metric.
Inputs are already cast to floats; the caller guards n = 0.
"""

from __future__ import annotations

from typing import Any

Z = 1.959963984540054  # the 97.5 % normal quantile: two-sided 95 % intervals


def wilson(k: Any, total: Any, when: Any) -> tuple[Any, Any]:
    """Wilson score interval for k successes of `total`; exactly 0 at k = 0 and 1 at k = total (float noise
    would put the bound a hair off)."""
    p = k / total
    denom = 1 + Z**2 / total
    centre = (p + Z**2 / (2 * total)) / denom
    half = Z * ((p * (1 - p) / total + Z**2 / (4 * total**2)).sqrt()) / denom
    low = when(k == 0).then(0.0).otherwise((centre - half).clip(0, 1))
    high = when(k == total).then(1.0).otherwise((centre + half).clip(0, 1))
    return low, high


def nps_adjusted_wald(n: Any, promoters: Any, detractors: Any) -> tuple[Any, Any]:
    """Adjusted Wald (Rocks 2016): n' = n + 3, P' = (P + 3/4) / n', D' = (D + 3/4) / n', in NPS points,
    clipped to [-100, 100]. Centred on the adjusted NPS, so for n = 1 it can exclude the raw score."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    score = p - d
    half = Z * ((p + d - score**2) / n_adj).sqrt()
    return (100 * (score - half)).clip(-100, 100), (100 * (score + half)).clip(-100, 100)
