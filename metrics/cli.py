"""`python -m metrics`: list metrics, compute one, scaffold a new one, send the digest and evaluate alerts.

User errors (unknown metric, bad date or grain, missing column, unreadable sources) exit with
status 2 and one line on stderr; OUTSIDEIN_DEBUG=1 shows the traceback of unexpected errors.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import narwhals as nw
import polars as pl

from metrics.spec import GRAINS

USER_ERROR = 2


class UserError(Exception):
    """Bad input from the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse prints usage + message; we want one line
        raise UserError(message)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not COL=VALUE")
    return key.strip(), value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m metrics", description="Outside-In metrics from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = sub.add_parser("list", help="list the registered metrics")
    listing.add_argument("--format", choices=("text", "json"), default="text")

    run = sub.add_parser("compute", help="compute one metric and write it as csv, json or parquet")
    run.add_argument("name", help="metric name, e.g. delivery.on_time_received (see `list`)")
    run.add_argument("--sources", type=Path, help="sources file (default: the built-in sample data)")
    run.add_argument("--grain", choices=GRAINS, help="period grain (default: the metric's own)")
    run.add_argument("--by", action="append", default=[], metavar="COL", help="break down by column (repeat)")
    run.add_argument("--start", type=_iso_date, metavar="YYYY-MM-DD")
    run.add_argument("--end", type=_iso_date, metavar="YYYY-MM-DD")
    run.add_argument("--where", type=_pair, action="append", default=[], metavar="COL=VALUE", help="filter (repeat)")
    run.add_argument("--option", type=_pair, action="append", default=[], metavar="KEY=VALUE", help="metric option")
    run.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    run.add_argument("--output", type=Path, metavar="PATH", help="write here instead of stdout")

    new = sub.add_parser("new", help="scaffold a new metric: module and test (and a page with --page)")
    new.add_argument("name", help="area.name, lowercase, e.g. delivery.first_attempt")
    new.add_argument("--root", type=Path, default=None, help="project root (default: this checkout)")
    new.add_argument(
        "--page", action="store_true", help="also write pages/<area>_<name>.py (without: /catalog?metric=<name>)"
    )
    _add_decision_commands(sub)
    return parser


def _add_decision_commands(sub: Any) -> None:
    """`digest` and `alerts` (the metrics.decisions package): same --sources as compute."""
    digest = sub.add_parser("digest", help="e-mail what changed significantly in the last finished period")
    digest.add_argument("--sources", type=Path, help="sources file (default: the built-in sample data)")
    digest.add_argument("--period", choices=("week", "month"), default="month", help="digest period (default month)")
    digest.add_argument("--base-url", default="http://localhost:8501", metavar="URL", help="the dashboard's address")
    digest.add_argument("--to", action="append", default=[], metavar="ADDR", help="recipient (repeat)")
    digest.add_argument("--smtp", metavar="HOST:PORT", help="unauthenticated relay (else [smtp] in secrets or env)")
    digest.add_argument(
        "--output", type=Path, metavar="FILE", help="write digest.eml or digest.html instead of sending"
    )
    digest.add_argument(
        "--only-if-changed", action="store_true", help="send nothing when nothing changed significantly"
    )
    digest.add_argument("--targets", type=Path, metavar="FILE", help="targets.toml: each goal's distance in the digest")
    digest.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="read the data as of this day")

    alerts = sub.add_parser("alerts", help="evaluate alerts.toml on the last finished period and notify")
    alerts.add_argument("--sources", type=Path, help="sources file (default: the built-in sample data)")
    alerts.add_argument("--config", type=Path, default=Path("alerts.toml"), help="rules file (default alerts.toml)")
    alerts.add_argument("--smtp", metavar="HOST:PORT", help="unauthenticated relay (else [smtp] in secrets or env)")
    alerts.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="read the data as of this day")


def _decisions(args: argparse.Namespace) -> None:
    import logging

    import streamlit  # noqa: F401  (configures its loggers on import; quieted below)

    # The digest's links import ui.state (the URL keys' home); outside a Streamlit run its caches warn.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from metrics.decisions import commands
    from metrics.decisions.errors import DecisionError

    run = commands.run_digest if args.command == "digest" else commands.run_alerts
    if args.command == "alerts" and not args.config.is_file():  # a bad config fails before any data loads
        raise UserError(f"alerts config {args.config} does not exist")
    try:
        run(args, _tables(_dataset(args.sources)))
    except DecisionError as err:
        raise UserError(str(err)) from None


def _list(fmt: str) -> None:
    from metrics.registry import registry

    specs = registry().values()
    if fmt == "json":
        print(json.dumps([_describe(s) for s in specs], indent=2))
        return
    width = max((len(s.name) for s in specs), default=0)
    for s in specs:
        print(f"{s.name:<{width}}  {s.kind:<6}  {s.unit:<8}  {s.lens:<8}  {s.title}")


def _describe(s) -> dict[str, Any]:
    return {
        "name": s.name,
        "title": s.title,
        "kind": s.kind,
        "lens": s.lens,
        "unit": s.unit,
        "higher_is_better": s.higher_is_better,
        "requires": list(s.requires),
        "optional": list(s.optional),
        "time_column": s.time_column,
        "keys": list(s.keys),
        "extras": list(s.extras),
        "interval": s.interval,
        "twin": s.twin,
        "default_grain": s.default_grain,
        "options": {k: list(v) for k, v in s.options.items()},
        "definition": s.definition,
    }


