"""Errors the digest and alert commands report as one line (exit status 2), naming the file and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any


class DecisionError(Exception):
    """Bad input or a refused delivery: the message names the file, rule or server and what is wrong."""


def header_lines(text: str, name: str) -> list[int]:
    """The line number (1-based) of each `[[name]]` header in a TOML text, in order, so an error about the
    n-th entry can name its line (tomllib keeps no positions). Entries written inline have no header."""
    header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]\s*(#.*)?$")
    return [number for number, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def entry_label(path: object, name: str, index: int, lines: list[int]) -> str:
    """'<path>, line 12: [[name]] #3' (the entry's header line when it has one; `index` counts from 1)."""
    where = f", line {lines[index - 1]}" if index <= len(lines) else ""
    return f"{path}{where}: [[{name}]] #{index}"


def read_toml(path: Path, what: str, entry: str) -> tuple[dict[str, Any], list[int]]:
    """A config file's TOML and the line of each `[[entry]]` header (for entry_label); `what` names the file
    in the error ("alerts config", "targets file") when it is missing or not valid TOML."""
    if not path.is_file():
        raise DecisionError(f"{what} {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:  # its message names the line and column
        raise DecisionError(f"{path} is not valid TOML: {err}") from None
    return data, header_lines(text, entry)
