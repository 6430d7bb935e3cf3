"""Dagster metadata of a product: its column schema and its contract's facts.

:func:`column_schema` is what Dagster shows as the asset's columns
(``dagster/column_schema``): type, description, nullability, uniqueness and every
other constraint as a short text; :func:`asset_metadata` adds the contract's
version, grain, access, classification, freshness SLA and owning team, and from the
access policy (``contracts/access_policy.yaml``) the clearance that reads the product
whole and raw and what each directory group sees of it, for each purpose.

Example:
    >>> from mesh_platform.contract import DataContract, Owner, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               owner=Owner(team="Demo", contact="demo@example.com"), register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.", pattern=r"^[A-Z]{3}$")
    >>> village = column_schema(Village).columns[0]
    >>> village.constraints.nullable, village.constraints.unique, village.constraints.other
    (False, True, ['matches ^[A-Z]{3}$'])
"""

from __future__ import annotations

from typing import Any

from dagster import (
    MetadataValue,
    TableColumn,
    TableColumnConstraints,
    TableConstraints,
    TableSchema,
)

from mesh_platform.access.readers import load_policy, readers_markdown, required_clearance
from mesh_platform.contract import Classification, ColumnSpec, DataContract, columns_of
from mesh_platform.contract.rules import Rule, constraints_of

COLUMN_SCHEMA_KEY = "dagster/column_schema"
"""Dagster's metadata key for an asset's columns."""

CONTRACT_PREFIX = "contract/"
"""Prefix of the metadata keys holding the contract's facts."""


def column_constraints(column: ColumnSpec) -> list[str]:
    """The column's constraints beyond nullability and uniqueness, as short texts.

    Example:
        >>> from mesh_platform.contract import LogicalType
        >>> spec = ColumnSpec("amount", LogicalType.FLOAT, False, "", ge=0, unit="EUR",
        ...                   references="sales.sales.amount")
        >>> column_constraints(spec)
        ['>= 0', 'references sales.sales.amount', 'unit: EUR']
    """
    texts = [c.text for c in constraints_of(column) if c.rule is not Rule.NOT_NULL]
    if column.classification is not Classification.NONE:
        texts.append(f"classification: {column.classification.value}")
    if column.semantic:
        texts.append(f"semantic type: {column.semantic}")
    if column.unit:
        texts.append(f"unit: {column.unit}")
    return texts


def _column_tags(column: ColumnSpec) -> dict[str, str]:
    tags = {"classification": column.classification.value}
    if column.semantic:
        tags["semantic"] = column.semantic
    return tags


def column_schema(contract: type[DataContract]) -> TableSchema:
    """The Dagster column schema of ``contract``'s product.

    Args:
        contract: the product's contract.

    Returns:
        One column per contract column, in declaration order, with its logical type,
        description and constraints (a single-column grain makes its column unique);
        the grain is a table constraint.
    """
    grain = contract.meta().grain
    columns = [
        TableColumn(
            name=c.name,
            type=c.logical_type.value,
            description=c.description or None,
            constraints=TableColumnConstraints(
                nullable=c.nullable,
                unique=grain == (c.name,),
                other=column_constraints(c),
            ),
            tags=_column_tags(c),
        )
        for c in columns_of(contract)
    ]
    table = TableConstraints(other=[f"grain: {', '.join(grain)}"]) if grain else None
    return TableSchema(columns=columns, constraints=table)


def asset_metadata(contract: type[DataContract]) -> dict[str, Any]:
    """The metadata of ``contract``'s asset: its column schema and the contract's facts.

    Args:
        contract: the product's contract.

    Returns:
        ``dagster/column_schema`` and ``contract/*`` keys (product, version, grain,
        access, tier, owner team and contact, PII columns by classification, clearance,
        readers (a table of group, purpose and what they see),
        freshness SLA, partitioning, tags), each a :class:`dagster.MetadataValue`.
    """
    meta = contract.meta()
    columns = columns_of(contract)
    classified: dict[str, list[str]] = {}
    for c in columns:
        if c.classification is not Classification.NONE:
            classified.setdefault(c.classification.value, []).append(c.name)
    facts: dict[str, Any] = {
        "product": MetadataValue.text(meta.key),
        "version": MetadataValue.text(meta.version),
        "grain": MetadataValue.text(", ".join(meta.grain)),
        "access": MetadataValue.text(meta.access.value),
        "tier": MetadataValue.text(meta.tier),
        "pii_columns": MetadataValue.int(sum(len(names) for names in classified.values())),
        "classification": MetadataValue.json(classified),
        "clearance": MetadataValue.text(required_clearance(contract)),
        "readers": MetadataValue.md(readers_markdown(load_policy(), contract)),
    }
    if meta.owner is not None:
        facts["owner_team"] = MetadataValue.text(meta.owner.team)
        facts["owner_contact"] = MetadataValue.text(meta.owner.contact)
    if meta.freshness is not None:
        sla = f"at most {meta.freshness.max_lag} old"
        if meta.freshness.cron:
            sla += f", published on cron '{meta.freshness.cron}'"
        facts["freshness_sla"] = MetadataValue.text(sla)
        facts["freshness_max_lag_seconds"] = MetadataValue.int(
            int(meta.freshness.max_lag.total_seconds())
        )
    if meta.partitioning is not None:
        facts["partitioning"] = MetadataValue.text(
            f"{meta.partitioning.kind} partitions on {meta.partitioning.column}"
        )
    if meta.tags:
        facts["tags"] = MetadataValue.text(", ".join(meta.tags))
    return {
        COLUMN_SCHEMA_KEY: MetadataValue.table_schema(column_schema(contract)),
        **{f"{CONTRACT_PREFIX}{name}": value for name, value in facts.items()},
    }
