"""Realistic sample contracts (not registered in the mesh) for the SQL derivations.

``SampleCustomer`` is referenced by ``SampleHouseholdSeason`` within one domain; together
they use shared semantic types, Literal enums, ranges, patterns, lengths, nullable
columns, PII classifications and a composite grain. ``SamplePageView`` has no grain and
columns named like SQL keywords. ``CLEAN_ROWS`` holds a small data set that honours
every contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    DIGITAL,
    Count,
    CountryCode,
    CustomerId,
    Date,
    Email,
    HouseholdId,
    NonNegativeMoneyEUR,
    Rate,
    Season,
    Timestamp,
)
from mesh_platform.contract import (
    AccessLevel,
    Classification,
    Consent,
    DataContract,
    Privacy,
    column,
)


class SampleCustomer(
    DataContract,
    domain="customers",
    product="sample_customer",
    version="1.4.0",
    owner=CRM_IDENTITY,
    grain=("customer_id",),
    freshness=DAILY,
    tags=("sample", "pii"),
    register=False,
):
    """One row per resolved customer of the resort group.

    The customer's identity and contact details, as the CRM keeps them.
    """

    customer_id: CustomerId = column(
        "Resolved customer identifier.",
        classification=Classification.INDIRECT_PII,
        rationale="Identifies a person through the CRM.",
    )
    email: Email = column(
        "Contact e-mail address, lower case.",
        classification=Classification.DIRECT_PII,
        rationale="Needed to send the customer's booking confirmations.",
    )
    country: CountryCode = column("Country of residence.")
    first_name: str | None = column(
        "Given name, as the customer typed it.",
        default=None,
        min_length=1,
        max_length=40,
        classification=Classification.DIRECT_PII,
        rationale="Personalises the customer's messages.",
    )
    birth_year: int | None = column("Year of birth.", default=None, ge=1900, le=2015)
    loyalty_tier: Literal["BRONZE", "SILVER", "GOLD"] = column("Loyalty programme tier.")
    created_at: Timestamp = column("When the customer was first recorded (UTC).")


class SampleHouseholdSeason(
    DataContract,
    domain="customers",
    product="sample_household_season",
    version="2.0.1",
    owner=CRM_IDENTITY,
    grain=("household_id", "season"),
    access=AccessLevel.INTERNAL,
    tier="silver",
    privacy=Privacy(
        consent=Consent(
            purpose="marketing",
            channels=("FR", "IT"),
            source="customers.sample_customer",
            column="lead_customer_id",
            register_channel="country",  # a register by country, for the checks' tests
            register_flag=None,
            applies_to="channel != 'agency'",
        )
    ),
    register=False,
):
    """One row per household and season: what the household spent and how often it came."""

    household_id: HouseholdId = column("The household.")
    season: Season = column("The season, e.g. 2023-24.")
    lead_customer_id: CustomerId | None = column(
        "The household's main customer, when known.",
        default=None,
        references="customers.sample_customer.customer_id",
        classification=Classification.INDIRECT_PII,
        rationale="Links the household to a person.",
    )
    revenue_eur: NonNegativeMoneyEUR = column("Revenue of the season, taxes included.")
    stays: Count = column("Number of stays in the season.", le=60)
    discount_rate: Rate | None = column("Average discount granted.", default=None, lt=1)
    channel: Literal["web", "call_centre", "agency"] = column("Main booking channel.")
    repeat_guest: bool = column("Whether the household had stayed before.")
    first_stay: Date | None = column("First day of the first stay of the season.", default=None)
    group_code: str = column("Travel group code.", min_length=3, max_length=6)


class SamplePageView(
    DataContract,
    domain="web",
    product="sample_page_view",
    owner=DIGITAL,
    register=False,
):
    """One row per page viewed in a web session (an event log without a declared grain).

    Its column names ``order`` and ``date`` are SQL keywords: identifiers must be quoted.
    """

    session_id: str = column("Web session identifier.", pattern=r"^WS[0-9]{6}$")
    order: int = column("Position of the page in its session, from 1.", ge=1)
    date: Date = column("Day of the view.")
    page: str = column("Path of the page viewed.", max_length=200)


SAMPLE_CONTRACTS: tuple[type[DataContract], ...] = (
    SampleCustomer,
    SampleHouseholdSeason,
    SamplePageView,
)

_T0 = dt.datetime(2023, 11, 4, 9, 30)

CLEAN_ROWS: dict[type[DataContract], list[dict[str, Any]]] = {
    SampleCustomer: [
        {
            "customer_id": "CU00000001",
            "email": "marie.dupont@example.com",
            "country": "FR",
            "first_name": "Marie",
            "birth_year": 1978,
            "loyalty_tier": "GOLD",
            "created_at": _T0,
        },
        {
            "customer_id": "CU00000002",
            "email": "jan.devries@example.nl",
            "country": "NL",
            "first_name": None,
            "birth_year": None,
            "loyalty_tier": "BRONZE",
            "created_at": _T0 + dt.timedelta(days=3),
        },
        {
            "customer_id": "CU00000003",
            "email": "anna.rossi@example.it",
            "country": "IT",
            "first_name": "Anna",
            "birth_year": 2001,
            "loyalty_tier": "SILVER",
            "created_at": _T0 + dt.timedelta(days=40),
        },
    ],
    SampleHouseholdSeason: [
        {
            "household_id": "HH00000001",
            "season": "2022-23",
            "lead_customer_id": "CU00000001",
            "revenue_eur": 3120.0,
            "stays": 2,
            "discount_rate": 0.1,
            "channel": "web",
            "repeat_guest": True,
            "first_stay": dt.date(2023, 2, 11),
            "group_code": "FAM01",
        },
        {
            "household_id": "HH00000001",
            "season": "2023-24",
            "lead_customer_id": "CU00000001",
            "revenue_eur": 0.0,
            "stays": 0,
            "discount_rate": None,
            "channel": "agency",
            "repeat_guest": True,
            "first_stay": None,
            "group_code": "FAM01",
        },
        {
            "household_id": "HH00000002",
            "season": "2023-24",
            "lead_customer_id": None,
            "revenue_eur": 1890.5,
            "stays": 1,
            "discount_rate": 0.0,
            "channel": "call_centre",
            "repeat_guest": False,
            "first_stay": dt.date(2024, 1, 6),
            "group_code": "CPL",
        },
    ],
    SamplePageView: [
        {"session_id": "WS000001", "order": 1, "date": dt.date(2024, 1, 6), "page": "/"},
        {
            "session_id": "WS000001",
            "order": 2,
            "date": dt.date(2024, 1, 6),
            "page": "/villages/valmorel",
        },
        {"session_id": "WS000002", "order": 1, "date": dt.date(2024, 1, 7), "page": "/booking"},
    ],
}
