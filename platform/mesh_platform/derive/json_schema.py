"""The JSON Schema (draft 2020-12) of one row of a product.

Built from :func:`~mesh_platform.contract.columns_of`, like every derivation, and
stricter than a pydantic model's schema where a row of a table must be:

* every column is present (``required``), nullable ones may hold ``null``; no other
  property is allowed;
* a pattern must match the whole value (it is anchored when the contract's is not
  anchored on both ends);
* dates are ``YYYY-MM-DD`` and timestamps RFC 3339 date-times with an offset (UTC
  instants), enforced by a pattern as well as by ``format``, so that validators
  that treat ``format`` as an annotation (the default) still reject bad values.

Contract facts ride along as ``x-`` keywords: ``x-domain``, ``x-product``,
``x-version``, ``x-grain``, ``x-owner``, ``x-access`` (and ``x-tolerance`` when the
contract tolerates left-out rows or guards its volume) at the top and
``x-classification``, ``x-references``, ``x-semantic``, ``x-unit`` per property.

Example:
    >>> from mesh_platform.contract import DataContract, Owner, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               owner=Owner(team="Demo", contact="demo@example.com"), register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.", pattern=r"^[A-Z]{3}$")
    ...     altitude_m: int | None = column("Altitude of the village.", default=None, ge=0)
    >>> json_schema(Village)["properties"]["altitude_m"]
    {'type': ['integer', 'null'], 'description': 'Altitude of the village.', 'minimum': 0, \
'x-classification': 'none'}
"""

from __future__ import annotations

from typing import Any

from mesh_platform.contract import ColumnSpec, DataContract, LogicalType, columns_of

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""A calendar date, ``YYYY-MM-DD`` (``format: date`` says the same)."""

DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
"""An RFC 3339 date-time with its offset (``format: date-time`` says the same)."""

_TYPES: dict[LogicalType, dict[str, Any]] = {
    LogicalType.STRING: {"type": "string"},
    LogicalType.INTEGER: {"type": "integer"},
    LogicalType.FLOAT: {"type": "number"},
    LogicalType.BOOLEAN: {"type": "boolean"},
    LogicalType.DATE: {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    LogicalType.TIMESTAMP: {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
}


def full_match(pattern: str) -> str:
    """A pattern that matches whole values under JSON Schema's search semantics.

    Example:
        >>> full_match("^[A-Z]{3}$")
        '^[A-Z]{3}$'
        >>> full_match("[A-Z]{3}")
        '^(?:[A-Z]{3})$'
        >>> full_match("^[0-9]{9}$|^2[AB][0-9]{7}$")
        '^(?:^[0-9]{9}$|^2[AB][0-9]{7}$)$'
    """
    simple = pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    if simple and "|" not in pattern:
        return pattern
    return f"^(?:{pattern})$"


def _number(value: float, logical: LogicalType) -> int | float:
    if logical is LogicalType.INTEGER and float(value).is_integer():
        return int(value)
    return value


def property_schema(column: ColumnSpec) -> dict[str, Any]:
    """The JSON Schema of one column's values."""
    schema: dict[str, Any] = dict(_TYPES[column.logical_type])
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    if column.description:
        schema["description"] = column.description
    if column.allowed_values is not None:
        schema["enum"] = [*column.allowed_values, *([None] if column.nullable else [])]
    for keyword, value in (
        ("minimum", column.ge),
        ("exclusiveMinimum", column.gt),
        ("maximum", column.le),
        ("exclusiveMaximum", column.lt),
    ):
        if value is not None:
            schema[keyword] = _number(value, column.logical_type)
    if column.pattern is not None:
        schema["pattern"] = full_match(column.pattern)
    if column.min_length is not None:
        schema["minLength"] = column.min_length
    if column.max_length is not None:
        schema["maxLength"] = column.max_length
    if column.examples:
        schema["examples"] = [_jsonable(v) for v in column.examples]
    schema["x-classification"] = column.classification.value
    if column.rationale:
        schema["x-classification-rationale"] = column.rationale
    if column.references:
        schema["x-references"] = column.references
    if column.semantic:
        schema["x-semantic"] = column.semantic
    if column.unit:
        schema["x-unit"] = column.unit
    return schema


def _jsonable(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value


def json_schema(contract: type[DataContract]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one row of ``contract``'s product.

    Args:
        contract: the product's contract.

    Returns:
        A JSON-serialisable schema: an object with exactly the contract's columns.
    """
    meta = contract.meta()
    columns = columns_of(contract)
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:trident:contract:{meta.key}:{meta.version}",
        "title": meta.key,
        "description": meta.description,
        "type": "object",
        "properties": {c.name: property_schema(c) for c in columns},
        "required": [c.name for c in columns],
        "additionalProperties": False,
        "x-domain": meta.domain,
        "x-product": meta.product,
        "x-version": meta.version,
        "x-grain": list(meta.grain),
        "x-access": meta.access.value,
    }
    if meta.owner is not None:
        schema["x-owner"] = {"team": meta.owner.team, "contact": meta.owner.contact}
    if meta.tags:
        schema["x-tags"] = list(meta.tags)
    if not meta.tolerance.is_strict:
        schema["x-tolerance"] = meta.tolerance.model_dump(exclude_none=True)
    return schema
