"""The Open Data Contract Standard (ODCS v3) document of a product.

The document is built with the standard's own pydantic model (the
``open-data-contract-standard`` package) and checked against the JSON Schema the
package ships, so that an exported document is a valid ODCS document.

What goes where:

* ``id`` = ``domain.product``, ``name``/``dataProduct`` = the product, ``domain``,
  ``version``, ``status`` (``active``, or ``deprecated`` for an old version kept beside
  its successor, with ``deprecatedUntil`` and ``replacedBy`` custom properties), ``tags``;
* ``description``: ``purpose`` (the docstring's first paragraph), ``usage`` (the
  rest, and the grain), ``limitations`` (access, personal data);
* one schema object (the product's table) whose properties are the columns:
  ``logicalType``, ``physicalType`` (BigQuery's), ``required``, ``primaryKey`` and
  ``primaryKeyPosition`` (the grain), ``unique`` (a one-column grain),
  ``partitioned``, ``classification``, ``examples``, ``logicalTypeOptions`` (bounds,
  pattern, lengths, date format, time zone), ``enum`` and an ``invalidValues``
  quality rule for accepted values, a foreign-key ``relationships`` entry for a
  reference, and custom properties (semantic type, unit, classification rationale,
  the column's previous name when it was renamed, what a missing reference does);
  a ``duplicateValues`` quality rule on the grain, and a custom one per tolerance and per
  reconciliation with another product;
* ``team`` (the owning team), ``support`` (its contact), ``slaProperties``
  (``latency`` = the freshness SLA, ``frequency`` = its schedule).

Example:
    >>> from mesh_platform.contract import DataContract, Owner, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               owner=Owner(team="Demo", contact="demo@example.com"), register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.", pattern=r"^[A-Z]{3}$")
    >>> document = odcs_document(Village)
    >>> document.apiVersion, document.id, document.description.purpose
    ('v3.2.0', 'demo.village', 'One row per village.')
    >>> code = document.schema_[0].properties[0]
    >>> code.logicalType, code.required, code.primaryKey, code.logicalTypeOptions
    ('string', True, True, {'pattern': '^[A-Z]{3}$'})
    >>> odcs_yaml(Village).splitlines()[:3]
    ['version: 1.0.0', 'kind: DataContract', 'apiVersion: v3.2.0']
"""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from importlib import resources
from typing import Any

import yaml
from open_data_contract_standard.model import (
    CustomProperty,
    DataQuality,
    Description,
    EnumValue,
    OpenDataContractStandard,
    Relationship,
    SchemaObject,
    SchemaProperty,
    ServiceLevelAgreementProperty,
    Support,
    Team,
)

from mesh_platform.contract import (
    AccessLevel,
    Classification,
    ColumnSpec,
    DataContract,
    LogicalType,
    ProductMeta,
    columns_of,
)
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.json_schema import numeric_bounds
from mesh_platform.derive.sqltypes import bigquery_field_type

API_VERSION = "v3.2.0"
"""The ODCS version of the installed standard package (its schema's default)."""

KIND = "DataContract"

_LOGICAL_TYPES: dict[LogicalType, str] = {
    LogicalType.STRING: "string",
    LogicalType.INTEGER: "integer",
    LogicalType.FLOAT: "number",
    LogicalType.BOOLEAN: "boolean",
    LogicalType.DATE: "date",
    LogicalType.TIMESTAMP: "timestamp",
}


class OdcsValidationError(ValueError):
    """A derived ODCS document that the standard's JSON Schema rejects."""


# --- description ----------------------------------------------------------------------


def _description(meta: ProductMeta, columns: list[ColumnSpec]) -> Description:
    paragraphs = [p.strip() for p in meta.description.split("\n\n") if p.strip()]
    purpose = " ".join(paragraphs[0].split()) if paragraphs else None
    usage = [*paragraphs[1:]]
    if meta.grain:
        usage.append(f"Grain: one row per {', '.join(meta.grain)}.")
    limitations = []
    if meta.access is AccessLevel.INTERNAL:
        limitations.append(f"Internal to the {meta.domain} domain: other domains must not read it.")
    else:
        limitations.append("Public to every domain of the mesh.")
    personal = [c for c in columns if c.classification is not Classification.NONE]
    if personal:
        listed = ", ".join(f"{c.name} ({c.classification.value})" for c in personal)
        limitations.append(
            f"Holds personal or sensitive data: {listed}; use it only for the purpose "
            "each column's classification rationale states."
        )
    return Description(
        purpose=purpose,
        usage="\n\n".join(usage) or None,
        limitations=" ".join(limitations),
    )


# --- properties -----------------------------------------------------------------------


