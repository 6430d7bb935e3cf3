"""Validating a pandas, polars or Arrow frame against its contract, with pandera.

For domain teams testing their frames: the rules and the type coercion are those of
the derived schemas (:mod:`mesh_platform.derive.pandera_schema`); every failure names
the product, the column and the :class:`~mesh_platform.contract.rules.Rule`.

Example:
    >>> from mesh_platform.contract import DataContract, Owner, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               owner=Owner(team="Demo", contact="demo@example.com"), register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.", pattern=r"^[A-Z]{3}$")
    >>> import pandas as pd
    >>> try:
    ...     validate_frame(Village, pd.DataFrame({"code": ["VTH", "VTH", "vth"]}))
    ... except ContractViolation as exc:
    ...     for failure in exc.failures:
    ...         print(failure.line())
    demo.village.code: pattern (matches ^[A-Z]{3}$): 1 row(s), e.g. ['vth']
    demo.village: unique_grain (unique (code)): 2 row(s), e.g. [('VTH',)]
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pandas as pd
import pandera.pandas as pa_pd
import pandera.polars as pa_pl
import polars as pl
import pyarrow as pa
from pandera.api.polars.types import PolarsData
from pandera.errors import ParserError, SchemaError, SchemaErrorReason, SchemaErrors

from mesh_platform.contract import DataContract, LogicalType, columns_of
from mesh_platform.contract.rules import Rule, grain_text, rule_details
from mesh_platform.derive.pandera_schema import RULES, pandas_schema, polars_schema
from mesh_platform.errors import ContractViolation, RuleFailure

SAMPLE_SIZE = 5
"""How many offending values a :class:`RuleFailure` keeps."""

FrameT = TypeVar("FrameT", pd.DataFrame, pl.DataFrame, pa.Table)


# --- validation -------------------------------------------------------------------------


def validate_frame(contract: type[DataContract], frame: FrameT) -> FrameT:
    """Validate a frame against its contract; return it with the contract's types.

    Args:
        contract: the product's contract.
        frame: a pandas DataFrame, a polars DataFrame or a pyarrow Table (validated
            through polars).

    Returns:
        The validated frame, of the kind given, its columns coerced to the
        contract's types.

    Raises:
        ContractViolation: naming the product and, for every broken (column, rule),
            the number of offending rows and a sample of offending values (grain
            keys for ``unique_grain``). Every rule is evaluated (lazy validation).
        TypeError: ``frame`` is none of the supported kinds.
    """
    if isinstance(frame, pd.DataFrame):
        return _validate_pandas(contract, frame)
    if isinstance(frame, pl.DataFrame):
        return _validate_polars(contract, frame)
    if isinstance(frame, pa.Table):
        validated = _validate_polars(contract, pl.DataFrame(frame))
        return validated.to_arrow(compat_level=pl.CompatLevel.oldest())
    raise TypeError(
        f"{contract.meta().key}: cannot validate a {type(frame).__name__}; "
        "give a pandas or polars DataFrame or a pyarrow Table"
    )


SchemaT = TypeVar("SchemaT", pa_pd.DataFrameSchema, pa_pl.DataFrameSchema)


def _present_only(schema: SchemaT, present: Sequence[str]) -> SchemaT:
    """The schema without the columns the frame lacks (they are reported on their own)."""
    missing = [name for name in schema.columns if name not in present]
    if not missing:
        return schema
    reduced = schema.remove_columns(missing)
    if reduced.unique and set(reduced.unique) & set(missing):
        reduced.unique = None  # the grain cannot be checked without all its columns
    return reduced


def _validate_pandas(contract: type[DataContract], frame: pd.DataFrame) -> pd.DataFrame:
    key = contract.meta().key
    present = [str(c) for c in frame.columns]
    failures = _column_set_failures(contract, present)
    schema = _present_only(pandas_schema(contract), present)
    try:
        with warnings.catch_warnings():
            # pandera's own report building trips a pandas deprecation; not the data's fault.
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"pandera\.")
            validated = schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        failures += _failures(contract, exc.schema_errors, frame)
    else:
        if not failures:
            return validated
    raise ContractViolation(key, _merge(contract, failures))


def _validate_polars(contract: type[DataContract], frame: pl.DataFrame) -> pl.DataFrame:
    key = contract.meta().key
    schema = _present_only(polars_schema(contract), frame.columns)
    failures = _column_set_failures(contract, frame.columns)
    # pandera coerces a polars frame's columns in one pass that stops at the first
    # failure; coerce them one by one so that every column is reported on its own.
    lazy = frame.lazy()
    for name, column in schema.columns.items():
        if name not in frame.columns:
            continue
        try:
            lazy = column.dtype.try_coerce(PolarsData(lazy, name))
        except ParserError as exc:
            failures.append(_dtype_failure(contract, name, exc.failure_cases, frame[name].dtype))
    try:
        validated = schema.validate(lazy.collect(), lazy=True)
    except SchemaErrors as exc:
        failures += _failures(contract, exc.schema_errors, frame)
    else:
        if not failures:
            return validated
    raise ContractViolation(key, _merge(contract, failures))


# --- from pandera's errors to rule failures ---------------------------------------------


def _column_set_failures(contract: type[DataContract], present: Sequence[str]) -> list[RuleFailure]:
    key = contract.meta().key
    expected = [c.name for c in columns_of(contract)]
    missing = [
        RuleFailure(key, n, Rule.COLUMNS, detail="missing column")
        for n in expected
        if n not in present
    ]
    unexpected = [
        RuleFailure(key, n, Rule.COLUMNS, detail="unexpected column")
        for n in present
        if n not in expected
    ]
    return missing + unexpected


def _python(value: Any) -> Any:
    """A plain Python value for a sample (numpy scalars and NaN/NaT made plain)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _sample(values: Iterable[Any]) -> tuple[Any, ...]:
    seen: list[Any] = []
    for value in values:
        plain = _python(value)
        if plain not in seen:
            seen.append(plain)
        if len(seen) >= SAMPLE_SIZE:
            break
    return tuple(seen)


