"""The optional `targets` table: validated like every table (an unknown metric is a quarantined row with its
reason), read as goals (one given twice is named and not used), merged with targets.toml, the table winning."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from connectors.loader import load_dataset
from connectors.sample import STORY, generate
from connectors.validate import check, validate
from metrics.decisions import targets
from metrics.decisions.targets import Target
from tests.apptest import run_page

RECEIVED, SHIPPED = "delivery.on_time_received", "delivery.on_time_shipped"
ROWS = (
    "metric,goal,region,segment\n"
    f"{RECEIVED},0.95,,\n"  # row 2
    f"{RECEIVED},0.9,Southwest,\n"
    "delivery.on_tme,0.9,,\n"  # row 4: a typo
    "satisfaction.nps,high,,\n"  # row 5: not a number
    f"{RECEIVED},0.85,West,\n"  # rows 6 and 7: two goals for West
    f"{RECEIVED},0.8,West,\n"
    "satisfaction.nps,30,,Clinics\n"
)


def test_bad_rows_are_quarantined_with_their_reason_and_the_rest_are_goals(tmp_path: Path) -> None:
    # Through the CSV kind: validated in place (a lazy scan), like a table in any source.
    (tmp_path / "targets.csv").write_text(ROWS)
    (tmp_path / "sources.toml").write_text('[tables.targets]\nkind = "csv"\npath = "targets.csv"\n')
    ds = load_dataset(tmp_path / "sources.toml")
    reasons = ds.quarantine.select("row", "column", "value", "reason").rows()
    assert reasons == [
        (4, "metric", "delivery.on_tme", "unknown metric (see `python -m metrics list`)"),
        (5, "goal", "high", "cannot read as float64"),
    ]
    assert ds.quarantined_rows == 2
    goals, problems = targets.from_table(ds.tables["targets"])
    assert goals == (
        Target(RECEIVED, 0.95),
        Target(RECEIVED, 0.9, {"region": ("Southwest",)}),
        Target("satisfaction.nps", 30.0, {"segment": ("Clinics",)}),
    )
    # Which of West's two goals holds would be a guess: neither does, and the problem says so.
    assert problems == (f"the targets table sets 2 goals for {RECEIVED}, region West (0.85, 0.8): none is used",)


def test_a_goal_that_fails_to_read_leaves_its_twin_the_only_goal() -> None:
    raw = pl.DataFrame({"metric": ["satisfaction.nps"] * 2, "goal": ["high", "30"]})
    checked = validate("targets", raw, "t", first_row=2)
    assert checked.quarantine.select("row", "reason").rows() == [(2, "cannot read as float64")]
    assert targets.from_table(checked.frame) == ((Target("satisfaction.nps", 30.0),), ())


def test_the_table_wins_per_metric_and_filter_and_the_files_other_goals_hold() -> None:
    table = (Target(RECEIVED, 0.95), Target(RECEIVED, 0.9, {"region": ("Southwest",)}))
    file = (
        Target(RECEIVED, 0.97),  # the table sets the overall goal: the file's is not used
        Target(RECEIVED, 0.8, {"region": ("West",)}),  # the table sets none for West: the file's holds
        Target(SHIPPED, 0.99),
    )
    merged = targets.merge(table, file)
    assert merged == (*table, file[1], file[2])
    assert targets.for_view(merged, RECEIVED, {}) == Target(RECEIVED, 0.95)
    assert targets.merge((), file) == file and targets.from_table(None) == ((), ())


def test_the_sample_sets_the_example_files_goals() -> None:
    from_sample, problems = targets.from_table(generate(n_orders=500)["targets"])
    assert problems == ()
    assert from_sample == targets.load(Path(__file__).resolve().parent.parent / "targets.example.toml")
    assert Target(RECEIVED, 0.9, {"region": (STORY.region,)}) in from_sample


def test_delivery_cards_take_the_tables_goal_over_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(
        f'[[target]]\nmetric = "{RECEIVED}"\ngoal = 0.5\n\n'  # the sample's table says 95 %: the table wins
        f'[[target]]\nmetric = "{SHIPPED}"\ngoal = 0.99\n'  # the table has no shipped goal: the file's holds
    )
    monkeypatch.setenv(targets.TARGETS_ENV, str(goals))
    at = run_page("pages/delivery.py")
    captions = " ".join(c.value for c in at.caption)
    assert re.search(r"goal 95\.0%", captions) and re.search(r"goal 99\.0%", captions)
    assert "goal 50.0%" not in captions


def test_a_targets_table_queried_in_place_is_checked_there_too() -> None:
    # A SQL engine (DuckDB here, like PostgreSQL or Spark in place): the checks run as its own queries, where
    # a window inside the counting aggregate would be refused; the repeated West goal is found when read.
    import duckdb

    frame = pl.DataFrame(  # noqa: F841 (DuckDB reads it by name)
        {
            "metric": [RECEIVED, "x.y", RECEIVED, RECEIVED],
            "goal": [0.95, 1.0, 0.85, 0.8],
            "region": [None, None, "West", "West"],
        }
    )
    checked = check("targets", duckdb.connect().sql("SELECT * FROM frame"), "duckdb")
    assert checked.quarantine.get_column("value").to_list() == ["x.y"] and checked.rows == 3
    goals, problems = targets.from_table(checked.frame)
    assert goals == (Target(RECEIVED, 0.95),) and len(problems) == 1
