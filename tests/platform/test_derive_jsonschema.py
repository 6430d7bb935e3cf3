"""The JSON Schema of a row derived from contracts: valid, strict, and agreeing with pydantic."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from jsonschema import Draft202012Validator

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.derive.json_schema import full_match, json_schema
from tests.support.sample_contracts import (
    GOOD_ROWS,
    SAMPLE_CONTRACTS,
    SampleGuest,
    SampleSnowDay,
    SampleStay,
    example_row,
)

REAL_CONTRACTS = all_contracts()
ALL_CONTRACTS = [*SAMPLE_CONTRACTS, *REAL_CONTRACTS.values()]


def validator(contract: type[DataContract]) -> Draft202012Validator:
    return Draft202012Validator(
        json_schema(contract), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def as_json(contract: type[DataContract], row: dict[str, Any]) -> dict[str, Any]:
    """A row as it travels in JSON: validated by the contract, then dumped."""
    dumped: dict[str, Any] = json.loads(contract.model_validate(row).model_dump_json())
    return dumped


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.meta().key)
def test_every_contract_gives_a_valid_schema_that_accepts_a_good_row(
    contract: type[DataContract],
) -> None:
    schema = json_schema(contract)
    Draft202012Validator.check_schema(schema)
    json.dumps(schema)  # serialisable as is
    assert schema["required"] == [c.name for c in columns_of(contract)]
    assert schema["additionalProperties"] is False
    assert list(validator(contract).iter_errors(as_json(contract, example_row(contract)))) == []


def test_top_level_carries_the_product_facts() -> None:
    schema = json_schema(SampleStay)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "bookings.sample_stay"
    assert schema["description"].startswith("One row per booking and season")
    assert schema["x-domain"] == "bookings"
    assert schema["x-product"] == "sample_stay"
    assert schema["x-version"] == "2.0.1"
    assert schema["x-grain"] == ["booking_id", "season"]
    assert schema["x-access"] == "internal"
    assert schema["x-owner"] == {
        "team": "Reservations",
        "contact": "reservations@trident.example",
    }
    assert "x-owner" not in json_schema(SampleSnowDay)


def test_properties_carry_types_constraints_and_classification() -> None:
    props = json_schema(SampleGuest)["properties"]
    assert props["customer_id"]["type"] == "string"
    assert props["customer_id"]["pattern"] == "^CU[0-9]{8}$"
    assert props["customer_id"]["x-classification"] == "indirect_pii"
    assert props["customer_id"]["x-semantic"] == "customer_id"
    assert props["customer_id"]["examples"] == ["CU00012345"]
    assert props["email"]["type"] == ["string", "null"]
    assert props["email"]["x-classification"] == "direct_pii"
    assert props["email"]["x-classification-rationale"].startswith("Sends")
    assert props["birth_year"] == {
        "type": ["integer", "null"],
        "description": "Year of birth.",
        "minimum": 1900,
        "maximum": 2015,
        "x-classification": "none",
    }
    assert props["segment"]["enum"] == ["ADDICTS", "FIDELES", "ONE TIMER"]
    assert props["lifetime_value_eur"]["type"] == "number"
    assert props["lifetime_value_eur"]["x-unit"] == "EUR"
    assert props["first_seen_on"]["format"] == "date"
    assert props["updated_at"]["format"] == "date-time"
    stay = json_schema(SampleStay)["properties"]
    assert stay["customer_id"]["x-references"] == "customers.sample_guest.customer_id"
    assert stay["amount_eur"]["exclusiveMinimum"] == 0
    assert stay["party_size"]["enum"] == [1, 2, 3, 4, 5, 6]
    assert stay["discount_rate"]["type"] == ["number", "null"]


@pytest.mark.parametrize("contract", SAMPLE_CONTRACTS, ids=lambda c: c.meta().key)
def test_good_rows_are_accepted(contract: type[DataContract]) -> None:
    check = validator(contract)
    for row in GOOD_ROWS[contract]:
        assert list(check.iter_errors(as_json(contract, row))) == []


def _guest(**changes: Any) -> dict[str, Any]:
    row = as_json(SampleGuest, GOOD_ROWS[SampleGuest][0])
    row.update(changes)
    return row


def _stay(**changes: Any) -> dict[str, Any]:
    row = as_json(SampleStay, GOOD_ROWS[SampleStay][0])
    row.update(changes)
    return row


def _snow(**changes: Any) -> dict[str, Any]:
    row = as_json(SampleSnowDay, GOOD_ROWS[SampleSnowDay][0])
    row.update(changes)
    return row


BadRow = tuple[str, type[DataContract], dict[str, Any]]

BAD_ROWS: list[BadRow] = [
    ("null in a required column", SampleGuest, _guest(country=None)),
    ("pattern mismatch", SampleGuest, _guest(customer_id="XX00000001")),
    ("e-mail pattern", SampleGuest, _guest(email="not an e-mail")),
    ("below minimum", SampleGuest, _guest(birth_year=1800)),
    ("above maximum", SampleGuest, _guest(birth_year=2020)),
    ("integer expected", SampleGuest, _guest(birth_year=1984.5)),
    ("outside the Literal", SampleGuest, _guest(segment="VIP")),
    ("too short", SampleGuest, _guest(first_name="")),
    ("too long", SampleGuest, _guest(first_name="x" * 21)),
    ("not a date", SampleGuest, _guest(first_seen_on="04/03/2012")),
    ("not a timestamp", SampleGuest, _guest(updated_at="yesterday")),
    ("negative money", SampleGuest, _guest(lifetime_value_eur=-1.0)),
    ("not above the exclusive minimum", SampleStay, _stay(amount_eur=0)),
    ("integer outside the Literal", SampleStay, _stay(party_size=9)),
    ("rate above 1", SampleStay, _stay(discount_rate=1.5)),
]

STRICTER_THAN_PYDANTIC: list[BadRow] = [
    # pydantic's lax mode reads "yes" as True; a JSON row holds a real boolean.
    ("boolean expected", SampleGuest, _guest(opt_in="yes")),
    # pydantic searches a pattern; the contract's rule is a full match.
    ("unanchored pattern, partial match", SampleSnowDay, _snow(station_code="XVT01")),
]


@pytest.mark.parametrize(
    ("contract", "row"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
)
def test_bad_rows_are_rejected_like_pydantic_rejects_them(
    contract: type[DataContract], row: dict[str, Any]
) -> None:
    assert list(validator(contract).iter_errors(row)), row
    with pytest.raises(pydantic.ValidationError):
        contract.model_validate_json(json.dumps(row))


@pytest.mark.parametrize(
    ("contract", "row"),
    [c[1:] for c in STRICTER_THAN_PYDANTIC],
    ids=[c[0] for c in STRICTER_THAN_PYDANTIC],
)
def test_some_rows_pydantic_accepts_are_rejected(
    contract: type[DataContract], row: dict[str, Any]
) -> None:
    contract.model_validate(row)
    assert list(validator(contract).iter_errors(row)), row


def test_rows_must_hold_exactly_the_contracts_columns() -> None:
    check = validator(SampleGuest)
    missing = _guest()
    del missing["email"]  # even a nullable column must be present (as null)
    assert list(check.iter_errors(missing))
    assert list(check.iter_errors(_guest(loyalty_points=10)))


def test_timestamps_need_an_offset() -> None:
    check = validator(SampleGuest)
    assert not list(check.iter_errors(_guest(updated_at="2024-01-05T08:30:00+01:00")))
    assert list(check.iter_errors(_guest(updated_at="2024-01-05T08:30:00")))


def test_full_match_anchors_only_what_needs_it() -> None:
    assert full_match("^[A-Z]{3}$") == "^[A-Z]{3}$"
    assert full_match("[A-Z]{3}") == "^(?:[A-Z]{3})$"
    assert full_match("^a$|^b$") == "^(?:^a$|^b$)$"
    assert full_match(r"^a\$") == r"^(?:^a\$)$"
