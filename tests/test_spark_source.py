"""kind = "spark": tables read through Spark Connect, validated and computed on the cluster.

A local Spark Connect server (`remote("local[2]")`, loopback, port 15002) holds the sample data as
global temp views; sources.toml reaches it at sc://localhost:15002 as a user would reach a cluster.
Every metric computed from the Spark source equals the same data through Parquet (Polars), and the
Dataset holds Spark frames, not rows.
"""

from __future__ import annotations

import os
from datetime import date

import narwhals as nw
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from connectors.loader import LoadContext, load_dataset
from connectors.sample import generate
from metrics import MetricError, compute, names, spec
from tests.text_rows import TEXT_BAD, TEXT_GOOD, text_values

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark[connect] is not installed")
NO_SECRETS = LoadContext({}, lambda: None)


@pytest.fixture(scope="module")
def spark():
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        pyspark_sql.SparkSession.builder.remote("local[2]").config("spark.sql.shuffle.partitions", "2").getOrCreate()
    )
    session.conf.set("spark.sql.session.timeZone", "UTC")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def both(spark, tmp_path_factory):
    """(Spark Dataset, Parquet Dataset) of the same sample tables; orders carries two planted bad rows."""
    folder = tmp_path_factory.mktemp("spark-source")
    tables = generate(seed=3, n_orders=3000)
    bad = (
        tables["orders"]
        .head(2)
        .with_columns(
            order_id=pl.Series(["bad-1", tables["orders"]["order_id"][0]]),  # a valid row, and a duplicate id
            shipped_date=pl.Series([date(1999, 1, 1), None], dtype=pl.Date),  # row 1 ships before it is ordered
        )
    )
    tables["orders"] = pl.concat([tables["orders"], bad])
    spark_toml, parquet_toml = [], []
    for name, frame in tables.items():
        spark.createDataFrame(frame.to_arrow()).createOrReplaceGlobalTempView(name)
        frame.write_parquet(folder / f"{name}.parquet")
        spark_toml.append(
            f'[tables.{name}]\nkind = "spark"\nremote = "sc://localhost:15002"\ntable = "global_temp.{name}"'
        )
        parquet_toml.append(f'[tables.{name}]\nkind = "parquet"\npath = "{name}.parquet"')
    (folder / "spark.toml").write_text("\n".join(spark_toml))
    (folder / "parquet.toml").write_text("\n".join(parquet_toml))
    on_spark = load_dataset(folder / "spark.toml", context=NO_SECRETS)
    on_files = load_dataset(folder / "parquet.toml", context=NO_SECRETS)
    return on_spark, on_files


def test_spark_source_loads_every_table_without_copying_rows(both):
    on_spark, on_files = both
    assert [s.error for s in on_spark.status] == [None] * len(on_files.status)  # every table the sample has
    assert all(type(f).__module__.startswith("pyspark.sql.connect") for f in on_spark.tables.values())
    assert [(s.table, s.rows, s.quarantined) for s in on_spark.status] == [
        (s.table, s.rows, s.quarantined) for s in on_files.status
    ]
    orders = next(s for s in on_spark.status if s.table == "orders")
    assert orders.quarantined == 2 and orders.in_place
    assert (
        on_spark.counts.sort("reason").rows()
        == on_files.counts.sort("reason").rows()
        == [
            ("orders", "order_id", "duplicate order_id", 1),
            ("orders", "shipped_date", "shipped_date before order_date", 1),
        ]
    )


@pytest.mark.parametrize("name", names())
def test_every_metric_on_the_spark_source_equals_parquet(both, name):
    on_spark, on_files = both
    try:
        expected = compute(name, on_files.tables)
    except MetricError:
        pytest.skip(f"{name} does not run on the sample tables")
    got = compute(name, on_spark.tables)
    assert got.height == expected.height > 0
    assert_frame_equal(got, expected, check_exact=False, abs_tol=1e-9, rel_tol=1e-9)


# Every option value besides the default (rfm's rows=segment is what the Segments page draws).
OPTION_CASES = [(n, {k: v}) for n in names() for k, values in spec(n).options.items() for v in values[1:]]


