"""What every contract of the twelve domains must satisfy, on the hand-made rows of
``test_domains_a`` and ``test_domains_b`` (one valid row per product and one value that
breaks a constraint of it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mesh_platform.contract import DataContract, all_contracts, column_map, columns_of
from tests.contracts.test_domains_a import CASES as CASES_A
from tests.contracts.test_domains_b import CASES as CASES_B

CASES = {**CASES_A, **CASES_B}
CONTRACTS = list(CASES)


def _id(contract: type[DataContract]) -> str:
    return contract.meta().key


def test_every_contract_has_a_hand_made_case() -> None:
    assert {_id(c) for c in CONTRACTS} == set(all_contracts())


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_a_hand_made_row_validates(contract: type[DataContract]) -> None:
    row, _ = CASES[contract]
    assert set(row) == {c.name for c in columns_of(contract)}, "the row gives every column"
    instance = contract.model_validate(row)
    assert instance.model_dump() == row


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_a_required_column_cannot_be_null(contract: type[DataContract]) -> None:
    row, _ = CASES[contract]
    required = next(c.name for c in columns_of(contract) if not c.nullable)
    with pytest.raises(ValidationError, match=required):
        contract.model_validate({**row, required: None})


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_a_row_breaking_a_constraint_is_rejected(contract: type[DataContract]) -> None:
    row, (name, bad) = CASES[contract]
    with pytest.raises(ValidationError) as caught:
        contract.model_validate({**row, name: bad})
    assert name in {str(err["loc"][0]) for err in caught.value.errors()}


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_columns_are_described_and_nullable_ones_default_to_none(
    contract: type[DataContract],
) -> None:
    cols = columns_of(contract)
    assert cols, "a contract has columns"
    for col in cols:
        assert len(col.description) >= 10, f"{_id(contract)}.{col.name}: description"
        field = contract.model_fields[col.name]
        if col.nullable:
            assert field.default is None, f"{_id(contract)}.{col.name}: nullable without default"
        else:
            assert field.is_required(), f"{_id(contract)}.{col.name}: required column"


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_grain_columns_exist_and_are_not_nullable(contract: type[DataContract]) -> None:
    cols = column_map(contract)
    grain = contract.meta().grain
    assert grain
    for name in grain:
        assert name in cols, f"{_id(contract)}: grain column {name} is not a column"
        assert not cols[name].nullable, f"{_id(contract)}: grain column {name} is nullable"
