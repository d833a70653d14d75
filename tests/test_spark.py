"""Spark Connect parity: the same metric on a local Spark Connect server gives the Polars answer.

One local server for the module (`SparkSession.builder.remote("local[2]")`, ~8 s to start, loopback
only), stopped at the end. Each input is the contract-typed Polars frame sent to Spark through Arrow,
so dates stay dates. Spark's integer results come back Int64; compute() casts the count columns, and
floats are compared with a tolerance (Spark may add them up in another order).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import narwhals as nw
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from metrics import compute
from metrics.periods import bucket, bucket_index, days_between, next_bucket
from tests import metric_shapes as ms

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark[connect] is not installed")


@pytest.fixture(scope="module")
def spark():
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the local server and its driver bind to loopback only
    session = (
        pyspark_sql.SparkSession.builder.remote("local[2]")
        .config("spark.sql.shuffle.partitions", "2")  # tiny inputs: 200 shuffle partitions would be all overhead
        .getOrCreate()
    )
    session.conf.set("spark.sql.session.timeZone", "UTC")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def to_spark(spark):
    cache: dict[tuple[str, str], object] = {}

    def convert(table: str, shape: str):
        key = (table, shape)
        if key not in cache:
            cache[key] = _spark_frame(spark, getattr(ms, table)(shape))
        return cache[key]

    return convert


def _spark_frame(spark, frame: pl.DataFrame):
    """Through Arrow, so Date stays DateType; an empty frame needs its schema spelled out."""
    arrow = frame.to_arrow()
    if frame.height == 0:
        from pyspark.sql.pandas.types import from_arrow_schema

        return spark.createDataFrame([], schema=from_arrow_schema(arrow.schema))
    return spark.createDataFrame(arrow)


def _same(polars_result: pl.DataFrame, spark_result: pl.DataFrame) -> None:
    assert spark_result.columns == polars_result.columns
    assert spark_result.height == polars_result.height
    assert_frame_equal(spark_result, polars_result, check_dtypes=True, check_exact=False, abs_tol=1e-9, rel_tol=1e-9)


DELIVERY = (
    "delivery.on_time_shipped",
    "delivery.on_time_received",
    "delivery.lead_time_internal",
    "delivery.lead_time_customer",
)


@pytest.mark.parametrize("name", DELIVERY)
@pytest.mark.parametrize(
    ("shape", "grain", "by"),
    [("random", "month", ()), ("nulls", "week", ("region",)), ("empty", "quarter", ())],
)
def test_delivery_twins_match_polars(to_spark, name, shape, grain, by):
    expected = compute(name, {"orders": ms.orders(shape)}, grain=grain, by=list(by))
    got = compute(name, {"orders": to_spark("orders", shape)}, grain=grain, by=list(by))
    _same(expected, got)
    if shape == "random":
        assert got.height > 10 and got["n"].sum() > 0  # a real comparison, not two empty frames


# Review stars, and their join to delivered orders (keyed by delivery; bands as an option).
RATINGS = {"satisfaction.review_rating": ("reviews",), "satisfaction.rating_by_delivery": ("orders", "reviews")}


@pytest.mark.parametrize("name", RATINGS)
@pytest.mark.parametrize(
    ("shape", "grain", "by", "options"),
    [
        ("random", "month", (), {}),
        ("nulls", "week", ("region",), {}),
        ("random", "quarter", (), {"lateness": "bands"}),
        ("empty", "quarter", (), {}),
    ],
)
def test_ratings_match_polars(to_spark, name, shape, grain, by, options):
    if name == "satisfaction.review_rating":
        options = {}
    tables = RATINGS[name]
    expected = compute(name, {t: getattr(ms, t)(shape) for t in tables}, grain=grain, by=list(by), **options)
    got = compute(name, {t: to_spark(t, shape) for t in tables}, grain=grain, by=list(by), **options)
    _same(expected, got)
    if shape == "random":
        assert got.height > 3 and got["n"].sum() > 0  # a real comparison, not two empty frames


@pytest.mark.parametrize(
    ("shape", "grain", "by", "mode"),
    [
        ("random", "month", (), "return_on"),
        ("gaps", "week", (), "return_on"),
        ("nulls", "quarter", ("segment",), "on_or_after"),
        ("one_customer", "day", (), "return_on"),
        ("empty", "month", (), "return_on"),
    ],
)
def test_cohort_matches_polars(to_spark, shape, grain, by, mode):
    expected = compute("retention.cohort", {"orders": ms.orders(shape)}, grain=grain, by=list(by), mode=mode)
    got = compute("retention.cohort", {"orders": to_spark("orders", shape)}, grain=grain, by=list(by), mode=mode)
    _same(expected, got)
    if shape == "random":
        assert got["active"].sum() > got.filter(period=0)["active"].sum()  # some customers came back


def test_filters_and_window_apply_on_spark(to_spark):
    args = {"grain": "month", "start": date(2024, 3, 1), "end": date(2024, 9, 30), "where": {"region": ["north"]}}
    for name in ("delivery.on_time_received", "retention.cohort"):
        expected = compute(name, {"orders": ms.orders("random")}, **args)
        got = compute(name, {"orders": to_spark("orders", "random")}, **args)
        _same(expected, got)
        assert got.height > 0


def test_period_helpers_match_polars(spark):
    """Week buckets (Sunday is weekday 0 in narwhals' Spark backend) and day numbers (no duration on Spark)."""
    days = pl.DataFrame({"d": [date(1968, 12, 25) + timedelta(days=i) for i in range(0, 1200, 3)]})
    days = days.with_columns(e=pl.col("d").dt.offset_by("17d"))
    native = {"polars": days.lazy(), "spark": _spark_frame(spark, days)}
    results = {}
    for backend, frame in native.items():
        lazy = nw.from_native(frame)
        impl = lazy.implementation
        exprs = {
            f"{kind}_{grain}": expr
            for grain in ("day", "week", "month", "quarter", "year")
            for kind, expr in (
                ("b", bucket("d", grain)),
                ("i", bucket_index("d", grain, impl)),
                ("n", next_bucket("d", grain)),
            )
        }
        out = lazy.select("d", days=days_between("d", "e", impl), back=days_between("e", "d", impl), **exprs)
        results[backend] = out.collect().to_polars().sort("d")
    _same(results["polars"], results["spark"].cast(results["polars"].schema))
    assert results["spark"]["days"].unique().to_list() == [17]
    assert results["spark"]["b_week"].dt.weekday().eq(1).all()  # Monday