@pytest.mark.parametrize(("name", "options"), OPTION_CASES, ids=[f"{n}-{o}" for n, o in OPTION_CASES])
def test_every_option_on_the_spark_source_equals_parquet(both, name, options):
    on_spark, on_files = both
    expected = compute(name, on_files.tables, **options)
    got = compute(name, on_spark.tables, **options)
    assert got.height == expected.height > 0
    assert_frame_equal(got, expected, check_exact=False, abs_tol=1e-9, rel_tol=1e-9)


def test_a_wrong_spark_table_names_itself_and_the_rest_loads(spark, tmp_path):
    (tmp_path / "s.toml").write_text(
        '[tables.notes]\nkind = "spark"\nremote = "sc://localhost:15002"\ntable = "global_temp.no_such_table"\n'
        '[tables.customers]\nkind = "spark"\nremote = "sc://localhost:15002"\n'
        'query = "SELECT * FROM global_temp.customers"\n'
    )
    ds = load_dataset(tmp_path / "s.toml", context=NO_SECRETS)
    errors = {s.table: s.error for s in ds.status}
    assert errors["notes"].startswith("Spark sc://localhost:15002 › global_temp.no_such_table: ")
    assert errors["customers"] is None and ds.has("customers")


def test_cli_computes_from_a_spark_source(both, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    on_spark, _ = both
    sources = tmp_path / "s.toml"
    remote = 'kind = "spark"\nremote = "sc://localhost:15002"\n'
    sources.write_text(f'[tables.responses]\n{remote}table = "global_temp.responses"\n')
    root = Path(__file__).resolve().parent.parent
    args = [sys.executable, "-m", "metrics", "compute", "satisfaction.nps", "--sources", str(sources)]
    args += ["--format", "json"]
    result = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    expected = compute("satisfaction.nps", on_spark.tables)
    got = pl.read_json(result.stdout.encode()).with_columns(pl.col("period").str.to_date())
    assert got.select("period", "n").rows() == expected.select("period", "n").rows()


def test_bad_text_dates_and_numbers_on_spark_set_aside_their_rows_only(spark, tmp_path):
    """Spark 4 casts with ANSI semantics (a bad value raises): the same text rows as on DuckDB and PostgreSQL
    (tests/test_sql_lazy.py) read the same way."""
    spark.sql(f"SELECT * FROM VALUES {text_values()} AS v(id, placed, amount)").createOrReplaceGlobalTempView(
        "text_orders"
    )
    (tmp_path / "s.toml").write_text(
        '[tables.orders]\nkind = "spark"\nremote = "sc://localhost:15002"\ntable = "global_temp.text_orders"\n'
        '[tables.orders.columns]\norder_id = "id"\norder_date = "placed"\n'
        '[tables.orders.constants]\ncustomer_id = "c1"\n'
    )
    ds = load_dataset(tmp_path / "s.toml", context=NO_SECRETS)
    assert [s.error for s in ds.status] == [None]
    good = nw.from_native(ds.tables["orders"]).select("order_id", "order_date", "amount").collect().to_polars()
    assert sorted(good.rows()) == TEXT_GOOD
    assert ds.quarantine.select("row", "column").sort("row").rows() == TEXT_BAD


def test_a_spark_table_keeps_its_version_until_its_rows_change(spark, tmp_path):
    """An unchanged table gives the same data version on every load (a ttl reload recomputes nothing); a
    changed row gives another."""
    rows = "SELECT * FROM VALUES ('c1', DATE '2024-01-05'), ('c2', DATE '2024-02-01') AS v(customer_id, signup_date)"
    spark.sql(rows).createOrReplaceGlobalTempView("versioned")
    (tmp_path / "s.toml").write_text(
        '[tables.customers]\nkind = "spark"\nremote = "sc://localhost:15002"\ntable = "global_temp.versioned"\n'
    )

    def version() -> str | None:
        (status,) = load_dataset(tmp_path / "s.toml", context=NO_SECRETS).status
        assert status.error is None
        return status.version

    first = version()
    assert version() == first
    spark.sql(rows.replace("c2", "c3")).createOrReplaceGlobalTempView("versioned")
    assert version() != first
