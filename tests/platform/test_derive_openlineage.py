"""OpenLineage dataset facets derived from contracts."""

from __future__ import annotations

import json

import pytest
from openlineage.client.event_v2 import Dataset
from openlineage.client.facet_v2 import schema_dataset
from openlineage.client.serde import Serde

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.derive.openlineage_facets import (
    documentation_facet,
    ownership_facet,
    schema_facet,
    tags_facet,
)
from tests.support.sample_contracts import SAMPLE_CONTRACTS, SampleGuest, SampleSnowDay, SampleStay

REAL_CONTRACTS = all_contracts()


def test_schema_facet_lists_the_columns_in_order() -> None:
    facet = schema_facet(SampleGuest)
    assert isinstance(facet, schema_dataset.SchemaDatasetFacet)
    fields = facet.fields or []
    assert [(f.name, f.type, f.ordinal_position) for f in fields[:3]] == [
        ("customer_id", "string", 1),
        ("email", "string", 2),
        ("first_name", "string", 3),
    ]
    by_name = {f.name: f for f in fields}
    assert by_name["birth_year"].type == "integer"
    assert by_name["lifetime_value_eur"].type == "float"
    assert by_name["opt_in"].type == "boolean"
    assert by_name["first_seen_on"].type == "date"
    assert by_name["updated_at"].type == "timestamp"
    assert by_name["customer_id"].description == "Resolved guest identifier."


def test_documentation_facet_is_the_description() -> None:
    facet = documentation_facet(SampleStay)
    assert facet.description == SampleStay.meta().description
    assert facet.contentType == "text/plain"


def test_ownership_facet_names_the_team() -> None:
    owners = ownership_facet(SampleStay).owners or []
    assert [(o.name, o.type) for o in owners] == [("team:Reservations", "OWNER")]
    assert ownership_facet(SampleSnowDay).owners == []


def test_tags_facet_holds_tags_and_classifications() -> None:
    tags = tags_facet(SampleGuest).tags or []
    assert [(t.key, t.value) for t in tags if t.field is None] == [
        ("sample", "true"),
        ("identity", "true"),
    ]
    assert {t.field: t.value for t in tags if t.field} == {
        "customer_id": "indirect_pii",
        "email": "direct_pii",
        "first_name": "direct_pii",
    }


@pytest.mark.parametrize(
    "contract", [*SAMPLE_CONTRACTS, *REAL_CONTRACTS.values()], ids=lambda c: c.meta().key
)
def test_every_contract_gives_facets_that_serialise(contract: type[DataContract]) -> None:
    meta = contract.meta()
    dataset = Dataset(
        namespace="duckdb://local",
        name=f"{meta.domain}.{meta.product}",
        facets={
            "schema": schema_facet(contract),
            "documentation": documentation_facet(contract),
            "ownership": ownership_facet(contract),
            "tags": tags_facet(contract),
        },
    )
    payload = json.loads(Serde.to_json(dataset))
    schema = payload["facets"]["schema"]
    assert schema["_schemaURL"].endswith("SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet")
    assert [f["name"] for f in schema["fields"]] == [c.name for c in columns_of(contract)]
    assert payload["facets"]["documentation"]["description"]
