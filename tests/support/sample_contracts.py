"""Three realistic contracts, kept out of the mesh registry, for the derivation tests.

Together they use every feature a contract may declare: shared semantic types,
``Literal`` enums of strings and of integers, ranges (ge/gt/le), patterns, lengths,
nullable columns, every classification, a reference to another product's column,
a composite grain, partitioning, internal access, and a product without owner,
freshness or grain. ``GOOD_ROWS`` holds rows that honour each contract.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    RESERVATIONS,
    BookingId,
    Count,
    CountryCode,
    CustomerId,
    Date,
    Email,
    MoneyEUR,
    NonNegativeMoneyEUR,
    Rate,
    Season,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import (
    AccessLevel,
    Classification,
    ColumnSpec,
    DataContract,
    LogicalType,
    Partitioning,
    column,
    columns_of,
)


class SampleGuest(
    DataContract,
    domain="customers",
    product="sample_guest",
    version="1.2.0",
    owner=CRM_IDENTITY,
    grain=("customer_id",),
    freshness=DAILY,
    tags=("sample", "identity"),
    register=False,
):
    """One row per resolved guest of the resort group.

    The guest's identity, contact details and value segment, as the CRM keeps them.
    """

    customer_id: CustomerId = column(
        "Resolved guest identifier.",
        classification=Classification.INDIRECT_PII,
        rationale="Pseudonymous identifier of a person, linkable through the CRM.",
    )
    email: Email | None = column(
        "Contact e-mail address, lower case; null when the guest gave none.",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale="Sends the guest's booking confirmations.",
    )
    first_name: str = column(
        "Given name, as the guest typed it.",
        min_length=1,
        max_length=20,
        classification=Classification.DIRECT_PII,
        rationale="Personalises the guest's messages.",
        examples=["Marie"],
    )
    country: CountryCode = column("Country of residence.")
    birth_year: int | None = column("Year of birth.", default=None, ge=1900, le=2015)
    segment: Literal["ADDICTS", "FIDELES", "ONE TIMER"] = column(
        "Value segment of the guest (the CRM's own labels)."
    )
    lifetime_value_eur: NonNegativeMoneyEUR = column("Revenue of all the guest's stays.")
    opt_in: bool = column("Whether the guest accepts marketing e-mails.")
    first_seen_on: Date = column("Day of the guest's first booking or sign-up.")
    updated_at: Timestamp = column("Last change of the guest's record (UTC).")


class SampleStay(
    DataContract,
    domain="bookings",
    product="sample_stay",
    version="2.0.1",
    owner=RESERVATIONS,
    grain=("booking_id", "season"),
    access=AccessLevel.INTERNAL,
    freshness=DAILY,
    partitioning=Partitioning(column="season", kind="season"),
    tier="silver",
    register=False,
):
    """One row per booking and season: the stays a booking holds in one season."""

    booking_id: BookingId = column("Booking contract identifier.")
    season: Season = column("Season of the stay.")
    customer_id: CustomerId = column(
        "The guest who booked.",
        classification=Classification.INDIRECT_PII,
        rationale="Links the stay to one person.",
        references="customers.sample_guest.customer_id",
    )
    village_id: VillageId = column("Village of the stay.")
    nights: Count = column("Nights booked in the season.", le=60)
    party_size: Literal[1, 2, 3, 4, 5, 6] = column("Number of travellers.")
    amount_eur: MoneyEUR = column("Amount paid for the stays.", gt=0)
    discount_rate: Rate | None = column("Share of the list price granted.", default=None)
    health_notes: str | None = column(
        "Dietary or medical needs declared for the stay.",
        default=None,
        max_length=200,
        classification=Classification.SENSITIVE,
        rationale="Health data (GDPR art. 9), kept to prepare the stay.",
    )
    arrival_on: Date = column("First night of the stay.")


class SampleSnowDay(
    DataContract,
    domain="resorts",
    product="sample_snow_day",
    register=False,
):
    """Snow depth readings of a village, as reported (no key, no owner yet)."""

    village_id: VillageId = column("Village of the reading.")
    day: Date = column("Day of the reading.")
    snow_depth_cm: float | None = column("Snow depth at the village, in cm.", default=None, ge=0)
    station_code: str | None = column(
        "Weather station of the reading (an unanchored pattern: still a full match).",
        default=None,
        pattern=r"[A-Z]{2}[0-9]{2}",
        examples=["VT01"],
    )


SAMPLE_CONTRACTS: tuple[type[DataContract], ...] = (SampleGuest, SampleStay, SampleSnowDay)

_UTC = dt.UTC

GOOD_ROWS: dict[type[DataContract], list[dict[str, Any]]] = {
    SampleGuest: [
        {
            "customer_id": "CU00000001",
            "email": "marie.dupont@example.com",
            "first_name": "Marie",
            "country": "FR",
            "birth_year": 1984,
            "segment": "ADDICTS",
            "lifetime_value_eur": 12890.5,
            "opt_in": True,
            "first_seen_on": dt.date(2012, 3, 4),
            "updated_at": dt.datetime(2024, 1, 5, 8, 30, tzinfo=_UTC),
        },
        {
            "customer_id": "CU00000002",
            "email": None,
            "first_name": "Jan",
            "country": "BE",
            "birth_year": None,
            "segment": "ONE TIMER",
            "lifetime_value_eur": 0.0,
            "opt_in": False,
            "first_seen_on": dt.date(2023, 11, 20),
            "updated_at": dt.datetime(2024, 1, 6, 9, 0, tzinfo=_UTC),
        },
        {
            "customer_id": "CU00000003",
            "email": "li.wei@example.com",
            "first_name": "Li",
            "country": "CN",
            "birth_year": 2001,
            "segment": "FIDELES",
            "lifetime_value_eur": 4100.0,
            "opt_in": True,
            "first_seen_on": dt.date(2019, 7, 1),
            "updated_at": dt.datetime(2024, 1, 7, 23, 59, 59, tzinfo=_UTC),
        },
    ],
    SampleStay: [
        {
            "booking_id": "BK000000001",
            "season": "2023-24",
            "customer_id": "CU00000001",
            "village_id": "VTH",
            "nights": 7,
            "party_size": 4,
            "amount_eur": 5230.0,
            "discount_rate": 0.1,
            "health_notes": "Gluten-free meals.",
            "arrival_on": dt.date(2024, 2, 10),
        },
        {
            "booking_id": "BK000000001",
            "season": "2024-25",
            "customer_id": "CU00000001",
            "village_id": "VTH",
            "nights": 0,
            "party_size": 4,
            "amount_eur": 150.0,
            "discount_rate": None,
            "health_notes": None,
            "arrival_on": dt.date(2024, 11, 2),
        },
        {
            "booking_id": "BK000000002",
            "season": "2023-24",
            "customer_id": "CU00000003",
            "village_id": "OPI",
            "nights": 14,
            "party_size": 1,
            "amount_eur": 2890.0,
            "discount_rate": 0.0,
            "health_notes": None,
            "arrival_on": dt.date(2024, 7, 13),
        },
    ],
    SampleSnowDay: [
        {
            "village_id": "VTH",
            "day": dt.date(2024, 1, 1),
            "snow_depth_cm": 120.0,
            "station_code": "VT01",
        },
        {
            "village_id": "VTH",
            "day": dt.date(2024, 1, 1),
            "snow_depth_cm": 125.5,
            "station_code": "VT02",
        },
        {
            "village_id": "OPI",
            "day": dt.date(2024, 1, 2),
            "snow_depth_cm": None,
            "station_code": None,
        },
    ],
}
"""Rows that honour their contract (the snow readings repeat a key: there is no grain)."""


# --- rows for any contract ----------------------------------------------------------------

_DAY = dt.date(2024, 1, 15)
_INSTANT = dt.datetime(2024, 1, 15, 12, 30, tzinfo=dt.UTC)


def _plain_example(spec: ColumnSpec) -> Any:
    value = spec.examples[0]
    if spec.logical_type is LogicalType.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if spec.logical_type is LogicalType.TIMESTAMP and isinstance(value, str):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _number(spec: ColumnSpec) -> float:
    lower = spec.ge if spec.ge is not None else (spec.gt + 1 if spec.gt is not None else None)
    upper = spec.le if spec.le is not None else (spec.lt - 1 if spec.lt is not None else None)
    if lower is not None and upper is not None:
        return (lower + upper) / 2 if lower < upper else lower
    if lower is not None:
        return lower
    if upper is not None:
        return upper
    return 1


def example_value(spec: ColumnSpec) -> Any:
    """A value that honours the column's contract: its first example, or one made up."""
    if spec.allowed_values:
        return spec.allowed_values[0]
    if spec.examples:
        return _plain_example(spec)
    match spec.logical_type:
        case LogicalType.STRING:
            if spec.pattern is not None:
                raise AssertionError(
                    f"{spec.name}: a patterned column needs an example to build test rows"
                )
            return "x" * max(spec.min_length or 1, 1)
        case LogicalType.INTEGER:
            return math.ceil(_number(spec))
        case LogicalType.FLOAT:
            return float(_number(spec))
        case LogicalType.BOOLEAN:
            return True
        case LogicalType.DATE:
            return _DAY
        case LogicalType.TIMESTAMP:
            return _INSTANT
    raise AssertionError(f"{spec.name}: no example for {spec.logical_type}")


def example_row(contract: type[DataContract]) -> dict[str, Any]:
    """One row that honours ``contract`` (every column filled in)."""
    return {spec.name: example_value(spec) for spec in columns_of(contract)}
