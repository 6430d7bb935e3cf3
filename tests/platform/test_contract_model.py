"""The contract model and the one place that interprets its fields."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from pydantic import Field

from contracts.common import CRM_LAB, CustomerId, MoneyEUR, Season
from mesh_platform.contract import (
    REGISTRY,
    AccessLevel,
    Classification,
    ContractDeclarationError,
    DataContract,
    LogicalType,
    column,
    column_map,
    columns_of,
    get_contract,
)


class Sample(
    DataContract,
    domain="demo",
    product="sample",
    version="2.1.0",
    owner=CRM_LAB,
    grain=("customer_id", "season"),
    access=AccessLevel.INTERNAL,
    tags=("demo",),
    register=False,
):
    """One row per customer and season.

    Second paragraph.
    """

    customer_id: CustomerId = column(
        "The customer.",
        classification=Classification.INDIRECT_PII,
        rationale="Links the row to a person.",
        references="customers.customer_profile.customer_id",
    )
    season: Season = column("Season.")
    amount: MoneyEUR = column("Spend.", ge=0)
    segment: Literal["A", "B"] | None = column("Segment.", default=None)
    visits: int = Field(ge=1, le=99, description="Visits.")
    first_seen: dt.date | None = column("First day.", default=None)
    updated_at: dt.datetime = column("Last update.")
    active: bool = column("Active flag.")


def test_product_metadata_is_read_from_class_keywords() -> None:
    meta = Sample.meta()
    assert meta.key == "demo.sample"
    assert meta.asset_key_path == ("demo", "sample")
    assert meta.grain == ("customer_id", "season")
    assert meta.access is AccessLevel.INTERNAL
    assert meta.owner == CRM_LAB
    assert meta.major == 2
    assert meta.description.startswith("One row per customer and season.")
    assert "\n\nSecond paragraph." in meta.description
    assert "demo.sample" not in REGISTRY.contracts  # register=False


def test_columns_keep_declaration_order_and_types() -> None:
    cols = columns_of(Sample)
    assert [c.name for c in cols] == [
        "customer_id",
        "season",
        "amount",
        "segment",
        "visits",
        "first_seen",
        "updated_at",
        "active",
    ]
    types = {c.name: c.logical_type for c in cols}
    assert types == {
        "customer_id": LogicalType.STRING,
        "season": LogicalType.STRING,
        "amount": LogicalType.FLOAT,
        "segment": LogicalType.STRING,
        "visits": LogicalType.INTEGER,
        "first_seen": LogicalType.DATE,
        "updated_at": LogicalType.TIMESTAMP,
        "active": LogicalType.BOOLEAN,
    }


def test_semantic_types_bring_their_constraints_and_fields_add_theirs() -> None:
    cols = column_map(Sample)
    customer = cols["customer_id"]
    assert customer.semantic == "customer_id"
    assert customer.pattern == r"^CU[0-9]{8}$"
    assert customer.classification is Classification.INDIRECT_PII
    assert customer.rationale == "Links the row to a person."
    assert customer.reference_target == ("customers", "customer_profile", "customer_id")
    assert customer.description == "The customer."
    assert not customer.nullable
    amount = cols["amount"]
    assert (amount.semantic, amount.unit, amount.ge) == ("money_eur", "EUR", 0)
    visits = cols["visits"]
    assert (visits.ge, visits.le) == (1, 99)
    segment = cols["segment"]
    assert segment.nullable
    assert segment.allowed_values == ("A", "B")
    assert cols["season"].examples == ("2023-24",)


def test_unsupported_types_are_refused_with_the_column_named() -> None:
    class Bad(DataContract, domain="demo", product="bad", register=False):
        """Bad."""

        payload: dict[str, int] = column("Not a column type.")

    with pytest.raises(ContractDeclarationError, match=r"Bad\.payload: unsupported column type"):
        columns_of(Bad)


def test_mixed_literal_is_refused() -> None:
    class Mixed(DataContract, domain="demo", product="mixed", register=False):
        """Mixed."""

        code: Literal["A", 1] = column("Mixed literal.")

    with pytest.raises(ContractDeclarationError, match="one type"):
        columns_of(Mixed)


def test_a_contract_needs_domain_and_product() -> None:
    with pytest.raises(ContractDeclarationError, match="both domain= and product="):

        class Half(DataContract, domain="demo", register=False):
            """Half."""


def test_the_same_product_cannot_be_declared_twice() -> None:
    class Once(DataContract, domain="demo", product="twice", register=False):
        """Once."""

    REGISTRY.add(Once)
    try:

        class Twice(DataContract, domain="demo", product="twice", register=False):
            """Twice."""

        with pytest.raises(ContractDeclarationError, match="declared twice"):
            REGISTRY.add(Twice)
    finally:
        REGISTRY.contracts.pop("demo.twice", None)


def test_rows_validate_against_the_contract() -> None:
    row = {
        "customer_id": "CU00000001",
        "season": "2023-24",
        "amount": 10.0,
        "visits": 2,
        "updated_at": dt.datetime(2024, 1, 1, 12),
        "active": True,
    }
    assert Sample.model_validate(row).segment is None
    with pytest.raises(ValueError, match="customer_id"):
        Sample.model_validate({**row, "customer_id": "X1"})


def test_unknown_product_suggests_close_names() -> None:
    with pytest.raises(KeyError, match="no data product"):
        get_contract("nowhere.nothing")
