"""Shared by the load benchmarks: the filtered views sessions open, percentiles, replica memory."""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path

from connectors.sample import REGIONS, SEGMENTS

_PAGES = ("delivery", "", "satisfaction", "retention", "voice", "segments")
_GRAINS = ("month", "week", "quarter")


def views(count: int) -> list[tuple[str, str]]:
    """`count` different filtered views (up to 630) as (page url path, query string), round-robin over pages."""
    combos = list(itertools.product((*REGIONS, None), _GRAINS, (None, *SEGMENTS), _PAGES))
    out = []
    for i in range(count):  # a stride coprime with len(combos) visits each once; 97 % 6 == 1 keeps pages in turn
        region, grain, segment, page = combos[(i * 97) % len(combos)]
        pairs = (("region", region), ("grain", grain), ("segment", segment))
        out.append((page, "&".join(f"{k}={v.replace(' ', '+')}" for k, v in pairs if v)))
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


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (uptime's): printed next to every figure, the machine is shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
