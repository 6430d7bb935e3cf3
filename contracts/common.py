"""Shared semantic types and the owning teams, declared once for every domain.

A semantic type is an ``Annotated`` type carrying its constraints and a
:class:`~mesh_platform.contract.Semantic` marker; every derivation (pandera, DDL,
checks, JSON Schema, ODCS) reads them from here.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Annotated

from pydantic import Field, StringConstraints

from mesh_platform.contract import Freshness, Owner, Semantic

# --- identifiers --------------------------------------------------------------
CustomerId = Annotated[
    str,
    StringConstraints(pattern=r"^CU[0-9]{8}$"),
    Semantic("customer_id", "Resolved (clean) customer identifier, stable across sources."),
    Field(examples=["CU00012345"]),
]
HouseholdId = Annotated[
    str,
    StringConstraints(pattern=r"^HH[0-9]{8}$"),
    Semantic("household_id", "Household identifier: customers sharing one postal address."),
    Field(examples=["HH00004321"]),
]
VillageId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Semantic("village_id", "Three-letter code of a resort village."),
    Field(examples=["VTH"]),
]
ProductId = Annotated[
    str,
    StringConstraints(pattern=r"^P[0-9]{6}$"),
    Semantic("product_id", "Catalogue product identifier (the seed's correspondence id)."),
    Field(examples=["P004211"]),
]
BookingId = Annotated[
    str,
    StringConstraints(pattern=r"^BK[0-9]{9}$"),
    Semantic("booking_id", "Booking contract identifier."),
    Field(examples=["BK000123456"]),
]
CampaignId = Annotated[
    str,
    StringConstraints(pattern=r"^CP[0-9]{5}$"),
    Semantic("campaign_id", "Campaign master identifier."),
    Field(examples=["CP00042"]),
]

# --- values -------------------------------------------------------------------
MoneyEUR = Annotated[
    float,
    Semantic("money_eur", "An amount in euros, taxes included.", unit="EUR"),
    Field(examples=[1290.5]),
]
NonNegativeMoneyEUR = Annotated[MoneyEUR, Field(ge=0)]
Rate = Annotated[
    float,
    Field(ge=0, le=1),
    Semantic("rate", "A proportion between 0 and 1.", unit="ratio"),
]
Count = Annotated[int, Field(ge=0), Semantic("count", "A number of items, never negative.")]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Semantic("country_code", "ISO 3166-1 alpha-2 country code."),
    Field(examples=["FR"]),
]
LanguageCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2}$"),
    Semantic("language_code", "ISO 639-1 language code."),
    Field(examples=["fr"]),
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", max_length=254),
    Semantic("email", "A syntactically valid e-mail address, lower case."),
    Field(examples=["marie.dupont@example.com"]),
]
PhoneE164 = Annotated[
    str,
    StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$"),
    Semantic("phone_e164", "A phone number in E.164 form."),
    Field(examples=["+33612345678"]),
]
IrisCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{5}[0-9]{4}$|^2[AB][0-9]{3}[0-9]{4}$"),
    Semantic("iris_code", "INSEE IRIS zone code: 5-character commune code + 4 digits."),
    Field(examples=["751010101"]),
]
DepartmentCode = Annotated[
    str,
    StringConstraints(pattern=r"^([0-9]{2}|2[AB]|9[78][0-9])$"),
    Semantic("department_code", "French department code."),
    Field(examples=["73"]),
]
Season = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$"),
    Semantic("season", 'A winter-to-summer season such as "2023-24", from November to October.'),
    Field(examples=["2023-24"]),
]
Date = Annotated[dt.date, Semantic("date", "A calendar date.")]
Timestamp = Annotated[dt.datetime, Semantic("timestamp", "A UTC timestamp.")]

# --- the owning teams ------------------------------------------------------------
CRM_IDENTITY = Owner(team="CRM & Identity", contact="crm-identity@trident.example")
RESERVATIONS = Owner(team="Reservations", contact="reservations@trident.example")
SALES_REVENUE = Owner(team="Sales & Revenue", contact="sales-revenue@trident.example")
OFFER_PRICING = Owner(team="Offer & Pricing", contact="offer-pricing@trident.example")
VILLAGE_OPERATIONS = Owner(team="Village Operations", contact="village-ops@trident.example")
GUEST_EXPERIENCE = Owner(team="Guest Experience", contact="guest-experience@trident.example")
CRM_MARKETING = Owner(team="CRM Marketing", contact="crm-marketing@trident.example")
DIGITAL = Owner(team="Digital", contact="digital@trident.example")
CONTACT_CENTRE = Owner(team="Contact Centre", contact="contact-centre@trident.example")
PAID_MEDIA = Owner(team="Paid Media", contact="paid-media@trident.example")
CRM_LAB = Owner(team="CRM Lab", contact="crm-lab@trident.example")
MARKET_DEVELOPMENT = Owner(team="Market Development", contact="market-dev@trident.example")

# --- freshness SLAs -------------------------------------------------------------------
DAILY = Freshness(max_lag=timedelta(hours=26), cron="0 4 * * *")
HOURLY = Freshness(max_lag=timedelta(hours=2), cron="0 * * * *")
WEEKLY = Freshness(max_lag=timedelta(days=8), cron="0 5 * * 1")
NEAR_REAL_TIME = Freshness(max_lag=timedelta(minutes=15))