def _type_options(column: ColumnSpec) -> dict[str, Any] | None:
    options: dict[str, Any] = {}
    if column.logical_type is LogicalType.STRING:
        if column.pattern is not None:
            options["pattern"] = column.pattern
        if column.min_length is not None:
            options["minLength"] = column.min_length
        if column.max_length is not None:
            options["maxLength"] = column.max_length
    elif column.logical_type in (LogicalType.INTEGER, LogicalType.FLOAT):
        options.update(numeric_bounds(column))
        if column.logical_type is LogicalType.INTEGER:
            options["format"] = "i64"
    elif column.logical_type is LogicalType.DATE:
        options["format"] = "yyyy-MM-dd"
    elif column.logical_type is LogicalType.TIMESTAMP:
        options["timezone"] = True
        options["defaultTimezone"] = "Etc/UTC"
    return options or None


def _quality(column: ColumnSpec) -> list[DataQuality] | None:
    if column.allowed_values is None:
        return None
    return [
        DataQuality(
            name=f"{column.name}_{Rule.ACCEPTED_VALUES.value}",
            description=f"{column.name} holds one of the accepted values only.",
            dimension="conformity",
            type="library",
            metric="invalidValues",
            arguments={"validValues": list(column.allowed_values)},
            mustBe=0,
            unit="rows",
        )
    ]


def _custom_properties(column: ColumnSpec) -> list[CustomProperty] | None:
    found = [
        CustomProperty(property=name, value=value)
        for name, value in (
            ("semanticType", column.semantic),
            ("unit", column.unit),
            ("classificationRationale", column.rationale),
            ("renamedFrom", column.renamed_from),
            ("referenceSeverity", "warn" if column.reference_severity == "warn" else None),
        )
        if value
    ]
    return found or None


def _property(column: ColumnSpec, meta: ProductMeta) -> SchemaProperty:
    in_grain = column.name in meta.grain
    partitioned = meta.partitioning is not None and meta.partitioning.column == column.name
    return SchemaProperty(
        name=column.name,
        physicalName=column.name,
        logicalType=_LOGICAL_TYPES[column.logical_type],
        physicalType=bigquery_field_type(column.logical_type),
        description=column.description or None,
        required=not column.nullable,
        primaryKey=in_grain or None,
        primaryKeyPosition=meta.grain.index(column.name) + 1 if in_grain else None,
        unique=True if meta.grain == (column.name,) else None,
        partitioned=True if partitioned else None,
        partitionKeyPosition=1 if partitioned else None,
        classification=column.classification.value,
        examples=[_plain(v) for v in column.examples] or None,
        logicalTypeOptions=_type_options(column),
        enum=[EnumValue(value=v) for v in column.allowed_values]
        if column.allowed_values is not None
        else None,
        quality=_quality(column),
        relationships=[Relationship(type="foreignKey", to=column.references)]
        if column.references
        else None,
        tags=["pii"] if column.classification.is_pii else None,
        customProperties=_custom_properties(column),
    )


