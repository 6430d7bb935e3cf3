"""Running one product of a domain on a throw-away DuckDB warehouse, for domain tests.

Example (in a test)::

    out = run_product(
        "sales.revenue_by_season",
        products={"sales.sales_lines": lines_df},
        landing={"landing_sales.sale_lines": raw_df},
    )

Upstream products are published as given (they are not checked against their
contracts, so a test can feed the few columns it needs as long as the product's
query reads no others: missing columns are added as NULL); landing tables are written
as raw tables. The product then runs through write-audit-publish like in a build, and
its published rows come back as a pandas DataFrame; :func:`left_out_rows` gives the rows
it left out, with their reasons.

Hand-made inputs hold a handful of rows, a dirty one among them on purpose: the share a
contract tolerates means nothing there, so the product runs with every reason of the
vocabulary tolerated (an unknown reason still fails) unless ``contract_tolerance``.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pandas as pd

from mesh_platform.contract import DataContract, Tolerance, columns_of, get_contract
from mesh_platform.contract.reasons import LeftOutKind
from mesh_platform.derive.ddl import create_table
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.landing import landing_sources
from mesh_platform.location import domain_products
from mesh_platform.partitions import PartitionRange
from mesh_platform.products.asset import materialize_product
from mesh_platform.products.python import DeferredInput, PythonProduct
from mesh_platform.wap_accounting import rejects_table_for

_PANDAS_TYPES = {
    "STRING": "string",
    "INT64": "Int64",
    "FLOAT64": "float64",
    "BOOL": "boolean",
    "DATETIME": "datetime64[ns]",
    "TIMESTAMP": "datetime64[ns]",
}
"""The pandas type of each landing manifest type (DATE columns hold ``datetime.date``)."""


def landing_frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A landing table (``landing_<domain>.<table>``) with every column of the landing
    manifest, in its order and typed from it (unset: null)."""
    schema, name = table.split(".")
    columns = landing_sources(schema.removeprefix("landing_"))[schema][name]
    frame = pd.DataFrame(rows, columns=list(columns))
    for column, kind in columns.items():
        if kind == "DATE":
            values = frame[column]
            frame[column] = (
                values.astype(object).where(values.notna(), None)
                if values.notna().any()
                else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            )
        else:
            frame[column] = frame[column].astype(_PANDAS_TYPES[kind])
    return frame


def row_at(frame: pd.DataFrame, key: Any) -> pd.Series:
    """The row of ``frame`` at index ``key``."""
    row = frame.loc[key]
    assert isinstance(row, pd.Series)
    return row


def as_date(value: Any) -> dt.date:
    """A published DATE value as a date, however the engine hands it back."""
    return pd.Timestamp(value).date()


def _full_frame(key: str, frame: pd.DataFrame) -> pd.DataFrame:
    contract = get_contract(key)
    names = [c.name for c in columns_of(contract)]
    unknown = set(frame.columns) - set(names)
    if unknown:
        raise KeyError(f"{key} has no column(s) {sorted(unknown)}")
    out = frame.copy()
    for name in names:
        if name not in out.columns:
            out[name] = None
    return out[names]


def run_product(
    key: str,
    *,
    products: Mapping[str, pd.DataFrame] | None = None,
    landing: Mapping[str, pd.DataFrame] | None = None,
    partition: str | None = None,
    contract_tolerance: bool = False,
) -> pd.DataFrame:
    """Publish ``products`` and ``landing``, build ``key``, and return its published rows.

    When ``landing`` names some of the domain's landing tables, the others are empty.
    With ``contract_tolerance`` the contract's own tolerance applies; by default any
    share of rows may be left out for any reason of the vocabulary.

    Raises:
        dagster.Failure: the product broke its contract (the message names the rules).
    """
    engine = DuckDBEngine()
    if landing:
        domain = key.split(".", maxsplit=1)[0]
        empty = {
            f"{schema}.{name}": landing_frame(f"{schema}.{name}", [])
            for schema, tables in landing_sources(domain).items()
            for name in tables
        }
        landing = {**empty, **landing}
    with engine.connection() as connection:
        for table, frame in (landing or {}).items():
            schema, name = table.split(".", 1)
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            connection.register("landing_frame", frame)
            connection.execute(
                f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM landing_frame'
            )
            connection.unregister("landing_frame")
        for upstream, frame in (products or {}).items():
            domain, product = upstream.split(".", 1)
            table = engine.table_for(domain, product)
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{domain}"')
            create = create_table(
                get_contract(upstream), "duckdb", table, replace=True, enforce_not_null=False
            )
            connection.execute(create.sql("duckdb"))
            connection.register("product_frame", _full_frame(upstream, frame))
            connection.execute(
                f"INSERT INTO {table.sql('duckdb')} BY NAME SELECT * FROM product_frame"
            )
            connection.unregister("product_frame")
    domain = key.split(".", 1)[0]
    product = next(p for p in domain_products(domain) if p.contract.meta().key == key)
    with _tolerating(product.contract, everything=not contract_tolerance):
        events: list[Any] = list(
            materialize_product(
                product,
                run_id="test-run",
                partition=PartitionRange.parse(partition) if partition else None,
                engine=engine,
            )
        )
    assert events, f"{key}: nothing materialised"
    return engine.read_product(*key.split(".", 1))


