"""OpenLineage dataset facets of a product: schema, documentation, ownership, tags.

Field types are the contract's engine-neutral logical types (``string``,
``integer``, ``float``, ``boolean``, ``date``, ``timestamp``); the facets attach to
the dataset whatever engine holds it.

Example:
    >>> from mesh_platform.contract import DataContract, Owner, column
    >>> class Village(DataContract, domain="demo", product="village", grain=("code",),
    ...               owner=Owner(team="Demo", contact="demo@example.com"), register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.")
    >>> [(f.name, f.type, f.ordinal_position) for f in schema_facet(Village).fields]
    [('code', 'string', 1)]
    >>> ownership_facet(Village).owners[0].name
    'team:Demo'
"""

from __future__ import annotations

from openlineage.client.facet_v2 import (
    documentation_dataset,
    ownership_dataset,
    schema_dataset,
    tags_dataset,
)

from mesh_platform.contract import Classification, DataContract, columns_of

OWNER_TYPE = "OWNER"
"""The ownership type of the team that owns a product."""

TAG_SOURCE = "CONTRACT"
"""The source of the tags this module derives."""


def schema_facet(contract: type[DataContract]) -> schema_dataset.SchemaDatasetFacet:
    """The schema facet of ``contract``'s product: one field per column, in order."""
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(
                name=c.name,
                type=c.logical_type.value,
                description=c.description or None,
                ordinal_position=c.position + 1,
            )
            for c in columns_of(contract)
        ]
    )


def documentation_facet(
    contract: type[DataContract],
) -> documentation_dataset.DocumentationDatasetFacet:
    """The documentation facet: the contract's description (its docstring)."""
    meta = contract.meta()
    return documentation_dataset.DocumentationDatasetFacet(
        description=meta.description or meta.key, contentType="text/plain"
    )


def ownership_facet(contract: type[DataContract]) -> ownership_dataset.OwnershipDatasetFacet:
    """The ownership facet: the owning team as ``team:<name>`` (none if unowned)."""
    owner = contract.meta().owner
    owners = [ownership_dataset.Owner(name=f"team:{owner.team}", type=OWNER_TYPE)] if owner else []
    return ownership_dataset.OwnershipDatasetFacet(owners=owners)


def tags_facet(contract: type[DataContract]) -> tags_dataset.TagsDatasetFacet:
    """The tags facet: the product's tags and each classified column's classification."""
    meta = contract.meta()
    tags = [
        tags_dataset.TagsDatasetFacetFields(key=tag, value="true", source=TAG_SOURCE)
        for tag in meta.tags
    ]
    tags += [
        tags_dataset.TagsDatasetFacetFields(
            key="classification", value=c.classification.value, source=TAG_SOURCE, field=c.name
        )
        for c in columns_of(contract)
        if c.classification is not Classification.NONE
    ]
    return tags_dataset.TagsDatasetFacet(tags=tags)