def _values_of(failure_cases: Any, column: str | None) -> tuple[int | None, tuple[Any, ...]]:
    """Row count and sample of one column's failure cases (pandas or polars)."""
    if isinstance(failure_cases, pd.DataFrame):
        if "failure_case" not in failure_cases:
            return len(failure_cases), ()
        return len(failure_cases), _sample(failure_cases["failure_case"].tolist())
    if isinstance(failure_cases, pl.DataFrame):
        name = column if column in failure_cases.columns else failure_cases.columns[0]
        return failure_cases.height, _sample(failure_cases[name].to_list())
    return None, ()


def _duplicates_of(failure_cases: Any, grain: Sequence[str]) -> tuple[int | None, tuple[Any, ...]]:
    """Row count and sample of grain keys of a duplicates failure (pandas or polars)."""
    if isinstance(failure_cases, pd.DataFrame) and {"index", "column"} <= set(failure_cases):
        rows: dict[Any, dict[str, Any]] = {}
        for index, column, value in failure_cases[["index", "column", "failure_case"]].itertuples(
            index=False
        ):
            rows.setdefault(index, {})[column] = value
        keys = [tuple(row.get(g) for g in grain) for row in rows.values()]
        return len(rows), _sample_keys(keys)
    if isinstance(failure_cases, pl.DataFrame):
        present = [g for g in grain if g in failure_cases.columns]
        keys = [tuple(row) for row in failure_cases.select(present).iter_rows()]
        return failure_cases.height, _sample_keys(keys)
    return None, ()


