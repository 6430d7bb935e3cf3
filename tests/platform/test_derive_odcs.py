"""Open Data Contract Standard (v3) documents derived from contracts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.derive.odcs import (
    API_VERSION,
    latency,
    odcs_dict,
    odcs_document,
    odcs_yaml,
    standard_errors,
)
from tests.support.sample_contracts import SAMPLE_CONTRACTS, SampleGuest, SampleSnowDay, SampleStay

REAL_CONTRACTS = all_contracts()
ALL_CONTRACTS = [*SAMPLE_CONTRACTS, *REAL_CONTRACTS.values()]


def properties(contract: type[DataContract]) -> dict[str, SchemaProperty]:
    document = odcs_document(contract)
    assert document.schema_ is not None
    return {p.name or "": p for p in document.schema_[0].properties or []}


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.meta().key)
def test_every_contract_exports_a_document_the_standard_accepts(
    contract: type[DataContract],
) -> None:
    text = odcs_yaml(contract)
    parsed = OpenDataContractStandard.from_string(text)
    assert parsed == odcs_document(contract)
    assert standard_errors(yaml.safe_load(text)) == []
    assert parsed.apiVersion == API_VERSION
    assert parsed.kind == "DataContract"
    assert parsed.id == contract.meta().key
    assert parsed.schema_ is not None
    assert [p.name for p in parsed.schema_[0].properties or []] == [
        c.name for c in columns_of(contract)
    ]


def test_the_standards_schema_catches_a_broken_document() -> None:
    document = odcs_dict(SampleGuest)
    document["schema"][0]["properties"][0]["logicalType"] = "text"
    del document["apiVersion"]
    problems = standard_errors(document)
    assert any("apiVersion" in p for p in problems)
    assert any(p.startswith("schema/0/properties/0") for p in problems)


def test_document_header_and_description() -> None:
    document = odcs_document(SampleStay)
    assert document.version == "2.0.1"
    assert document.status == "active"
    assert document.domain == "bookings"
    assert document.name == document.dataProduct == "sample_stay"
    assert document.description is not None
    assert document.description.purpose == (
        "One row per booking and season: the stays a booking holds in one season."
    )
    assert document.description.usage == "Grain: one row per booking_id, season."
    assert document.description.limitations is not None
    assert "Internal to the bookings domain" in document.description.limitations
    assert "health_notes (sensitive)" in document.description.limitations
    guest = odcs_document(SampleGuest)
    assert guest.description is not None
    assert guest.description.usage is not None
    assert guest.description.usage.startswith("The guest's identity")
    assert guest.tags == ["sample", "identity"]


def test_properties_carry_types_keys_and_constraints() -> None:
    stay = properties(SampleStay)
    assert stay["booking_id"].primaryKey is True
    assert stay["booking_id"].primaryKeyPosition == 1
    assert stay["season"].primaryKeyPosition == 2
    assert stay["season"].partitioned is True
    assert stay["booking_id"].unique is None  # a composite grain: no single unique column
    assert stay["nights"].primaryKey is None
    assert stay["nights"].logicalType == "integer"
    assert stay["nights"].physicalType == "INT64"
    assert stay["nights"].logicalTypeOptions == {"minimum": 0, "maximum": 60, "format": "i64"}
    assert stay["amount_eur"].logicalType == "number"
    assert stay["amount_eur"].logicalTypeOptions == {"exclusiveMinimum": 0}
    assert stay["discount_rate"].required is False
    assert stay["customer_id"].required is True
    assert stay["arrival_on"].logicalTypeOptions == {"format": "yyyy-MM-dd"}
    assert stay["health_notes"].classification == "sensitive"
    assert stay["health_notes"].tags == ["pii"]
    relationships = stay["customer_id"].relationships or []
    assert [(r.type, r.to) for r in relationships] == [
        ("foreignKey", "customers.sample_guest.customer_id")
    ]

    guest = properties(SampleGuest)
    assert guest["customer_id"].unique is True
    assert guest["customer_id"].logicalTypeOptions == {"pattern": "^CU[0-9]{8}$"}
    assert guest["customer_id"].examples == ["CU00012345"]
    assert guest["first_name"].logicalTypeOptions == {"minLength": 1, "maxLength": 20}
    assert guest["updated_at"].logicalType == "timestamp"
    assert guest["updated_at"].logicalTypeOptions == {
        "timezone": True,
        "defaultTimezone": "Etc/UTC",
    }
    assert guest["opt_in"].physicalType == "BOOL"
    custom = {c.property: c.value for c in guest["lifetime_value_eur"].customProperties or []}
    assert custom == {"semanticType": "money_eur", "unit": "EUR"}


def test_accepted_values_are_an_enum_and_a_quality_rule() -> None:
    segment = properties(SampleGuest)["segment"]
    assert [e.value for e in segment.enum or []] == ["ADDICTS", "FIDELES", "ONE TIMER"]
    [rule] = segment.quality or []
    assert rule.metric == "invalidValues"
    assert rule.arguments == {"validValues": ["ADDICTS", "FIDELES", "ONE TIMER"]}
    assert rule.mustBe == 0


def test_grain_is_a_duplicate_values_rule_of_the_object() -> None:
    document = odcs_document(SampleStay)
    assert document.schema_ is not None
    table = document.schema_[0]
    assert table.name == table.physicalName == "sample_stay"
    assert table.physicalType == "table"
    assert table.dataGranularityDescription == "One row per booking_id, season"
    [rule] = table.quality or []
    assert rule.metric == "duplicateValues"
    assert rule.arguments == {"properties": ["booking_id", "season"]}
    assert rule.mustBe == 0
    snow = odcs_document(SampleSnowDay)
    assert snow.schema_ is not None
    assert snow.schema_[0].quality is None


def test_team_support_and_service_levels() -> None:
    document = odcs_document(SampleStay)
    assert document.team is not None
    assert not isinstance(document.team, list)
    assert document.team.name == "Reservations"
    [support] = document.support or []
    assert support.channel == "reservations@trident.example"
    assert support.url == "mailto:reservations@trident.example"
    assert support.tool == "email"
    slas = {s.property: s for s in document.slaProperties or []}
    assert (slas["latency"].value, slas["latency"].unit) == (26, "h")
    assert slas["frequency"].schedule == "0 4 * * *"
    assert slas["frequency"].scheduler == "cron"
    custom = {c.property: c.value for c in document.customProperties or []}
    assert custom == {
        "access": "internal",
        "tier": "silver",
        "partitioning": {"column": "season", "kind": "season"},
    }


def test_a_product_without_owner_or_sla_has_neither() -> None:
    document = odcs_document(SampleSnowDay)
    assert document.team is None
    assert document.support is None
    assert document.slaProperties is None
    assert "team" not in yaml.safe_load(odcs_yaml(SampleSnowDay))


@pytest.mark.parametrize(
    ("lag", "expected"),
    [
        (timedelta(hours=26), (26, "h")),
        (timedelta(days=8), (8, "d")),
        (timedelta(minutes=15), (15, "min")),
        (timedelta(seconds=90), (90, "s")),
    ],
)
def test_latency_uses_the_largest_whole_unit(lag: timedelta, expected: tuple[int, str]) -> None:
    assert latency(lag) == expected
