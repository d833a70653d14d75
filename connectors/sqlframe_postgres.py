"""SQLFrame's PostgreSQL engine, filled in where narwhals needs more than it gives (see connectors/sql_lazy.py).

Imported only when a PostgreSQL source is opened: SQLFrame and SQLGlot take about half a second to import.
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any, cast

import narwhals as nw
import pyarrow as pa
import sqlframe.base.functions as base_functions
import sqlframe.postgres.functions as pg_functions
from sqlframe.base.session import _BaseSession
from sqlframe.postgres import PostgresDataFrame, PostgresSession
from sqlframe.postgres.table import PostgresTable
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

# narwhals' dt.day() asks for `day`, which SQLFrame leaves out for PostgreSQL; `dayofmonth` is the same
# EXTRACT(day FROM ...) and is there.
if not hasattr(pg_functions, "day"):
    setattr(pg_functions, "day", pg_functions.dayofmonth)  # noqa: B010 (a module attribute mypy cannot see)
# str.slice() asks for `substr` with column arguments (the validation of text dates uses it); SQLFrame's
# generic one is SQL's SUBSTRING(text, start, length), which PostgreSQL has.
if not hasattr(pg_functions, "substr"):
    setattr(pg_functions, "substr", base_functions.substr)  # noqa: B010

_NUMBER = exp.DataType.NUMERIC_TYPES
_BOOLEAN = exp.DataType.Type.BOOLEAN


class _ArrowResults:
    """Results as Arrow, the way narwhals collects every Spark-like frame (SQLFrame's own is not there for
    PostgreSQL). The rows are typed by the frame's schema; PostgreSQL's NUMERIC (AVG of integers) comes back
    as Float64, as the same mean does in Polars."""

    def toArrow(self, batch_size: int | None = None) -> pa.Table:  # PySpark's name, which narwhals calls
        session = self.session  # type: ignore[attr-defined]
        schema = _float_decimals(nw.from_native(cast(Any, self)).collect_schema().to_arrow())
        *before, last = self._get_expressions(optimize=False)  # type: ignore[attr-defined]
        with session.lock:
            for expression in before:
                session._execute(session._to_sql(expression))
            session._cur.execute(session._to_sql(last))
            rows = session._cur.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
        return pa.table([_array(values, field.type) for values, field in zip(columns, schema, strict=True)], schema)

    @property
    def _typed_columns(self) -> list:
        """SQLFrame learns a frame's column types from a temporary view it never drops; on a connection that
        lives as long as the app they would pile up, so this drops it once read."""
        session = self.session  # type: ignore[attr-defined]
        view = exp.to_table(session._random_id)
        temporary = exp.Properties(expressions=[exp.TemporaryProperty()])
        with session.lock:
            expression = self.expression  # type: ignore[attr-defined]
            session._collect(
                exp.Create(this=view, kind="VIEW", replace=True, properties=temporary, expression=expression)
            )
            try:
                return session.catalog.listColumns(view.sql(dialect=session.input_dialect), include_temp=True)
            finally:
                session._execute(f"DROP VIEW IF EXISTS {view.sql(dialect='postgres')}")


def _float_decimals(schema: pa.Schema) -> pa.Schema:
    return pa.schema(pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in schema)


def _array(values: tuple, dtype: pa.DataType) -> pa.Array:
    if pa.types.is_floating(dtype):
        values = tuple(float(v) if isinstance(v, Decimal) else v for v in values)
    return pa.array(values, type=dtype) if values else pa.array([], type=dtype)


class DataFrame(_ArrowResults, PostgresDataFrame):
    pass


class Table(_ArrowResults, PostgresTable):
    _df = DataFrame  # what a table turns into after its first transformation


class Session(PostgresSession):
    """One per opened source (SQLFrame keeps one per process), on a connection other sessions may share:
    statements are serialised by the connection's lock, as Streamlit may collect two frames from two threads."""

    _df = DataFrame
    _table = Table

    def __new__(cls, *args: Any, **kwargs: Any) -> Session:
        return object.__new__(cls)

    def __init__(self, conn: Any = None, lock: threading.RLock | None = None) -> None:
        if conn is None:
            return  # SQLFrame's own look-ups of "the" session (_BaseSession()) land here: nothing to set up
        # _BaseSession's set-up only: PostgresSession's also creates an extension and a function in the
        # database, which a read-only login cannot do and the metrics do not need.
        _BaseSession.__init__(self, conn)
        self.lock = lock or threading.RLock()
        _BaseSession._instance = self  # type: ignore[assignment]  # SQLFrame's functions read the SQL dialect from "the" session

    def _to_sql(self, sql: Any, **kwargs: Any) -> str:
        if isinstance(sql, exp.Expr):
            sql = for_postgres(sql.copy())
        return super()._to_sql(sql, **kwargs)

    def _collect(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return super()._collect(*args, **kwargs)

    def _execute(self, sql: str) -> None:
        with self.lock:
            super()._execute(sql)


def for_postgres(tree: exp.Expr) -> exp.Expr:
    """Rewrite what PostgreSQL refuses: booleans summed or cast to a number go through INT first; a regular
    expression's word boundary `\\b` becomes PostgreSQL's `\\y`. Columns are qualified first so that a flag
    made in one CTE and summed in another is still known to be a boolean."""
    tree = qualify(tree, dialect="postgres", validate_qualify_columns=False, quote_identifiers=False)
    annotate_types(tree, dialect="postgres")
    for node in list(tree.find_all(exp.Cast, exp.Sum, exp.Avg)):
        operand = node.this
        if isinstance(node, exp.Cast) and node.to.this not in _NUMBER:
            continue
        if operand.type is not None and operand.type.this == _BOOLEAN:
            operand.replace(exp.cast(operand.copy(), exp.DataType.Type.INT))
    for regex in tree.find_all(exp.RegexpLike, exp.RegexpILike):
        pattern = regex.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            pattern.replace(exp.Literal.string(_postgres_regex(pattern.this)))
    return tree


def _postgres_regex(pattern: str) -> str:
    # One escape at a time, so an escaped backslash followed by "b" (\\b) stays as it is.
    return re.sub(r"\\(.)", lambda m: {"b": r"\y", "B": r"\Y"}.get(m.group(1), m.group(0)), pattern)
