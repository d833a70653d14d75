"""Shared by the load benchmarks: the filtered views sessions open, percentiles, replica memory."""

from __future__ import annotations

import statistics
from pathlib import Path

from connectors.sample import REGIONS, SEGMENTS

_PAGES = ("delivery", "", "satisfaction", "retention", "voice", "segments")
_GRAINS = ("month", "week", "quarter")


def views(count: int) -> list[tuple[str, str]]:
    """`count` different filtered views as (page url path, query string), round-robin over the pages."""
    regions, segments = (*REGIONS, None), (None, *SEGMENTS)
    out = []
    for i in range(count):
        region, grain = regions[(i // 6 + i) % len(regions)], _GRAINS[(i // 2) % len(_GRAINS)]
        segment = segments[(i // 3) % len(segments)]
        pairs = (("region", region), ("grain", grain), ("segment", segment))
        out.append((_PAGES[i % len(_PAGES)], "&".join(f"{k}={v.replace(' ', '+')}" for k, v in pairs if v)))
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def rss_mb(pid: int) -> float:
    """Resident memory of one process (and its children: a replica is one Python process) in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
