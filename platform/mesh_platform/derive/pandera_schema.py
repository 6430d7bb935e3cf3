"""pandera schemas of a contract, for pandas and polars DataFrames.

Every rule is checked column-wise, never row by row, and is named after its
:class:`~mesh_platform.contract.rules.Rule` (see :data:`RULES`). The platform enforces
a product's rules once, in the warehouse (write-audit-publish); these schemas are
derived for domain teams testing their frames, with
:func:`~mesh_platform.derive.pandera_validation.validate_frame`.

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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa_pd
import pandera.polars as pa_pl
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.engines import pandas_engine, polars_engine
from pandera.errors import ParserError

from mesh_platform.contract import ColumnSpec, DataContract, LogicalType, columns_of
from mesh_platform.contract.rules import Rule, bounds, grain_text, range_text, rule_details

RULES: tuple[Rule, ...] = tuple(rule for rule in Rule if rule.in_frame_schema)
"""Every rule a derived schema enforces, in the order failures are reported."""


# --- checks -----------------------------------------------------------------------------


def _checks(column: ColumnSpec, full_pattern: Callable[[str], str]) -> list[pa_pd.Check]:
    """The column's value checks, each named after its rule (pandera's Check is shared)."""
    details = rule_details(column)
    checks: list[pa_pd.Check] = []
    lower, upper = bounds(column)
    if lower is not None and upper is not None:
        checks.append(
            pa_pd.Check.in_range(
                lower[0],
                upper[0],
                include_min=lower[1],
                include_max=upper[1],
                name=Rule.RANGE.value,
                error=details[Rule.RANGE],
            )
        )
    elif lower is not None:
        at_least = pa_pd.Check.ge if lower[1] else pa_pd.Check.gt
        checks.append(at_least(lower[0], name=Rule.RANGE.value, error=details[Rule.RANGE]))
    elif upper is not None:
        at_most = pa_pd.Check.le if upper[1] else pa_pd.Check.lt
        checks.append(at_most(upper[0], name=Rule.RANGE.value, error=details[Rule.RANGE]))
    if column.pattern is not None:
        checks.append(
            pa_pd.Check.str_matches(
                full_pattern(column.pattern), name=Rule.PATTERN.value, error=details[Rule.PATTERN]
            )
        )
    if column.min_length is not None:
        checks.append(
            pa_pd.Check.str_length(
                min_value=column.min_length,
                name=Rule.MIN_LENGTH.value,
                error=details[Rule.MIN_LENGTH],
            )
        )
    if column.max_length is not None:
        checks.append(
            pa_pd.Check.str_length(
                max_value=column.max_length,
                name=Rule.MAX_LENGTH.value,
                error=details[Rule.MAX_LENGTH],
            )
        )
    if column.allowed_values is not None:
        checks.append(
            pa_pd.Check.isin(
                list(column.allowed_values),
                name=Rule.ACCEPTED_VALUES.value,
                error=details[Rule.ACCEPTED_VALUES],
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


__all__ = [
    "RULES",
    "grain_text",
    "pandas_schema",
    "polars_schema",
    "range_text",
    "rule_details",
]
