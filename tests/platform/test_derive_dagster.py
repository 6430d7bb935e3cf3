"""Dagster column schema and asset metadata derived from contracts."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.derive.dagster_metadata import (
    COLUMN_SCHEMA_KEY,
    asset_metadata,
    column_constraints,
    column_schema,
)
from tests.support.sample_contracts import SAMPLE_CONTRACTS, SampleGuest, SampleSnowDay, SampleStay

REAL_CONTRACTS = all_contracts()


def test_columns_carry_type_description_and_constraints() -> None:
    schema = column_schema(SampleGuest)
    assert isinstance(schema, dg.TableSchema)
    assert [c.name for c in schema.columns] == [c.name for c in columns_of(SampleGuest)]
    columns = {c.name: c for c in schema.columns}

    customer = columns["customer_id"]
    assert customer.type == "string"
    assert customer.description == "Resolved guest identifier."
    assert customer.constraints.nullable is False
    assert customer.constraints.unique is True  # the one-column grain
    assert "matches ^CU[0-9]{8}$" in customer.constraints.other
    assert "classification: indirect_pii" in customer.constraints.other
    assert customer.tags == {"classification": "indirect_pii", "semantic": "customer_id"}

    email = columns["email"]
    assert email.constraints.nullable is True
    assert email.constraints.unique is False
    assert "classification: direct_pii" in email.constraints.other
    assert "length <= 254" in email.constraints.other

    assert columns["birth_year"].type == "integer"
    assert columns["birth_year"].constraints.other == [">= 1900, <= 2015"]
    assert columns["segment"].constraints.other == ["in {'ADDICTS', 'FIDELES', 'ONE TIMER'}"]
    assert columns["lifetime_value_eur"].constraints.other == [
        ">= 0",
        "semantic type: money_eur",
        "unit: EUR",
    ]
    assert columns["opt_in"].type == "boolean"
    assert columns["first_seen_on"].type == "date"
    assert columns["updated_at"].type == "timestamp"


def test_grain_is_a_table_constraint() -> None:
    guest = column_schema(SampleGuest)
    assert guest.constraints is not None
    assert guest.constraints.other == ["grain: customer_id"]
    stay = column_schema(SampleStay)
    assert stay.constraints is not None
    assert stay.constraints.other == ["grain: booking_id, season"]
    # a composite grain makes no single column unique
    assert not any(c.constraints.unique for c in stay.columns)
    snow = column_schema(SampleSnowDay).constraints
    assert snow is None or not snow.other  # no grain, no table constraint


def test_references_are_named() -> None:
    customer = {c.name: c for c in columns_of(SampleStay)}["customer_id"]
    assert "references customers.sample_guest.customer_id" in column_constraints(customer)
    health = {c.name: c for c in columns_of(SampleStay)}["health_notes"]
    assert column_constraints(health) == ["length <= 200", "classification: sensitive"]


def test_asset_metadata_holds_the_contract_facts() -> None:
    metadata = asset_metadata(SampleStay)
    assert all(isinstance(v, dg.MetadataValue) for v in metadata.values())
    assert metadata[COLUMN_SCHEMA_KEY].value == column_schema(SampleStay)
    assert metadata["contract/product"].value == "bookings.sample_stay"
    assert metadata["contract/version"].value == "2.0.1"
    assert metadata["contract/grain"].value == "booking_id, season"
    assert metadata["contract/access"].value == "internal"
    assert metadata["contract/tier"].value == "silver"
    assert metadata["contract/owner_team"].value == "Reservations"
    assert metadata["contract/owner_contact"].value == "reservations@trident.example"
    assert metadata["contract/pii_columns"].value == 2
    assert metadata["contract/classification"].value == {
        "indirect_pii": ["customer_id"],
        "sensitive": ["health_notes"],
    }
    assert metadata["contract/freshness_max_lag_seconds"].value == 26 * 3600
    assert "0 4 * * *" in metadata["contract/freshness_sla"].value
    assert metadata["contract/partitioning"].value == "season partitions on season"


def test_metadata_of_a_product_without_owner_or_sla() -> None:
    metadata = asset_metadata(SampleSnowDay)
    assert "contract/owner_team" not in metadata
    assert "contract/freshness_sla" not in metadata
    assert metadata["contract/grain"].value == ""
    assert metadata["contract/pii_columns"].value == 0


@pytest.mark.parametrize(
    "contract",
    [*SAMPLE_CONTRACTS, *REAL_CONTRACTS.values()],
    ids=lambda c: c.meta().key,
)
def test_every_contract_gives_metadata_dagster_accepts(contract: type[DataContract]) -> None:
    meta = contract.meta()
    spec = dg.AssetSpec(key=list(meta.asset_key_path), metadata=asset_metadata(contract))
    schema = spec.metadata[COLUMN_SCHEMA_KEY]
    assert isinstance(schema, dg.TableSchemaMetadataValue)
    assert [c.name for c in schema.value.columns] == [c.name for c in columns_of(contract)]
    for column, spec_column in zip(columns_of(contract), schema.value.columns, strict=True):
        assert spec_column.constraints.nullable is column.nullable
    defs = dg.Definitions(assets=[spec])
    assert defs.resolve_all_asset_specs()[0].metadata[COLUMN_SCHEMA_KEY] == schema
    json.dumps(spec.metadata["contract/classification"].value)  # plain JSON


def test_every_column_shows_its_classification() -> None:
    columns = {c.name: c for c in column_schema(SampleStay).columns}
    assert columns["health_notes"].tags["classification"] == "sensitive"
    assert columns["season"].tags["classification"] == "none"


def test_the_product_shows_its_clearance_and_readers() -> None:
    metadata = asset_metadata(SampleStay)  # internal to bookings, with a sensitive column
    assert metadata["contract/clearance"].value == "sensitive, internal to the bookings domain"
    readers = metadata["contract/readers"].value
    assert "| group | purpose | sees |" in readers
    assert "| agencies | marketing | no access |" in readers
    assert "| team-bookings | analytics | masked: customer_id; hidden: health_notes |" in readers
    assert "| data-protection-officer | service | raw |" in readers