def _dataset(sources: Path | None, tables: Sequence[str] | None = None):
    """The Dataset to compute on: the sample data, or what the sources file describes: only `tables` when given
    (only those are opened and validated; file sources stay lazy scans, so only the metric's columns are read),
    every table when None (the digest and alerts read many metrics)."""
    if sources is None:
        from connectors import sample

        data: Any = sample.generate()  # a dict of tables; load_dataset gives a Dataset
    else:
        if not sources.is_file():
            raise UserError(f"sources file {sources} does not exist")
        try:
            from connectors.loader import load_dataset

            data = load_dataset(sources, tables=None if tables is None else set(tables))
        except Exception as err:  # any loader failure is a problem with the user's sources
            raise UserError(f"cannot load sources {sources}: {_one_line(err)}") from None
    return data


def _tables(data) -> dict[str, Any]:
    return dict(data.tables) if hasattr(data, "tables") else dict(data)


def _compute(args: argparse.Namespace) -> None:
    from metrics.analysis import periods
    from metrics.api import compute, spec
    from metrics.errors import MissingData

    s = spec(args.name)  # unknown name fails before any data is loaded
    if args.format == "parquet" and args.output is None:
        raise UserError("--format parquet needs --output PATH")
    if args.start and args.end and args.start > args.end:
        raise UserError(f"--start {args.start} is after --end {args.end}")
    where: dict[str, list[str]] = {}
    for col, value in args.where:
        where.setdefault(col, []).append(value)
    # The customers table carries region and segment to tables without them, so a filter may need it.
    data = _dataset(args.sources, [*s.tables, *s.optional_tables, *(["customers"] if where else [])])
    try:
        result = compute(
            args.name,
            _tables(data),
            grain=args.grain,
            by=args.by,
            start=args.start,
            end=args.end,
            where=_typed_where(where, _tables(data)),
            **dict(args.option),
        )
    except MissingData as err:
        raise UserError(_with_load_errors(str(err), s.tables, data)) from None
    if isinstance(result, pl.DataFrame) and "complete" not in result.columns:  # cohort metrics mark their own
        # The dashboard's rule: a period ending after the data's last date (or --end) is open, its value so far.
        until = periods.through(periods.data_last(_tables(data)), args.end)
        result = periods.mark_complete(result, args.grain or s.default_grain, until)
    quarantined = getattr(data, "quarantined_rows", 0)
    if quarantined:
        print(f"note: {quarantined} source rows were quarantined (see the /sources page)", file=sys.stderr)
    _write(result, args.format, args.output)


_CONTRACT_TYPES = ((nw.Date, pl.Date()), (nw.Int64, pl.Int64()), (nw.Float64, pl.Float64()), (nw.String, pl.String()))


def _typed_where(where: dict[str, list[str]], tables: dict[str, Any]) -> dict[str, list]:
    """Cast --where values to the column's dtype (numbers, dates), taken from the first table that has it."""
    typed: dict[str, list] = {}
    for col, values in where.items():
        schemas = (nw.from_native(frame).collect_schema() for frame in tables.values())
        found = next((schema[col] for schema in schemas if col in schema), None)
        # The contract's four types, whatever engine holds the table.
        dtype = next((pl_type for nw_type, pl_type in _CONTRACT_TYPES if found == nw_type), pl.String())
        if found is None:
            raise UserError(f"--where {col}=...: no table has a column {col!r}")
        try:
            raw = pl.Series(values, dtype=pl.String).str.strip_chars()
            parsed = raw.str.to_date("%Y-%m-%d") if dtype == pl.Date else raw.cast(dtype, strict=True)
            typed[col] = parsed.to_list()
        except pl.exceptions.PolarsError:
            raise UserError(f"--where {col}: {', '.join(values)} is not a valid {dtype}") from None
    return typed


def _with_load_errors(message: str, tables: Sequence[str], data) -> str:
    failed = [st for st in getattr(data, "status", ()) if st.error and st.table in tables]
    if failed:
        message += "; " + "; ".join(f"{st.table} failed to load: {st.error}" for st in failed)
    return message


def _write(result: pl.DataFrame, fmt: str, output: Path | None) -> None:
    if fmt == "parquet":
        result.write_parquet(output if output is not None else sys.stdout.buffer)
        return
    if fmt == "json":
        text = json.dumps(result.to_dicts(), default=str, indent=1) + "\n"
    else:
        buffer = io.StringIO()
        result.write_csv(buffer)
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _new(args: argparse.Namespace) -> None:
    from metrics.scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(args.name, args.root, page=args.page)
    except ScaffoldError as err:
        raise UserError(str(err)) from None
    for path in written:
        print(f"wrote {path}")


def _one_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    from metrics.errors import MetricError

    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            _list(args.format)
        elif args.command == "compute":
            _compute(args)
        elif args.command in ("digest", "alerts"):
            _decisions(args)
        else:
            _new(args)
    except (UserError, MetricError) as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return USER_ERROR
    except OSError as err:  # e.g. --output into a missing directory
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return USER_ERROR
    except Exception as err:
        if os.environ.get("OUTSIDEIN_DEBUG"):
            raise
        hint = "(OUTSIDEIN_DEBUG=1 for details)"
        print(f"error: unexpected {type(err).__name__}: {_one_line(err)} {hint}", file=sys.stderr)
        return 1
    return 0
