"""Contracts of six domains: customers, bookings, sales, products, resorts, reviews.

Each contract is read through ``columns_of`` (the one interpreter of pydantic fields),
its grain and PII declarations are checked, its references resolve where their
target is declared, and one hand-made row validates while a row breaking one of
its constraints is rejected, naming the column.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import typing
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import bookings, customers, products, resorts, reviews, sales
from contracts.common import (
    CRM_IDENTITY,
    GUEST_EXPERIENCE,
    OFFER_PRICING,
    RESERVATIONS,
    SALES_REVENUE,
    VILLAGE_OPERATIONS,
)
from mesh_platform.contract import (
    AccessLevel,
    DataContract,
    Owner,
    all_contracts,
    column_map,
    columns_of,
)
from mesh_platform.governance.lint import lint

OWNERS: dict[str, Owner] = {
    "customers": CRM_IDENTITY,
    "bookings": RESERVATIONS,
    "sales": SALES_REVENUE,
    "products": OFFER_PRICING,
    "resorts": VILLAGE_OPERATIONS,
    "reviews": GUEST_EXPERIENCE,
}

PRODUCTS: dict[str, set[str]] = {
    "customers": {
        "customer_profile",
        "customer_identity_map",
        "customer_consent",
        "households",
        "identity_resolution",
    },
    "bookings": {"booking_events", "bookings", "bookings_live"},
    "sales": {"sales_lines", "revenue_by_season", "channel_attribution"},
    "products": {"catalogue_entries", "product_catalog", "product_families"},
    "resorts": {"villages", "village_occupancy"},
    "reviews": {"survey_responses", "village_ratings", "nps_by_village_season"},
}

# The keys other domains' contracts reference: exact column names and grains.
KEYS: dict[str, tuple[str, ...]] = {
    "customers.customer_profile": ("customer_id",),
    "customers.households": ("household_id",),
    "resorts.villages": ("village_id",),
    "products.product_catalog": ("product_id",),
    "products.product_families": ("family_code",),
    "bookings.bookings": ("booking_id",),
    "sales.sales_lines": ("sale_line_id",),
}

# Within a domain, a product references only products it is built from (the reference
# checks run against the published table of the referenced product): (from, to).
SAME_DOMAIN_REFERENCES: set[tuple[str, str]] = {
    ("customers.customer_identity_map", "customers.customer_profile"),
    ("customers.customer_consent", "customers.customer_profile"),
    ("customers.households", "customers.customer_profile"),
    ("products.product_catalog", "products.product_families"),
    ("resorts.village_occupancy", "resorts.villages"),
}

T0 = dt.datetime(2024, 1, 17, 9, 30)
D0 = dt.date(2024, 1, 17)
ARRIVAL = dt.date(2024, 2, 10)
DEPARTURE = dt.date(2024, 2, 17)

# One valid row per contract (every column given), and one constraint it can break:
# (column, value that breaks it).
CASES: dict[type[DataContract], tuple[dict[str, Any], tuple[str, Any]]] = {
    customers.CustomerProfile: (
        {
            "customer_id": "CU00012345",
            "household_id": "HH00004321",
            "customer_type": "customer",
            "civility": "MRS",
            "gender": "female",
            "first_name": "Hélène",
            "last_name": "Le Gall",
            "birth_date": dt.date(1979, 5, 3),
            "preferred_language": "fr",
            "address_line_1": "12 rue des Écoles",
            "address_line_2": None,
            "address_line_3": None,
            "postal_code": "73440",
            "city": "Saint-Martin-de-Belleville",
            "country_code": "FR",
            "market": "FR",
            "address_quality": "valid",
            "email": "helene.legall@example.com",
            "email_quality": "valid",
            "mobile_phone": "+33612345678",
            "mobile_phone_quality": "valid",
            "landline_phone_1": None,
            "landline_phone_1_quality": "missing",
            "landline_phone_2": None,
            "landline_phone_2_quality": "invalid",
            "created_date": dt.date(2015, 11, 2),
            "updated_at": T0,
            "source_records": 2,
        },
        ("mobile_phone", "06 12 34 56 78"),
    ),
    customers.CustomerIdentityMap: (
        {
            "source_system": "reservations",
            "source_customer_id": "R-284034",
            "customer_id": "CU00012345",
            "match_rule": "name_birth_date",
            "record_created_date": dt.date(2018, 3, 9),
        },
        ("source_system", "Reservations"),
    ),
    customers.IdentityResolution: (
        {
            "source_system": "crm",
            "source_customer_id": "284034",
            "customer_id": "CU10284034",
            "match_rule": "first",
            "record_created_date": dt.date(2015, 11, 2),
            "record_updated_at": T0,
            "is_client": True,
            "civility": "MRS",
            "declared_gender": "female",
            "first_name": "hélène",
            "last_name": "LE GALL",
            "first_name_key": "HELENE",
            "last_name_key": "LE GALL",
            "birth_date": dt.date(1979, 5, 3),
            "preferred_language": "fr",
            "address_line_1": "12 RUE DES ÉCOLES",
            "address_line_2": None,
            "address_line_3": None,
            "postal_code": "73440",
            "city": "SAINT-MARTIN-DE-BELLEVILLE",
            "country_code": "FR",
            "address_status": "valid",
            "account_market": None,
            "email": "helene.legall@example.com",
            "email_quality": "valid",
            "mobile_phone": "+33612345678",
            "mobile_phone_quality": "valid",
            "landline_phone_1": None,
            "landline_phone_1_quality": "invalid",
            "landline_phone_2": None,
            "landline_phone_2_quality": "missing",
        },
        ("address_status", "unknown"),
    ),
    customers.CustomerConsent: (
        {
            "customer_id": "CU00012345",
            "channel": "email",
            "opted_in": True,
            "is_valid": True,
            "is_contactable": True,
            "consent_date": dt.date(2021, 6, 1),
            "source": "web",
        },
        ("channel", "fax"),
    ),
    customers.Households: (
        {
            "household_id": "HH00004321",
            "reference_customer_id": "CU00012345",
            "size": 4,
            "adults": 2,
            "children": 2,
            "composition": "family",
            "market": "FR",
            "country_code": "FR",
            "postal_code": "73440",
            "city": "Saint-Martin-de-Belleville",
            "department_code": "73",
            "iris_code": "732570000",
            "has_valid_address": True,
            "created_date": dt.date(2015, 11, 2),
            "stays": 5,
            "first_stay_season": "2019-20",
            "last_stay_season": "2023-24",
        },
        ("adults", 0),
    ),
    bookings.BookingEvents: (
        {
            "event_id": "EV000001234567",
            "booking_id": "BK000123456",
            "event_type": "confirmed",
            "sequence_number": 2,
            "event_at": T0,
            "event_date": D0,
            "received_at": T0 + dt.timedelta(seconds=3),
            "customer_id": "CU00012345",
            "village_id": "VTH",
            "market": "FR",
            "channel": "web",
            "arrival_date": ARRIVAL,
            "departure_date": DEPARTURE,
            "adults": 2,
            "children": 2,
            "guests": 4,
            "amount_eur": 7_840.0,
        },
        ("event_type", "deleted"),
    ),
    bookings.Bookings: (
        {
            "booking_id": "BK000123456",
            "customer_id": "CU00012345",
            "village_id": "VTH",
            "market": "FR",
            "channel": "call_centre",
            "status": "confirmed",
            "created_at": T0 - dt.timedelta(days=2),
            "booking_date": D0 - dt.timedelta(days=2),
            "confirmed_at": T0,
            "cancelled_at": None,
            "last_event_at": T0,
            "arrival_date": ARRIVAL,
            "departure_date": DEPARTURE,
            "nights": 7,
            "season": "2023-24",
            "lead_time_days": 26,
            "adults": 2,
            "children": 2,
            "guests": 4,
            "amount_eur": 7_840.0,
            "modifications": 0,
        },
        ("nights", 0),
    ),
    bookings.BookingsLive: (
        {
            "booking_date": D0,
            "village_id": "VTH",
            "market": "GB",
            "bookings": 14,
            "cancellations": 2,
            "net_bookings": 12,
            "guests": 41,
            "revenue_eur": 61_250.0,
            "cancelled_revenue_eur": 6_900.0,
            "last_event_at": T0,
        },
        ("revenue_eur", -1.0),
    ),
    sales.SalesLines: (
        {
            "sale_line_id": "reservations:T0004512345:2",
            "source_system": "reservations",
            "transaction_number": "T0004512345",
            "line_number": 2,
            "booking_id": "BK000123456",
            "seller_id": "TRIDENT",
            "seller_name": "Trident Resorts",
            "seller_activity_label": "École de ski",
            "sale_type": "sale",
            "sales_channel": "agency",
            "payer_customer_id": "CU00012345",
            "holder_customer_id": "CU00012346",
            "account_code": None,
            "market": "FR",
            "sale_date": D0,
            "season": "2023-24",
            "amount_eur": 285.0,
            "discount_eur": 15.0,
            "tariff_label": "Early booking -5%",
            "product_id": "P004211",
            "village_id": "VTH",
            "contract_status": "confirmed",
            "is_cancelled": False,
            "contract_cancelled_date": None,
            "arrival_date": ARRIVAL,
            "departure_date": DEPARTURE,
            "duration": 6,
            "duration_unit": "days",
            "persons": 1,
            "adults": 0,
            "children": 1,
            "lesson_speciality_label": "Ski alpin",
            "lesson_type_label": "Cours collectif",
            "lesson_level_label": "Débutant",
            "lesson_customer_category_label": "Enfant",
            "lesson_language": "fr",
        },
        ("sale_line_id", "T0004512345-2"),
    ),
    sales.RevenueBySeason: (
        {
            "season": "2023-24",
            "village_id": "VTH",
            "market": "FR",
            "revenue_eur": 4_210_000.0,
            "discount_eur": 120_500.0,
            "refunds_eur": 18_300.0,
            "lines": 5_230,
            "bookings": 1_210,
            "customers": 1_105,
            "revenue_per_customer_eur": 4_210_000.0 / 1_105,
        },
        ("customers", 0),
    ),
    sales.ChannelAttribution: (
        {
            "booking_id": "BK000123456",
            "channel": "web",
            "customer_id": "CU00012345",
            "village_id": "VTH",
            "booking_date": D0,
            "season": "2023-24",
            "is_booking_channel": False,
            "touches": 3,
            "first_touch_at": T0 - dt.timedelta(days=12),
            "last_touch_at": T0 - dt.timedelta(days=1),
            "is_first_touch": True,
            "is_last_touch": False,
            "channels_count": 2,
            "attribution_share": 0.75,
            "attributed_revenue_eur": 5_880.0,
        },
        ("attribution_share", 1.25),
    ),
    products.CatalogueEntries: (
        {
            "product_id": "P004211",
            "label": "Forfait 6 jours Vallée des Belleville adulte",
            "family_code": "SKIPASS",
            "family_label": "FORFAITS",
            "sub_family_label": "Forfaits séjour",
            "village_id": "VTH",
            "ski_duration_category_label": "Séjour",
            "duration_code": "6J",
            "duration_label": "6 jours",
            "age_class_label": "Adulte",
            "park_label": "3 Vallées",
            "accommodation_capacity_label": None,
            "ski_school_label": None,
            "lesson_type_label": None,
            "lesson_group_label": None,
            "list_price_eur": 365.0,
            "is_active": True,
            "updated_at": T0,
        },
        ("family_code", "ski-pass"),
    ),
    products.ProductFamilies: (
        {
            "family_code": "SKIPASS",
            "family_label": "Forfaits",
            "category": "ski_pass",
            "products": 1_840,
            "active_products": 1_210,
            "sub_families": 6,
            "villages": 24,
            "average_list_price_eur": 312.5,
        },
        ("family_code", "ski-pass"),
    ),
    products.ProductCatalog: (
        {
            "product_id": "P004211",
            "label": "Forfait 6 jours Vallée des Belleville adulte",
            "family_code": "SKIPASS",
            "family_label": "Forfaits",
            "category": "ski_pass",
            "sub_family_label": "Forfaits séjour",
            "village_id": "VTH",
            "ski_duration_category_label": "Séjour",
            "duration_code": "6J",
            "duration_label": "6 jours",
            "age_class_label": "Adulte",
            "park_family_type_label": "3 Vallées",
            "accommodation_capacity_label": None,
            "ski_school_label": None,
            "lesson_type_label": None,
            "lesson_group_label": None,
            "list_price_eur": 365.0,
            "is_active": True,
        },
        ("list_price_eur", -5.0),
    ),
    resorts.Villages: (
        {
            "village_id": "VTH",
            "village_name": "Val Thorens",
            "country_code": "FR",
            "region_label": "Europe - Alpes",
            "village_type": "mountain",
            "season_type": "winter",
            "comfort_level": "5T",
            "capacity_beds": 1_050,
            "altitude_m": 2_300,
            "latitude": 45.3,
            "longitude": 6.58,
            "opening_date": None,
            "closing_date": None,
            "is_operating": True,
        },
        ("latitude", 95.0),
    ),
    resorts.VillageOccupancy: (
        {
            "village_id": "VTH",
            "stay_date": ARRIVAL,
            "season": "2023-24",
            "beds_available": 1_050,
            "beds_occupied": 987,
            "occupancy_rate": 987 / 1_050,
            "bookings_staying": 301,
            "arrivals": 402,
            "departures": 377,
            "is_on_the_books": True,
        },
        ("occupancy_rate", 1.04),
    ),
    reviews.SurveyResponses: (
        {
            "response_key": "BK000123456",
            "survey_id": 5_000_124,
            "village_id": "VTH",
            "stay_arrival": ARRIVAL,
            "season": "2023-24",
            "overall_rating": 5,
            "food_rating": 4,
            "rooms_rating": None,
            "activities_rating": 5,
            "staff_rating": 5,
            "kids_club_rating": None,
            "recommend_score": 9,
        },
        ("recommend_score", 99),
    ),
    reviews.VillageRatings: (
        {
            "village_id": "VTH",
            "season": "2023-24",
            "reviews": 1_240,
            "average_rating": 4.42,
            "five_star_share": 0.58,
            "food_rating": 4.51,
            "rooms_rating": 4.12,
            "activities_rating": 4.6,
            "staff_rating": 4.7,
            "kids_club_rating": None,
            "rank_in_season": 3,
        },
        ("average_rating", 0.5),
    ),
    reviews.NpsByVillageSeason: (
        {
            "village_id": "VTH",
            "season": "2023-24",
            "respondents": 1_200,
            "promoters": 720,
            "passives": 300,
            "detractors": 180,
            "promoter_share": 0.6,
            "detractor_share": 0.15,
            "nps": 45.0,
            "average_recommend_score": 8.6,
        },
        ("nps", 120.0),
    ),
}

CONTRACTS = list(CASES)
MINE = set(PRODUCTS)

# Products read by their own domain only; the rest of the six domains' products are public.
INTERNAL: set[str] = {
    "customers.identity_resolution",
    "products.catalogue_entries",
    "reviews.survey_responses",
}


def _id(contract: type[DataContract]) -> str:
    return contract.meta().key


def test_the_six_domains_publish_exactly_the_designed_products() -> None:
    contracts = all_contracts()
    for domain, names in PRODUCTS.items():
        declared = {c.meta().product for c in contracts.values() if c.meta().domain == domain}
        assert declared == names, domain
    assert {_id(c) for c in CONTRACTS} == {f"{d}.{p}" for d, ps in PRODUCTS.items() for p in ps}


def test_governance_finds_nothing_in_the_six_domains() -> None:
    findings = [f.line() for f in lint() if f.product.split(".")[0] in MINE]
    assert findings == []


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_product_metadata_is_complete(contract: type[DataContract]) -> None:
    meta = contract.meta()
    assert meta.owner == OWNERS[meta.domain]
    expected_access = AccessLevel.INTERNAL if meta.key in INTERNAL else AccessLevel.PUBLIC
    assert meta.access is expected_access
    assert meta.freshness is not None
    assert meta.version == "1.0.0"
    assert meta.tags
    assert "Grain" in meta.description, "the description states the grain"
    if meta.partitioning is not None:
        assert meta.partitioning.column in column_map(contract)


def test_keys_other_domains_reference_are_the_grains() -> None:
    contracts = all_contracts()
    for key, grain in KEYS.items():
        assert contracts[key].meta().grain == grain, key
    assert column_map(customers.CustomerProfile)["customer_id"].semantic == "customer_id"
    assert column_map(sales.SalesLines)["sale_line_id"].logical_type.value == "string"


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_every_pii_column_says_why(contract: type[DataContract]) -> None:
    for col in columns_of(contract):
        if col.is_pii:
            assert col.rationale, f"{_id(contract)}.{col.name}: PII without rationale"
        if col.name.endswith("customer_id") or col.name == "household_id":
            assert col.is_pii, f"{_id(contract)}.{col.name}: identifies a person"
    if contract is customers.CustomerProfile:
        direct = {c.name for c in columns_of(contract) if c.classification.value == "direct_pii"}
        assert {"first_name", "last_name", "email", "mobile_phone", "address_line_1"} <= direct


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_references_resolve_where_their_target_is_declared(contract: type[DataContract]) -> None:
    contracts = all_contracts()
    for col in columns_of(contract):
        if col.references is None:
            continue
        target = col.reference_target
        assert target is not None, f"{_id(contract)}.{col.name}: malformed {col.references}"
        domain, product, column_name = target
        key = f"{domain}.{product}"
        if key not in contracts:
            # Another domain's product not declared yet; ours must always exist.
            assert domain not in MINE, f"{_id(contract)}.{col.name}: unknown {key}"
            continue
        target_contract = contracts[key]
        target_cols = column_map(target_contract)
        assert column_name in target_cols, f"{_id(contract)}.{col.name}: no {col.references}"
        assert target_cols[column_name].logical_type is col.logical_type
        assert column_name in target_contract.meta().grain, "a reference names a key"
        if contract.meta().access is AccessLevel.PUBLIC:
            assert target_contract.meta().access is AccessLevel.PUBLIC, col.references


def test_foreign_keys_to_the_shared_keys_are_declared() -> None:
    expected = {
        "customer_id": "customers.customer_profile.customer_id",
        "payer_customer_id": "customers.customer_profile.customer_id",
        "holder_customer_id": "customers.customer_profile.customer_id",
        "reference_customer_id": "customers.customer_profile.customer_id",
        "village_id": "resorts.villages.village_id",
        "product_id": "products.product_catalog.product_id",
    }
    for contract in CONTRACTS:
        if _id(contract) == "customers.identity_resolution":
            # the customers' resolution step builds customers.customer_profile, so it
            # cannot reference it
            assert column_map(contract)["customer_id"].references is None
            continue
        grain = contract.meta().grain
        for col in columns_of(contract):
            if col.name in expected and grain != (col.name,):
                assert col.references == expected[col.name], f"{_id(contract)}.{col.name}"
    refs = {c.name: c.references for c in columns_of(sales.SalesLines)}
    assert refs["booking_id"] == "bookings.bookings.booking_id"


def test_same_domain_references_point_upstream_only() -> None:
    pairs: set[tuple[str, str]] = set()
    for contract in CONTRACTS:
        for col in columns_of(contract):
            target = col.reference_target
            if target is None or target[0] != contract.meta().domain:
                continue
            referenced = f"{target[0]}.{target[1]}"
            if referenced != _id(contract):
                pairs.add((_id(contract), referenced))
    assert pairs == SAME_DOMAIN_REFERENCES
    graph: dict[str, set[str]] = {}
    for referencing, referenced_key in pairs:
        graph.setdefault(referencing, set()).add(referenced_key)
    tuple(graphlib.TopologicalSorter(graph).static_order())  # raises on a cycle
    # Built from these products, so they do not reference them:
    assert column_map(customers.CustomerProfile)["household_id"].references is None
    assert column_map(bookings.BookingEvents)["booking_id"].references is None


def test_channels_and_statuses_are_one_vocabulary_across_bookings_and_sales() -> None:
    channel = typing.get_args(bookings.BookingChannel)
    assert channel == ("web", "call_centre", "agency", "village")
    for contract, name in (
        (bookings.BookingEvents, "channel"),
        (bookings.Bookings, "channel"),
        (sales.SalesLines, "sales_channel"),
        (sales.ChannelAttribution, "channel"),
    ):
        assert column_map(contract)[name].allowed_values == channel, f"{_id(contract)}.{name}"
    status = column_map(bookings.Bookings)["status"].allowed_values
    assert column_map(sales.SalesLines)["contract_status"].allowed_values == status
    consent = column_map(customers.CustomerConsent)["channel"].allowed_values
    assert consent is not None
    assert {"email", "sms", "phone", "postal"} <= set(consent)


def test_partitioned_products() -> None:
    events = bookings.BookingEvents.meta().partitioning
    assert events is not None
    assert (events.column, events.kind) == ("event_date", "monthly")
    revenue = sales.RevenueBySeason.meta().partitioning
    assert revenue is not None
    assert (revenue.column, revenue.kind) == ("season", "season")


@pytest.mark.parametrize(
    ("contract", "name", "bad"),
    [
        (customers.CustomerProfile, "email", "not-an-email"),
        (customers.CustomerProfile, "market", "FRA"),
        (customers.CustomerProfile, "customer_id", "12345"),
        (customers.Households, "iris_code", "7325"),
        (customers.Households, "first_stay_season", "2019"),
        (bookings.Bookings, "status", "option"),
        (bookings.BookingEvents, "guests", 0),
        (sales.SalesLines, "product_id", "4211"),
        (sales.SalesLines, "discount_eur", -1.0),
        (sales.ChannelAttribution, "channels_count", 5),
        (products.ProductCatalog, "category", "spa"),
        (resorts.Villages, "village_id", "VT"),
        (resorts.Villages, "village_type", "lake"),
        (reviews.NpsByVillageSeason, "average_recommend_score", 11.0),
        (reviews.VillageRatings, "rank_in_season", 0),
    ],
)
def test_more_constraints_are_enforced(contract: type[DataContract], name: str, bad: Any) -> None:
    row, _ = CASES[contract]
    with pytest.raises(ValidationError) as caught:
        contract.model_validate({**row, name: bad})
    assert name in {str(err["loc"][0]) for err in caught.value.errors()}
