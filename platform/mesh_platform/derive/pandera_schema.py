"""pandera schemas of a contract (pandas and polars) and the validation of a frame.

Every rule is checked column-wise, never row by row, and carries one of the rule
names of :class:`~mesh_platform.errors.RuleFailure`: ``dtype``, ``not_null``,
``range`` (ge/gt/le/lt), ``pattern``, ``min_length``, ``max_length``,
``accepted_values`` (a ``Literal``), ``unique_grain`` (the grain columns, together)
and ``columns`` (the exact column set: no missing, no unexpected column).

Types and coercion (the same reading for both libraries):

=========  ====================================  =================================
logical    pandas                                polars
=========  ====================================  =================================
string     ``object``/``string``, never cast     ``String`` (nulls, categoricals)
integer    nullable ``Int64``                    ``Int64``
float      ``float64``                           ``Float64``
boolean    nullable ``boolean``                  ``Boolean``
date       ``datetime.date`` (from datetimes,    ``Date`` (from datetimes)
           ISO strings)
timestamp  ``datetime64[ns, UTC]``               ``Datetime("us", "UTC")``
=========  ====================================  =================================

* Lossless conversions are accepted, as pydantic's lax mode does (``1.0`` and, in
  pandas, ``"1"`` become the integer ``1``); lossy ones are ``dtype`` failures (``1.5``
  for an integer column). pandas integers use the nullable ``Int64`` so that a null
  in a required integer column is a ``not_null`` failure, not a failed cast.
* Nothing is turned into a string: a number in a string column is a ``dtype`` failure.
* A timestamp is a UTC instant: time-zone-aware values are converted to UTC and
  naive values are taken as UTC (the platform's convention when loading the
  warehouse); validated frames hold time-zone-aware UTC timestamps.
* A pattern must match the whole value (full match), whatever its anchors.

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
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import pandas as pd
import pandera.pandas as pa_pd
import pandera.polars as pa_pl
import polars as pl
import pyarrow as pa
from pandera.api.polars.types import PolarsData
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.engines import pandas_engine, polars_engine
from pandera.errors import ParserError, SchemaError, SchemaErrorReason, SchemaErrors

from mesh_platform.contract import ColumnSpec, DataContract, LogicalType, columns_of
from mesh_platform.errors import ContractViolation, RuleFailure

# --- rule names (the vocabulary of RuleFailure.rule) -----------------------------------
DTYPE = "dtype"
NOT_NULL = "not_null"
RANGE = "range"
PATTERN = "pattern"
MIN_LENGTH = "min_length"
MAX_LENGTH = "max_length"
ACCEPTED_VALUES = "accepted_values"
UNIQUE_GRAIN = "unique_grain"
COLUMNS = "columns"

RULES: tuple[str, ...] = (
    COLUMNS,
    DTYPE,
    NOT_NULL,
    RANGE,
    PATTERN,
    MIN_LENGTH,
    MAX_LENGTH,
    ACCEPTED_VALUES,
    UNIQUE_GRAIN,
)
"""Every rule a derived schema enforces, in the order failures are reported."""

SAMPLE_SIZE = 5
"""How many offending values a :class:`RuleFailure` keeps."""

FrameT = TypeVar("FrameT", pd.DataFrame, pl.DataFrame, pa.Table)


# --- human-readable rules -------------------------------------------------------------


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _bounds(column: ColumnSpec) -> tuple[tuple[float, bool] | None, tuple[float, bool] | None]:
    """The tightest lower and upper bounds: ``(value, inclusive)`` or ``None``."""
    lower: tuple[float, bool] | None = None
    if column.ge is not None:
        lower = (column.ge, True)
    if column.gt is not None and (lower is None or column.gt >= lower[0]):
        lower = (column.gt, False)
    upper: tuple[float, bool] | None = None
    if column.le is not None:
        upper = (column.le, True)
    if column.lt is not None and (upper is None or column.lt <= upper[0]):
        upper = (column.lt, False)
    return lower, upper


def range_text(column: ColumnSpec) -> str | None:
    """The column's range as text, e.g. ``>= 0, <= 1``; ``None`` without a range.

    Example:
        >>> from mesh_platform.contract import LogicalType
        >>> range_text(ColumnSpec("rate", LogicalType.FLOAT, False, "", ge=0, lt=1.5))
        '>= 0, < 1.5'
    """
    lower, upper = _bounds(column)
    parts = []
    if lower is not None:
        parts.append(f"{'>=' if lower[1] else '>'} {_number(lower[0])}")
    if upper is not None:
        parts.append(f"{'<=' if upper[1] else '<'} {_number(upper[0])}")
    return ", ".join(parts) or None


def values_text(values: Iterable[Any]) -> str:
    """Accepted values as text.

    Example:
        >>> values_text(["A", "B"])
        "in {'A', 'B'}"
    """
    return "in {" + ", ".join(repr(v) for v in values) + "}"


def rule_details(column: ColumnSpec) -> dict[str, str]:
    """The value rules a column carries, by rule name, each with a human description.

    ``not_null`` and ``dtype`` are not listed: every column has a type, and
    nullability is ``column.nullable``.

    Example:
        >>> from mesh_platform.contract import LogicalType
        >>> spec = ColumnSpec("code", LogicalType.STRING, False, "", pattern="^[A-Z]{3}$",
        ...                   max_length=3)
        >>> rule_details(spec)
        {'pattern': 'matches ^[A-Z]{3}$', 'max_length': 'length <= 3'}
    """
    details: dict[str, str] = {}
    text = range_text(column)
    if text:
        details[RANGE] = text
    if column.pattern is not None:
        details[PATTERN] = f"matches {column.pattern}"
    if column.min_length is not None:
        details[MIN_LENGTH] = f"length >= {column.min_length}"
    if column.max_length is not None:
        details[MAX_LENGTH] = f"length <= {column.max_length}"
    if column.allowed_values is not None:
        details[ACCEPTED_VALUES] = values_text(column.allowed_values)
    return details


def grain_text(grain: Sequence[str]) -> str:
    """The grain rule as text, e.g. ``unique (household_id, season)``."""
    return f"unique ({', '.join(grain)})"


# --- checks -----------------------------------------------------------------------------


def _checks(column: ColumnSpec, full_pattern: Callable[[str], str]) -> list[pa_pd.Check]:
    """The column's value checks, each named after its rule (pandera's Check is shared)."""
    details = rule_details(column)
    checks: list[pa_pd.Check] = []
    lower, upper = _bounds(column)
    if lower is not None and upper is not None:
        checks.append(
            pa_pd.Check.in_range(
                lower[0],
                upper[0],
                include_min=lower[1],
                include_max=upper[1],
                name=RANGE,
                error=details[RANGE],
            )
        )
    elif lower is not None:
        at_least = pa_pd.Check.ge if lower[1] else pa_pd.Check.gt
        checks.append(at_least(lower[0], name=RANGE, error=details[RANGE]))
    elif upper is not None:
        at_most = pa_pd.Check.le if upper[1] else pa_pd.Check.lt
        checks.append(at_most(upper[0], name=RANGE, error=details[RANGE]))
    if column.pattern is not None:
        checks.append(
            pa_pd.Check.str_matches(
                full_pattern(column.pattern), name=PATTERN, error=details[PATTERN]
            )
        )
    if column.min_length is not None:
        checks.append(
            pa_pd.Check.str_length(
                min_value=column.min_length, name=MIN_LENGTH, error=details[MIN_LENGTH]
            )
        )
    if column.max_length is not None:
        checks.append(
            pa_pd.Check.str_length(
                max_value=column.max_length, name=MAX_LENGTH, error=details[MAX_LENGTH]
            )
        )
    if column.allowed_values is not None:
        checks.append(
            pa_pd.Check.isin(
                list(column.allowed_values), name=ACCEPTED_VALUES, error=details[ACCEPTED_VALUES]
            )
        )
    return checks


def _pandas_full_pattern(pattern: str) -> str:
    # pandas' str.match anchors at the start; \Z anchors at the very end.
    return rf"(?:{pattern})\Z"


def _polars_full_pattern(pattern: str) -> str:
    # Rust regex: ``$`` without the multi-line flag is the very end of the text.
    return f"^(?:{pattern})$"


# --- pandas -----------------------------------------------------------------------------


def _pandas_dtype(logical: LogicalType) -> Any:
    return {
        LogicalType.STRING: str,
        LogicalType.INTEGER: pd.Int64Dtype(),
        LogicalType.FLOAT: "float64",
        LogicalType.BOOLEAN: pd.BooleanDtype(),
        LogicalType.DATE: pandas_engine.Date(),
        LogicalType.TIMESTAMP: pandas_engine.DateTime(tz="UTC"),  # type: ignore[call-arg]
    }[logical]


def pandas_schema(contract: type[DataContract]) -> pa_pd.DataFrameSchema:
    """The pandera schema of ``contract`` for pandas DataFrames.

    Args:
        contract: the product's contract.

    Returns:
        A strict schema (exactly the contract's columns, in any order) that coerces
        types losslessly and checks nullability, ranges, patterns, lengths, accepted
        values and the uniqueness of the grain.
    """
    meta = contract.meta()
    return pa_pd.DataFrameSchema(
        {
            c.name: pa_pd.Column(
                _pandas_dtype(c.logical_type),
                checks=_checks(c, _pandas_full_pattern),
                nullable=c.nullable,
                coerce=c.logical_type is not LogicalType.STRING,
                required=True,
                description=c.description or None,
            )
            for c in columns_of(contract)
        },
        strict=True,
        unique=list(meta.grain) or None,
        report_duplicates="all",
        name=meta.key,
        description=meta.description or None,
    )


# --- polars -----------------------------------------------------------------------------


def _lossless_int(data: PolarsData) -> pl.Expr | None:
    """Whether each value of a float column fits an integer; ``None`` for other types."""
    if not data.lazyframe.collect_schema()[data.key].is_float():
        return None
    value = pl.col(data.key)
    return value.is_null() | (value.is_finite() & (value == value.round(0)))


def _string_source(data: PolarsData) -> bool:
    """Whether a column may become a string column without inventing text."""
    dtype = data.lazyframe.collect_schema()[data.key]
    return isinstance(dtype, pl.String | pl.Null | pl.Categorical | pl.Enum)


def _refuse(data: PolarsData, accepted: pl.Expr, message: str) -> ParserError:
    """A coercion failure in pandera's form: the refused values and a per-row verdict."""
    verdict = data.lazyframe.select(accepted.alias(CHECK_OUTPUT_KEY)).collect()
    refused = data.lazyframe.select(pl.col(data.key)).filter(accepted.not_()).collect()
    return ParserError(message, failure_cases=refused, parser_output=verdict)


def _one_column(data_container: Any) -> PolarsData | None:
    """The container if it names one present column (the case these dtypes refine)."""
    if (
        isinstance(data_container, PolarsData)
        and data_container.key not in (None, "*")
        and data_container.key in data_container.lazyframe.collect_schema().names()
    ):
        return data_container
    return None


def _fractions(data_container: Any) -> tuple[PolarsData, pl.Expr] | None:
    """The column and its per-value verdict when some float values are not integers."""
    data = _one_column(data_container)
    accepted = _lossless_int(data) if data is not None else None
    if data is None or accepted is None:
        return None
    if data.lazyframe.select(accepted.all()).collect().item():
        return None
    return data, accepted


class _LosslessInt64(polars_engine.Int64):
    """Int64 that refuses floats with a fractional part (a polars cast truncates them)."""

    def coerce(self, data_container: Any) -> pl.LazyFrame:
        found = _fractions(data_container)
        if found is not None:
            raise pl.exceptions.InvalidOperationError(
                f"{found[0].key}: values with a fractional part do not fit an integer"
            )
        return super().coerce(data_container)

    def try_coerce(self, data_container: Any) -> pl.LazyFrame:
        found = _fractions(data_container)
        if found is not None:
            data, accepted = found
            raise _refuse(data, accepted, f"{data.key}: values with a fractional part")
        return super().try_coerce(data_container)


class _StrictString(polars_engine.String):
    """String that only casts nulls and categoricals: nothing else becomes a string."""

    def check(self, pandera_dtype: Any, data_container: Any = None) -> Any:
        return polars_engine.String().check(pandera_dtype, data_container)

    def coerce(self, data_container: Any) -> pl.LazyFrame:
        data = _one_column(data_container)
        if data is not None and not _string_source(data):
            raise pl.exceptions.InvalidOperationError(f"{data.key}: not a string column")
        return super().coerce(data_container)

    def try_coerce(self, data_container: Any) -> pl.LazyFrame:
        data = _one_column(data_container)
        if data is not None and not _string_source(data):
            accepted = pl.col(data.key).is_null()
            raise _refuse(data, accepted, f"{data.key}: not a string column")
        return super().try_coerce(data_container)


def _polars_dtype(logical: LogicalType) -> Any:
    return {
        LogicalType.STRING: _StrictString(),
        LogicalType.INTEGER: _LosslessInt64(),
        LogicalType.FLOAT: pl.Float64,
        LogicalType.BOOLEAN: pl.Boolean,
        LogicalType.DATE: pl.Date,
        LogicalType.TIMESTAMP: pl.Datetime("us", "UTC"),
    }[logical]


def polars_schema(contract: type[DataContract]) -> pa_pl.DataFrameSchema:
    """The pandera schema of ``contract`` for polars DataFrames.

    Args:
        contract: the product's contract.

    Returns:
        A strict schema with the same rules as :func:`pandas_schema`.
    """
    meta = contract.meta()
    return pa_pl.DataFrameSchema(
        {
            c.name: pa_pl.Column(
                _polars_dtype(c.logical_type),
                checks=_checks(c, _polars_full_pattern),
                nullable=c.nullable,
                coerce=True,
                required=True,
                description=c.description or None,
            )
            for c in columns_of(contract)
        },
        strict=True,
        unique=list(meta.grain) or None,
        report_duplicates="all",
        name=meta.key,
        description=meta.description or None,
    )


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
        RuleFailure(key, n, COLUMNS, detail="missing column") for n in expected if n not in present
    ]
    unexpected = [
        RuleFailure(key, n, COLUMNS, detail="unexpected column")
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
    return RuleFailure(contract.meta().key, column, DTYPE, count, sample, detail)


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
                RuleFailure(meta.key, None, UNIQUE_GRAIN, count, sample, grain_text(meta.grain))
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
            failures.append(RuleFailure(meta.key, column, NOT_NULL, count, (), "required"))
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
            rule = reason.value if reason is not None else DTYPE
            failures.append(RuleFailure(meta.key, column, str(rule), None, (), str(error)))
    return failures


def _merge(contract: type[DataContract], failures: Iterable[RuleFailure]) -> list[RuleFailure]:
    """One failure per (column, rule), in column then rule order."""
    failures = list(failures)
    # The value rules of a column of the wrong type are evaluated on values that are
    # not the contract's: only the type failure (and nulls) are reported for it.
    retyped = {f.column for f in failures if f.rule in (DTYPE, COLUMNS)}
    merged: dict[tuple[str | None, str], RuleFailure] = {}
    for failure in failures:
        if failure.column in retyped and failure.rule not in (DTYPE, COLUMNS, NOT_NULL):
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


__all__ = [
    "ACCEPTED_VALUES",
    "COLUMNS",
    "DTYPE",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "NOT_NULL",
    "PATTERN",
    "RANGE",
    "RULES",
    "UNIQUE_GRAIN",
    "grain_text",
    "pandas_schema",
    "polars_schema",
    "range_text",
    "rule_details",
    "validate_frame",
    "values_text",
]
