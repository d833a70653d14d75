"""`python -m metrics` run for real in a subprocess: output formats, one-line errors (scaffolding: test_scaffold.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from metrics.registry import registry
from tests import metric_shapes as ms

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args], cwd=cwd, capture_output=True, text=True, timeout=240
    )


def assert_user_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_list_text_and_json():
    text = run("list")
    assert text.returncode == 0, text.stderr
    assert len(text.stdout.strip().splitlines()) == len(registry())
    assert any(line.startswith("voice.themes ") and "series" in line for line in text.stdout.splitlines())
    listed = json.loads(run("list", "--format", "json").stdout)
    assert [m["name"] for m in listed] == list(registry())
    themes = next(m for m in listed if m["name"] == "voice.themes")
    assert themes["keys"] == ["source", "theme"] and "Wilson" in themes["definition"]


def test_compute_csv_on_sample_data():
    result = run("compute", "voice.themes", "--grain", "quarter", "--start", "2024-01-01", "--where", "survey=nps")
    assert result.returncode == 0, result.stderr
    out = pl.read_csv(result.stdout.encode(), try_parse_dates=True)
    assert out.columns[:7] == ["period", "source", "theme", "n", "value", "ci_low", "ci_high"]
    assert out["period"].min() >= date(2024, 1, 1)
    assert set(out["theme"]) == {"delivery_speed", "damaged_item", "price", "product_quality", "support",
                                 "ease_of_use", "returns", "communication"}  # fmt: skip


@pytest.mark.parametrize(
    ("grain", "end", "open_period"),
    [
        ("month", "2026-08-15", date(2026, 8, 1)),  # the window ends mid-August: August is open, July finished
        ("week", "2026-08-15", date(2026, 8, 10)),  # weeks start on Monday: 10-16 Aug is open on the 15th
        ("quarter", "2026-08-31", date(2026, 7, 1)),
        ("quarter", "2026-09-30", None),  # the window ends with Q3: every quarter is finished
    ],
)
def test_compute_marks_the_open_period(grain: str, end: str, open_period: date | None):
    """The dashboard's rule on the command line: a period ending after --end (or the data's last date) says
    complete=false, so a script never reads a value so far as a finished period."""
    result = run("compute", "delivery.on_time_received", "--grain", grain, "--start", "2026-01-01", "--end", end)
    assert result.returncode == 0, result.stderr
    out = pl.read_csv(result.stdout.encode(), try_parse_dates=True)
    assert out.get_column("period").max() == (open_period or out.get_column("period").max())
    open_rows = out.filter(~pl.col("complete")).get_column("period").to_list()
    assert open_rows == ([open_period] if open_period else [])


def test_compute_json_and_parquet_files(tmp_path):
    as_json = tmp_path / "out.json"
    result = run("compute", "segments.summary", "--format", "json", "--output", str(as_json))
    assert result.returncode == 0 and result.stdout == "", result.stderr
    rows = json.loads(as_json.read_text())
    assert {r["segment"] for r in rows} and all(0 <= r["revenue_share"] <= 1 for r in rows)
    as_parquet = tmp_path / "out.parquet"
    result = run("compute", "delivery.on_time_received", "--grain", "year", "--by", "region", "--output",
                 str(as_parquet), "--format", "parquet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pl.read_parquet(as_parquet)
    assert frame.columns[:3] == ["period", "region", "n"] and frame.height > 1


def test_compute_from_a_sources_file(tmp_path):
    pytest.importorskip("connectors.loader")
    tables = ms.tables("random", seed=1)
    tables["orders"].write_csv(tmp_path / "orders.csv")
    (tmp_path / "sources.toml").write_text('[tables.orders]\nkind = "csv"\npath = "orders.csv"\n')
    result = run("compute", "segments.rfm", "--sources", str(tmp_path / "sources.toml"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == tables["orders"]["customer_id"].n_unique()
    missing = run("compute", "voice.themes", "--sources", str(tmp_path / "sources.toml"))
    assert_user_error(missing, "needs at least one of the tables responses, reviews, notes")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("compute", "no.such"), ("unknown metric 'no.such'",)),
        (("compute", "voice.themes", "--start", "2024-02-30"), ("--start", "not a date")),
        (("compute", "voice.themes", "--grain", "fortnight"), ("--grain", "invalid choice")),
        (("compute", "voice.themes", "--by", "colour"), ("cannot break 'voice.themes' down by 'colour'",)),
        (("compute", "voice.themes", "--where", "colour=red"), ("no table has a column 'colour'",)),
        (("compute", "voice.themes", "--where", "score=high"), ("--where score",)),
        (("compute", "voice.themes", "--where", "nonsense"), ("is not COL=VALUE",)),
        (("compute", "voice.themes", "--start", "2024-05-01", "--end", "2024-01-01"), ("is after --end",)),
        (("compute", "voice.themes", "--format", "parquet"), ("needs --output",)),
        (("compute", "voice.themes", "--option", "x=y"), ("has no option 'x'",)),
        (("compute", "voice.themes", "--sources", "/nonexistent/sources.toml"), ("does not exist",)),
        (("compute", "segments.rfm", "--by", "region"), ("takes no breakdown",)),
        (("frobnicate",), ("invalid choice",)),
        (("new", "NotAName"), ("must be area.name",)),
    ],
)
def test_bad_input_is_one_line_and_status_2(args, fragments):
    assert_user_error(run(*args), *fragments)


def test_unreadable_sources_file(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[tables.orders\n")
    assert_user_error(run("compute", "voice.themes", "--sources", str(bad)), "cannot load sources")


def test_output_into_missing_directory(tmp_path):
    result = run("compute", "delivery.on_time_shipped", "--output", str(tmp_path / "no" / "out.csv"))
    assert_user_error(result, "No such file or directory")


def test_compute_reads_only_the_tables_the_metric_needs_and_parquet_stays_lazy(tmp_path):
    from metrics import compute

    tables = ms.tables("random", seed=2)
    tables["responses"].write_parquet(tmp_path / "responses.parquet")
    # orders would fail to load (no such file): NPS never opens it, so nothing is said about it.
    (tmp_path / "sources.toml").write_text(
        '[tables.responses]\nkind = "parquet"\npath = "responses.parquet"\n\n'
        '[tables.orders]\nkind = "csv"\npath = "no-such-orders.csv"\n'
    )
    result = run("compute", "satisfaction.nps", "--sources", str(tmp_path / "sources.toml"), "--format", "json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    expected = compute("satisfaction.nps", {"responses": tables["responses"]})
    got = pl.DataFrame(json.loads(result.stdout)).with_columns(pl.col("period").str.to_date())
    assert got.select("period", "n", "value").rows() == expected.select("period", "n", "value").rows()