def _sample_keys(keys: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    seen: list[tuple[Any, ...]] = []
    for key in keys:
        plain = tuple(_python(v) for v in key)
        if plain not in seen:
            seen.append(plain)
        if len(seen) >= SAMPLE_SIZE:
            break
    return tuple(seen)


def _dtype_failure(
    contract: type[DataContract],
    column: str,
    failure_cases: Any,
    actual: Any,
    values: pd.Series | None = None,
) -> RuleFailure:
    spec = {c.name: c for c in columns_of(contract)}[column]
    count, sample = _values_of(failure_cases, column)
    if count is None and isinstance(values, pd.Series) and spec.logical_type is LogicalType.INTEGER:
        # pandas does not say which values an integer cannot hold: the fractional ones.
        numbers = pd.to_numeric(values, errors="coerce")
        lossy = values[numbers.notna() & (numbers != numbers.round())]
        if len(lossy):
            count, sample = len(lossy), _sample(lossy.tolist())
    detail = f"expected {spec.logical_type.value}"
    if actual is not None:
        detail += f", got {actual}"
    return RuleFailure(contract.meta().key, column, Rule.DTYPE, count, sample, detail)


def _failures(
    contract: type[DataContract],
    errors: Iterable[SchemaError],
    frame: pd.DataFrame | pl.DataFrame,
) -> list[RuleFailure]:
    meta = contract.meta()
    specs = {c.name: c for c in columns_of(contract)}
    failures: list[RuleFailure] = []
    for error in errors:
        reason = error.reason_code
        column: str | None = None
        if isinstance(error.schema, pa_pd.Column | pa_pl.Column):
            column = error.schema.name
        if reason in (
            SchemaErrorReason.COLUMN_NOT_IN_SCHEMA,
            SchemaErrorReason.COLUMN_NOT_IN_DATAFRAME,
        ):
            continue  # the column set is compared directly, for every column
        if reason is SchemaErrorReason.DUPLICATES:
            count, sample = _duplicates_of(error.failure_cases, meta.grain)
            failures.append(
                RuleFailure(
                    meta.key, None, Rule.UNIQUE_GRAIN, count, sample, grain_text(meta.grain)
                )
            )
        elif reason in (SchemaErrorReason.WRONG_DATATYPE, SchemaErrorReason.DATATYPE_COERCION):
            cases = error.failure_cases
            if column is None and isinstance(cases, pl.DataFrame) and cases.width:
                column = cases.columns[0]  # a frame-level coercion names its column here
            if column in specs:
                values = frame[column] if column in frame.columns else None
                actual = values.dtype if values is not None else None
                series = values if isinstance(values, pd.Series) else None
                failures.append(_dtype_failure(contract, column, cases, actual, series))
        elif reason is SchemaErrorReason.SERIES_CONTAINS_NULLS and column in specs:
            count, _ = _values_of(error.failure_cases, column)
            failures.append(RuleFailure(meta.key, column, Rule.NOT_NULL, count, (), "required"))
        elif reason is SchemaErrorReason.DATAFRAME_CHECK and column in specs:
            rule = getattr(error.check, "name", None) or str(error.check)
            count, sample = _values_of(error.failure_cases, column)
            detail = rule_details(specs[column]).get(rule, "")
            failures.append(RuleFailure(meta.key, column, rule, count, sample, detail))
        elif reason is SchemaErrorReason.CHECK_ERROR and column in specs:
            # A check that could not run, most often on a column of the wrong type:
            # reported without a count, and dropped when the column's type is wrong.
            rule = getattr(error.check, "name", None) or str(error.check)
            failures.append(
                RuleFailure(meta.key, column, rule, None, (), f"not evaluated: {error}")
            )
        else:
            rule = reason.value if reason is not None else Rule.DTYPE
            failures.append(RuleFailure(meta.key, column, str(rule), None, (), str(error)))
    return failures


def _merge(contract: type[DataContract], failures: Iterable[RuleFailure]) -> list[RuleFailure]:
    """One failure per (column, rule), in column then rule order."""
    failures = list(failures)
    # The value rules of a column of the wrong type are evaluated on values that are
    # not the contract's: only the type failure (and nulls) are reported for it.
    retyped = {f.column for f in failures if f.rule in (Rule.DTYPE, Rule.COLUMNS)}
    merged: dict[tuple[str | None, str], RuleFailure] = {}
    for failure in failures:
        if failure.column in retyped and failure.rule not in (
            Rule.DTYPE,
            Rule.COLUMNS,
            Rule.NOT_NULL,
        ):
            continue
        key = (failure.column, failure.rule)
        known = merged.get(key)
        if known is None:
            merged[key] = failure
            continue
        counts = [c for c in (known.failing_rows, failure.failing_rows) if c is not None]
        merged[key] = RuleFailure(
            known.product,
            known.column,
            known.rule,
            max(counts) if counts else None,
            _sample([*known.sample, *failure.sample]),
            known.detail or failure.detail,
        )
    order = {c.name: c.position for c in columns_of(contract)}

    def sort_key(item: RuleFailure) -> tuple[int, int, str]:
        position = order.get(item.column, len(order)) if item.column else len(order) + 1
        rule = RULES.index(item.rule) if item.rule in RULES else len(RULES)
        return (position, rule, item.column or "")

    return sorted(merged.values(), key=sort_key)


__all__ = ["SAMPLE_SIZE", "validate_frame"]
