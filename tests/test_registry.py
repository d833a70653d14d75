"""Contract test over every registered metric: spec complete, output as declared, runs everywhere."""

from __future__ import annotations

import types
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from metrics import compute
from metrics.registry import RegistryError, collect, registry
from metrics.spec import SERIES_COLUMNS, MetricSpec
from tests import metric_shapes as ms

NAMES = list(registry())


def _generated() -> dict[str, pl.DataFrame]:
    tables = ms.tables("random", seed=11)
    ids = sorted(set(tables["orders"]["customer_id"]))
    tables["customers"] = ms.frame(
        "customers", [{"customer_id": c, "segment": ms.SEGMENTS[i % 2], "region": "north"} for i, c in enumerate(ids)]
    )
    return tables


GENERATED = _generated()


def test_registry_has_every_area():
    assert {"delivery", "voice", "segments"} <= {s.area for s in registry().values()}
    assert {"voice.themes", "voice.theme_impact", "segments.rfm", "segments.summary"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_complete(name):
    s = registry()[name]
    s.check()
    assert s.name == name and len(s.definition) > 80, "the definition should state the formula"
    known = {f"{t}.{c.name}" for t, table in ms.TABLES.items() for c in table.columns}
    assert set(s.requires) <= known and set(s.optional) <= known, "requires/optional must name contract columns"
    if s.time_column:
        assert s.time_column in known
    assert not set(s.keys) & set(SERIES_COLUMNS), "keys must not shadow the series columns"
    for option, allowed in s.options.items():
        assert allowed, f"option {option} lists no values"


def _check_output(s: MetricSpec, out: pl.DataFrame) -> None:
    if s.kind == "series":
        assert out.columns == ["period", *s.keys, *SERIES_COLUMNS[1:], *s.extras], "series columns as declared"
        assert out.schema["period"] == pl.Date and out.schema["n"] == pl.Int64
        assert out.schema["value"] == out.schema["ci_low"] == out.schema["ci_high"] == pl.Float64
        keys = ["period", *s.keys]
        assert out.select(keys).is_duplicated().sum() == 0, "one row per period and key"
        assert out.sort(keys, nulls_last=True).equals(out), "series are sorted by period and keys"
    else:
        assert out.width > 0 and len(set(out.columns)) == out.width


@pytest.mark.parametrize("name", NAMES)
def test_runs_on_generated_data_as_declared(name):
    s = registry()[name]
    out = compute(name, GENERATED)
    assert out.height > 0
    _check_output(s, out)


@pytest.mark.parametrize("name", NAMES)
def test_polars_and_duckdb_agree(name):
    polars_out = compute(name, GENERATED, start=date(2024, 2, 1), end=date(2025, 1, 31))
    duckdb_out = compute(name, ms.as_duckdb(GENERATED), start=date(2024, 2, 1), end=date(2025, 1, 31))
    if registry()[name].kind != "series":  # tables are not sorted by compute(): compare as sets of rows
        key = polars_out.columns[0]
        polars_out, duckdb_out = polars_out.sort(key, nulls_last=True), duckdb_out.sort(key, nulls_last=True)
    assert_frame_equal(polars_out, duckdb_out, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module")
def sample_tables() -> dict[str, pl.DataFrame]:
    sample = pytest.importorskip("connectors.sample")
    return sample.generate(n_orders=5_000)


@pytest.mark.parametrize("name", NAMES)
def test_runs_on_sample_data(name, sample_tables):
    s = registry()[name]
    out = compute(name, sample_tables)
    assert out.height > 0
    _check_output(s, out)


# --- the registry fails loudly --------------------------------------------------------------------


def _spec(name: str = "fake.metric", **changes) -> MetricSpec:
    fields = dict(
        name=name,
        title="Fake",
        lens="customer",
        unit="count",
        higher_is_better=True,
        requires=("orders.order_date",),
        time_column="orders.order_date",
        definition="Counts orders.",
        fn=lambda frames, q: frames["orders"],
    )
    return MetricSpec(**{**fields, **changes})


def _module(name: str, **specs: MetricSpec) -> types.ModuleType:
    module = types.ModuleType(name)
    vars(module).update(specs)
    return module


def test_collect_finds_specs_sorted():
    found = collect([_module("metrics.b", x=_spec("b.one")), _module("metrics.a", y=_spec("a.one"), z=3)])
    assert list(found) == ["a.one", "b.one"]


def test_same_spec_imported_twice_is_fine():
    spec = _spec()
    assert list(collect([_module("metrics.a", s=spec), _module("metrics.b", s=spec)])) == ["fake.metric"]


def test_duplicate_name_fails_loudly():
    with pytest.raises(RegistryError, match=r"duplicate metric name 'fake\.metric' \(in metrics\.b\)"):
        collect([_module("metrics.a", s=_spec()), _module("metrics.b", s=_spec(title="Other"))])


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"name": "nodot"}, "name must be 'area.metric'"),
        ({"lens": "both"}, "lens must be customer or internal"),
        ({"definition": "  "}, "title and definition are required"),
        ({"requires": ("orders",)}, "requires must list 'table.column'"),
        ({"time_column": ""}, "series metrics need time_column"),
        ({"default_grain": "fortnight"}, "is not a grain"),
        ({"fn": None}, "fn is not callable"),
    ],
)
def test_broken_spec_fails_loudly(changes, problem):
    with pytest.raises(RegistryError, match=f"metrics.broken: .*{problem}"):
        collect([_module("metrics.broken", s=_spec(**changes))])


def test_unknown_twin_fails_loudly():
    with pytest.raises(RegistryError, match=r"unknown twin 'fake\.missing'"):
        collect([_module("metrics.a", s=_spec(twin="fake.missing"))])
