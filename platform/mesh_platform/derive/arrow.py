"""The Arrow schema of a contract's rows, and a Python product's frame shaped to it.

Arrow is the common currency of every frame a Python product returns (pandas,
polars or Arrow): write-audit-publish turns the frame into an Arrow table with
exactly the contract's columns, order and types, and hands that to the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import pandas as pd
import pyarrow as pa

from mesh_platform.contract import DataContract, LogicalType, columns_of
from mesh_platform.contract.rules import Rule
from mesh_platform.errors import ContractViolation, RuleFailure

if TYPE_CHECKING:
    import polars as pl

Frame: TypeAlias = "pd.DataFrame | pa.Table | pl.DataFrame"
"""What a Python product may return: a pandas or polars DataFrame or an Arrow table."""

_ARROW_TYPES: dict[LogicalType, pa.DataType] = {
    LogicalType.STRING: pa.string(),
    LogicalType.INTEGER: pa.int64(),
    LogicalType.FLOAT: pa.float64(),
    LogicalType.BOOLEAN: pa.bool_(),
    LogicalType.DATE: pa.date32(),
    LogicalType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
}


def arrow_schema(contract: type[DataContract]) -> pa.Schema:
    """The Arrow schema of a contract's rows, the common currency of every frame."""
    return pa.schema(
        [
            pa.field(c.name, _ARROW_TYPES[c.logical_type], nullable=c.nullable)
            for c in columns_of(contract)
        ]
    )


def to_arrow(frame: Frame, contract: type[DataContract]) -> pa.Table:
    """The frame as an Arrow table with exactly the contract's columns, order and types.

    Extra columns are dropped; a missing column or a value that cannot take its
    column's type without loss raises :class:`ContractViolation` naming the column.
    """
    key = contract.meta().key
    table = _as_arrow_table(frame)
    schema = arrow_schema(contract)
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise ContractViolation(
            key,
            [
                RuleFailure(key, name, Rule.COLUMNS, detail="column missing from the frame")
                for name in missing
            ],
        )
    arrays: list[pa.ChunkedArray] = []
    failures: list[RuleFailure] = []
    for field in schema:
        array = table.column(field.name)
        try:
            arrays.append(_cast(array, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            failures.append(
                RuleFailure(key, field.name, Rule.DTYPE, detail=f"{field.type}: {exc}".strip())
            )
    if failures:
        raise ContractViolation(key, failures)
    # Every field nullable here: a null in a required column must reach the staging
    # table, where the contract's not-null check counts and samples it.
    loose = pa.schema([field.with_nullable(True) for field in schema])
    return pa.Table.from_arrays(arrays, schema=loose)


def _as_arrow_table(frame: Frame) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    to_arrow_method = getattr(frame, "to_arrow", None)  # polars
    if callable(to_arrow_method):
        result = to_arrow_method()
        if isinstance(result, pa.Table):
            return result
    raise TypeError(
        f"cannot write a {type(frame).__name__}: return a pandas or polars DataFrame "
        "or a pyarrow Table"
    )


def _cast(array: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if array.type == target:
        return array
    if pa.types.is_timestamp(target) and pa.types.is_timestamp(array.type) and not array.type.tz:
        # Naive timestamps are taken as UTC, as the contract's Timestamp type says.
        array = array.cast(pa.timestamp(array.type.unit, tz="UTC"))
    if pa.types.is_null(array.type):
        return pa.chunked_array([pa.nulls(len(array), target)])
    return array.cast(target, safe=True)
