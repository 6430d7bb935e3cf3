"""What only Python can check of a Python product's frame, before it is loaded.

Every value rule of the contract is enforced once, in the warehouse, on the staging
table of write-audit-publish. Before loading, the frame itself is checked for what the
warehouse cannot see: the column set (a missing or an unexpected column) and, for a
string column, values that are not strings (loading would turn them into text). Values
that cannot take their column's type without loss are refused by the conversion to
Arrow that loads the frame.

Example:
    >>> import pandas as pd
    >>> from mesh_platform.contract import DataContract, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.")
    >>> [f.line() for f in frame_failures(Village, pd.DataFrame({"code": [1], "x": [2]}))]
    ['demo.village.code: dtype (expected string, got int64): failed', \
'demo.village.x: columns (unexpected column): failed']
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from mesh_platform.contract import DataContract, LogicalType, columns_of
from mesh_platform.contract.rules import Rule
from mesh_platform.errors import ContractViolation, RuleFailure


def frame_failures(contract: type[DataContract], frame: Any) -> list[RuleFailure]:
    """The frame's missing and unexpected columns, and string columns holding other values.

    Args:
        contract: the product's contract.
        frame: what the product returned (pandas, polars or Arrow).
    """
    key = contract.meta().key
    present = [str(name) for name in _column_names(frame)]
    specs = columns_of(contract)
    expected = [c.name for c in specs]
    failures = [
        RuleFailure(key, name, Rule.COLUMNS, detail="missing column")
        for name in expected
        if name not in present
    ]
    for spec in specs:
        if spec.logical_type is LogicalType.STRING and spec.name in present:
            found = _not_text(frame, spec.name)
            if found is not None:
                detail = f"expected {LogicalType.STRING.value}, got {found}"
                failures.append(RuleFailure(key, spec.name, Rule.DTYPE, detail=detail))
    failures += [
        RuleFailure(key, name, Rule.COLUMNS, detail="unexpected column")
        for name in present
        if name not in expected
    ]
    return failures


def check_frame(contract: type[DataContract], frame: Any) -> None:
    """Raise :class:`ContractViolation` if :func:`frame_failures` finds anything."""
    failures = frame_failures(contract, frame)
    if failures:
        raise ContractViolation(contract.meta().key, failures)


def _column_names(frame: Any) -> list[Any]:
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)  # pandas and polars


def _not_text(frame: Any, name: str) -> str | None:
    """The type of a column that holds values other than strings, else ``None``."""
    if isinstance(frame, pd.DataFrame):
        values = frame[name]
        if isinstance(values.dtype, pd.StringDtype | pd.CategoricalDtype):
            return None
        kind = pd.api.types.infer_dtype(values, skipna=True)
        return None if kind in ("string", "empty") else str(values.dtype)
    if isinstance(frame, pa.Table):
        kind = frame.schema.field(name).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        return None if text or pa.types.is_null(kind) else str(kind)
    import polars as pl  # the frame is a polars DataFrame: polars is loaded already

    dtype = frame.schema[name]
    text = isinstance(dtype, pl.String | pl.Null | pl.Categorical | pl.Enum)
    return None if text else str(dtype)
