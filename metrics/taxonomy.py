"""The theme taxonomy for voice-of-customer metrics, read from an editable TOML file.

Shipped defaults live in metrics/themes.toml; OUTSIDEIN_THEMES=/path/to/file.toml
points at another file. Matching is case-insensitive on word boundaries, with the
keywords escaped, so a regex every backend runs (Polars, DuckDB, Spark) does the work.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from metrics.errors import MetricError

DEFAULT_PATH = Path(__file__).with_name("themes.toml")
ENV_VAR = "OUTSIDEIN_THEMES"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Theme:
    id: str  # stable key in outputs, e.g. "delivery_speed"
    label: str  # shown in the UI, e.g. "Delivery speed"
    keywords: tuple[str, ...]

    @property
    def pattern(self) -> str:
        """`(?i)\\b(kw1|kw2)\\b` with each keyword escaped (spaces inside phrases kept literal)."""
        return r"(?i)\b(" + "|".join(re.escape(k) for k in self.keywords) + r")\b"


def themes_path(path: str | os.PathLike | None = None) -> Path:
    """The file to read: `path` if given, else $OUTSIDEIN_THEMES, else the shipped defaults."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_themes(path: str | os.PathLike | None = None) -> tuple[Theme, ...]:
    """Themes in file order; raises MetricError with one line naming the file and the problem."""
    where = themes_path(path)
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as err:
        raise MetricError(f"cannot read theme taxonomy {where}: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise MetricError(f"theme taxonomy {where} is not valid TOML: {err}") from None
    table = data.get("themes")
    if not isinstance(table, dict) or not table:
        raise MetricError(f"theme taxonomy {where} has no [themes.<id>] tables")
    return tuple(_theme(where, key, value) for key, value in table.items())


def _theme(where: Path, key: str, value: object) -> Theme:
    problem = f"theme taxonomy {where}: theme {key!r}"
    if not _ID.match(key):
        raise MetricError(f"{problem}: id must be lowercase letters, digits and _")
    if not isinstance(value, dict):
        raise MetricError(f"{problem} must be a table with label and keywords")
    label, keywords = value.get("label", key), value.get("keywords")
    if not isinstance(label, str) or not label.strip():
        raise MetricError(f"{problem}: label must be a non-empty string")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise MetricError(f"{problem}: keywords must be a non-empty list of non-empty strings")
    return Theme(key, label, tuple(k.strip() for k in keywords))