def left_out_rows(key: str) -> list[tuple[str, str, str | None]]:
    """``(stage, reason, row_key)`` of every row ``key`` left out in the runs of
    :func:`run_product`, sorted."""
    engine = DuckDBEngine()
    table = rejects_table_for(engine, get_contract(key))
    if not engine.table_exists(table):
        return []
    with engine.connection() as connection:
        rows = connection.execute(
            f"SELECT stage, reason, row_key FROM {table.sql('duckdb')}"
        ).fetchall()
    return sorted((str(s), str(r), None if k is None else str(k)) for s, r, k in rows)


@contextmanager
def _tolerating(contract: type[DataContract], *, everything: bool) -> Iterator[None]:
    """Run with every left-out reason tolerated at any share (and no volume guard)."""
    meta = contract.meta()
    if not everything:
        yield
        return
    loose = Tolerance(left_out={kind.value: 1.0 for kind in LeftOutKind})
    contract.__product_meta__ = replace(meta, tolerance=loose)
    try:
        yield
    finally:
        contract.__product_meta__ = meta


def deferred_in_batches(product: str, frame: pd.DataFrame, asked: list[int]) -> DeferredInput:
    """``frame`` as a deferred input that may only be read in batches: each batch size
    asked is recorded in ``asked``, each batch numbered from 0 as an engine's are; a read
    of the whole frame fails the test."""

    def read_whole() -> pd.DataFrame:
        raise AssertionError(f"{product} was read whole")

    def batches(rows: int) -> list[pd.DataFrame]:
        asked.append(rows)
        return [frame[i : i + rows].reset_index(drop=True) for i in range(0, len(frame), rows)]

    return DeferredInput(product, read_whole, batches)


class ReadOnce:
    """A Python product's arguments with each input it declares deferred given as a
    reader that fails the test when read twice (but those read ``again`` on purpose, each
    time once its frame read before is let go), or while a frame read before is still
    referenced (but those ``joined`` to it: inputs the product needs together).

    Example (in a test)::

        inputs = ReadOnce(lead_scores, frames)
        lead_scores(**inputs.arguments)
        assert set(inputs.read) == set(lead_scores.deferred)
    """

    def __init__(
        self,
        product: PythonProduct,
        frames: Mapping[str, pd.DataFrame],
        joined: Mapping[str, set[str]] | None = None,
        again: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self._joined = joined or {}
        self._again = again
        self._alive: dict[str, weakref.ref[pd.DataFrame]] = {}
        self.reads: list[str] = []
        """Every read, in order (an input read again is in it again)."""
        self.arguments: dict[str, Any] = {
            name: self._reader(product, name, frame) if name in product.deferred else frame
            for name, frame in frames.items()
        }

    @property
    def read(self) -> list[str]:
        """The inputs read, in the order they were."""
        return list(self._alive)

    def _reader(self, product: PythonProduct, name: str, frame: pd.DataFrame) -> DeferredInput:
        def read() -> pd.DataFrame:
            assert name not in self._alive or name in self._again, f"{name} read twice"
            gc.collect()  # what is no longer referenced
            held = {other for other, ref in self._alive.items() if ref() is not None}
            allowed = self._joined.get(name, set())
            assert held <= allowed, f"{name} read while {sorted(held - allowed)} still held"
            copy = frame.copy()
            self._alive[name] = weakref.ref(copy)
            self.reads.append(name)
            return copy

        return DeferredInput(product.inputs[name], read)