def _plain(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value


def _schema_object(meta: ProductMeta, columns: list[ColumnSpec]) -> SchemaObject:
    quality = None
    if meta.grain:
        quality = [
            DataQuality(
                name=Rule.UNIQUE_GRAIN.value,
                description=f"One row per {', '.join(meta.grain)}: no two rows share them.",
                dimension="uniqueness",
                type="library",
                metric="duplicateValues",
                arguments={"properties": list(meta.grain)},
                mustBe=0,
                unit="rows",
            )
        ]
    quality = (quality or []) + _tolerance_quality(meta) + _reconciliation_quality(meta) or None
    granularity = f"One row per {', '.join(meta.grain)}" if meta.grain else None
    return SchemaObject(
        name=meta.product,
        physicalName=meta.product,
        physicalType="table",
        logicalType="object",
        description=meta.description or None,
        dataGranularityDescription=granularity,
        properties=[_property(c, meta) for c in columns],
        quality=quality,
        tags=list(meta.tags) or None,
    )


def _tolerance_quality(meta: ProductMeta) -> list[DataQuality]:
    """The contract's tolerance as quality rules: one per reason a run may leave rows
    out for, and one per volume guard (none for the strict default)."""
    tolerance = meta.tolerance
    found = [
        DataQuality(
            name=Rule.LEFT_OUT_TOLERANCE.value,
            description=(
                f"Rows left out for {reason!r}: at most this share of a stage's candidate "
                "rows (a reason not listed may not occur)."
            ),
            dimension="completeness",
            type="custom",
            engine="trident",
            implementation={"reason": reason, "max_share": share},
        )
        for reason, share in sorted(tolerance.left_out.items())
    ]
    for direction, limit in (("drop", tolerance.volume_drop), ("growth", tolerance.volume_growth)):
        if limit is not None:
            found.append(
                DataQuality(
                    name=Rule.VOLUME_CHANGE.value,
                    description=(
                        f"Published rows: a relative {direction} against the last publish "
                        "of at most this share."
                    ),
                    dimension="completeness",
                    type="custom",
                    engine="trident",
                    implementation={"direction": direction, "max_share": limit},
                )
            )
    return found


def _reconciliation_quality(meta: ProductMeta) -> list[DataQuality]:
    """The reconciliations with other products, one quality rule each."""
    return [
        DataQuality(
            name=r.name,
            description=f"{r.description} (against {r.against})",
            dimension="consistency",
            type="custom",
            engine="trident",
            severity="error" if r.severity == "block" else "warning",
            implementation={
                "measure": r.measure,
                "against": r.against,
                "against_measure": r.against_measure,
                "by": list(r.by),
                "against_by": list(r.against_columns),
                "tolerance": r.tolerance,
            },
        )
        for r in meta.reconciliations
    ]


# --- service levels, team, support ------------------------------------------------------


def latency(max_lag: timedelta) -> tuple[int | float, str]:
    """A freshness lag as an ODCS value and unit (``d``, ``h``, ``min`` or ``s``).

    Example:
        >>> latency(timedelta(hours=26)), latency(timedelta(days=8))
        ((26, 'h'), (8, 'd'))
        >>> latency(timedelta(minutes=15))
        (15, 'min')
    """
    seconds = max_lag.total_seconds()
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return int(seconds // size), unit
    return (int(seconds) if seconds.is_integer() else seconds), "s"


def _sla(meta: ProductMeta) -> list[ServiceLevelAgreementProperty] | None:
    if meta.freshness is None:
        return None
    value, unit = latency(meta.freshness.max_lag)
    slas = [
        ServiceLevelAgreementProperty(
            property="latency",
            value=value,
            unit=unit,
            description=f"The published data is at most {value} {unit} old.",
        )
    ]
    if meta.freshness.cron:
        slas.append(
            ServiceLevelAgreementProperty(
                property="frequency",
                value=meta.freshness.cron,
                scheduler="cron",
                schedule=meta.freshness.cron,
                description="Expected publication schedule (UTC).",
            )
        )
    return slas


def _support(meta: ProductMeta) -> list[Support] | None:
    if meta.owner is None:
        return None
    contact = meta.owner.contact
    is_email = "@" in contact and " " not in contact
    return [
        Support(
            channel=contact,
            tool="email" if is_email else "other",
            url=f"mailto:{contact}" if is_email else None,
            scope="interactive",
            description=f"Questions and issues about the product, answered by {meta.owner.team}.",
        )
    ]


def _custom(meta: ProductMeta) -> list[CustomProperty]:
    found = [
        CustomProperty(property="access", value=meta.access.value),
        CustomProperty(property="tier", value=meta.tier),
    ]
    if meta.deprecation is not None:
        found.append(
            CustomProperty(property="deprecatedUntil", value=meta.deprecation.until.isoformat())
        )
        found.append(CustomProperty(property="replacedBy", value=meta.deprecation.replaced_by))
    if meta.partitioning is not None:
        found.append(
            CustomProperty(
                property="partitioning",
                value={"column": meta.partitioning.column, "kind": meta.partitioning.kind},
            )
        )
    return found


# --- the document ---------------------------------------------------------------------


def odcs_document(contract: type[DataContract]) -> OpenDataContractStandard:
    """The ODCS v3 document of ``contract``'s product, as the standard's model.

    Args:
        contract: the product's contract.

    Returns:
        The document; :func:`odcs_yaml` serialises it.
    """
    meta = contract.meta()
    columns = columns_of(contract)
    team = Team(name=meta.owner.team, description=f"Owner of {meta.key}.") if meta.owner else None
    return OpenDataContractStandard(
        apiVersion=API_VERSION,
        kind=KIND,
        id=meta.key,
        name=meta.product,
        version=meta.version,
        status="deprecated" if meta.deprecation is not None else "active",
        domain=meta.domain,
        dataProduct=meta.product,
        tags=list(meta.tags) or None,
        description=_description(meta, columns),
        schema=[_schema_object(meta, columns)],
        team=team,
        support=_support(meta),
        slaProperties=_sla(meta),
        customProperties=_custom(meta),
    )


def odcs_dict(contract: type[DataContract]) -> dict[str, Any]:
    """The ODCS document as plain data (by alias, without unset fields)."""
    document = odcs_document(contract).model_dump(by_alias=True, exclude_none=True)
    return json.loads(json.dumps(document))  # plain lists, dicts and scalars only


@functools.cache
def _standard_validator() -> Any:
    import jsonschema

    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text()
    schema = json.loads(text)
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


def standard_errors(document: dict[str, Any]) -> list[str]:
    """What the standard's JSON Schema finds wrong in a document (empty if valid)."""
    errors = sorted(_standard_validator().iter_errors(document), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def odcs_yaml(contract: type[DataContract]) -> str:
    """The ODCS document of ``contract``'s product as YAML.

    The text is checked before it is returned: it parses back into the standard's
    model and the standard's JSON Schema accepts it.

    Raises:
        OdcsValidationError: the document breaks the standard (a bug of this module).
    """
    key = contract.meta().key
    document = odcs_dict(contract)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    parsed = OpenDataContractStandard.from_string(text)
    problems = standard_errors(parsed.model_dump(by_alias=True, exclude_none=True, mode="json"))
    if problems:
        raise OdcsValidationError(f"{key}: the ODCS document breaks the standard: {problems}")
    return text
