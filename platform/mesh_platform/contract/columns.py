"""Reading a contract's columns: the one place that interprets pydantic fields.

Every derivation (pandera, DDL, checks, Dagster, JSON Schema, ODCS, lineage) reads
columns through :func:`columns_of`, never through pydantic internals, so the
interpretation of a field is written once.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import annotated_types as at
from pydantic import StringConstraints
from pydantic.fields import FieldInfo

from mesh_platform.contract.model import (
    Classification,
    ContractDeclarationError,
    DataContract,
    Semantic,
)


class LogicalType(StrEnum):
    """Engine-neutral column types a contract may use."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"


_PY_TO_LOGICAL: dict[type, LogicalType] = {
    str: LogicalType.STRING,
    int: LogicalType.INTEGER,
    float: LogicalType.FLOAT,
    bool: LogicalType.BOOLEAN,
    dt.date: LogicalType.DATE,
    dt.datetime: LogicalType.TIMESTAMP,
}


@dataclass(frozen=True)
class ColumnSpec:
    """Everything a contract says about one column, engine-neutral."""

    name: str
    logical_type: LogicalType
    nullable: bool
    description: str
    classification: Classification = Classification.NONE
    rationale: str | None = None
    references: str | None = None
    semantic: str | None = None
    unit: str | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    allowed_values: tuple[Any, ...] | None = None
    examples: tuple[Any, ...] = ()
    position: int = 0
    renamed_from: str | None = None
    reference_severity: str = "block"

    @property
    def is_pii(self) -> bool:
        return self.classification.is_pii

    @property
    def reference_target(self) -> tuple[str, str, str] | None:
        """``(domain, product, column)`` this column references, if any."""
        if not self.references:
            return None
        parts = self.references.split(".")
        if len(parts) != 3:
            return None
        return parts[0], parts[1], parts[2]

    @property
    def has_range(self) -> bool:
        return any(v is not None for v in (self.ge, self.gt, self.le, self.lt))


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """Strip Optional/Annotated layers: (base type, nullable, metadata found)."""
    nullable = False
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            metadata.extend(args[1:])
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != len(typing.get_args(annotation)):
                nullable = True
            if len(members) != 1:
                raise ContractDeclarationError(f"unsupported union type {annotation!r}")
            annotation = members[0]
            continue
        return annotation, nullable, metadata


def _read_metadata(items: list[Any], out: dict[str, Any]) -> None:
    for item in items:
        if isinstance(item, FieldInfo):
            _read_metadata(list(item.metadata), out)
            if item.description and "description" not in out:
                out["description"] = item.description
            if item.examples:
                out["examples"] = tuple(item.examples)
            extra = item.json_schema_extra
            if isinstance(extra, dict):
                out.setdefault("extra", {}).update(extra)
        elif isinstance(item, Semantic):
            out["semantic"] = item.name
            out["unit"] = item.unit
            if item.description:
                out.setdefault("semantic_description", item.description)
        elif isinstance(item, StringConstraints):
            if item.pattern is not None:
                out["pattern"] = str(item.pattern)
            if item.max_length is not None:
                out["max_length"] = item.max_length
            if item.min_length is not None:
                out["min_length"] = item.min_length
        elif isinstance(item, at.Ge):
            out["ge"] = item.ge
        elif isinstance(item, at.Gt):
            out["gt"] = item.gt
        elif isinstance(item, at.Le):
            out["le"] = item.le
        elif isinstance(item, at.Lt):
            out["lt"] = item.lt
        elif isinstance(item, at.MaxLen):
            out["max_length"] = item.max_length
        elif isinstance(item, at.MinLen):
            out["min_length"] = item.min_length
        elif isinstance(item, at.Interval):
            for bound in ("ge", "gt", "le", "lt"):
                value = getattr(item, bound)
                if value is not None:
                    out[bound] = value
        elif hasattr(item, "pattern") and isinstance(getattr(item, "pattern", None), str):
            out["pattern"] = item.pattern


def column_spec(
    contract: type[DataContract], name: str, info: FieldInfo, position: int
) -> ColumnSpec:
    """Interpret one pydantic field of ``contract`` as a column."""
    base, nullable, inner = _unwrap(info.annotation)
    found: dict[str, Any] = {}
    _read_metadata(inner, found)
    # Field-level metadata wins over the semantic type's.
    _read_metadata(list(info.metadata), found)
    extra = dict(found.get("extra", {}))
    if isinstance(info.json_schema_extra, dict):
        extra.update(info.json_schema_extra)

    allowed: tuple[Any, ...] | None = None
    if typing.get_origin(base) is typing.Literal:
        allowed = typing.get_args(base)
        kinds = {type(v) for v in allowed}
        if len(kinds) != 1:
            raise ContractDeclarationError(
                f"{contract.__qualname__}.{name}: a Literal must hold values of one type"
            )
        base = kinds.pop()
    logical = _PY_TO_LOGICAL.get(base)
    if logical is None:
        raise ContractDeclarationError(
            f"{contract.__qualname__}.{name}: unsupported column type {base!r}; "
            f"use one of {', '.join(t.__name__ for t in _PY_TO_LOGICAL)}"
        )
    description = (
        info.description or found.get("description") or found.get("semantic_description", "")
    )
    return ColumnSpec(
        name=name,
        logical_type=logical,
        nullable=nullable,
        description=description,
        classification=Classification(extra.get("x-classification", "none")),
        rationale=extra.get("x-classification-rationale"),
        references=extra.get("x-references"),
        semantic=found.get("semantic"),
        unit=found.get("unit"),
        ge=found.get("ge"),
        gt=found.get("gt"),
        le=found.get("le"),
        lt=found.get("lt"),
        pattern=found.get("pattern"),
        min_length=found.get("min_length"),
        max_length=found.get("max_length"),
        allowed_values=allowed,
        examples=tuple(info.examples or found.get("examples", ())),
        position=position,
        renamed_from=extra.get("x-renamed-from"),
        reference_severity=extra.get("x-reference-severity", "block"),
    )


def columns_of(contract: type[DataContract]) -> list[ColumnSpec]:
    """The columns of a contract, in declaration order."""
    return [
        column_spec(contract, name, info, i)
        for i, (name, info) in enumerate(contract.model_fields.items())
    ]


def column_map(contract: type[DataContract]) -> dict[str, ColumnSpec]:
    """The columns of a contract by name."""
    return {c.name: c for c in columns_of(contract)}
