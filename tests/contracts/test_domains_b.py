"""Contracts of six domains: campaigns, web, telephony, media, customer intelligence, territory.

Each contract is read through ``columns_of`` (the one interpreter of pydantic fields),
its grain and PII declarations are checked, its references resolve where their
target is declared, and one hand-made row validates while a row breaking one of
its constraints is rejected, naming the column.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest

from contracts import campaigns, customer_intelligence, media, telephony, territory, web
from contracts.common import (
    CONTACT_CENTRE,
    CRM_LAB,
    CRM_MARKETING,
    DIGITAL,
    MARKET_DEVELOPMENT,
    PAID_MEDIA,
)
from mesh_platform.contract import (
    AccessLevel,
    DataContract,
    Owner,
    all_contracts,
    column_map,
    columns_of,
)
from mesh_platform.contract.ranking import get_ranking

OWNERS: dict[str, Owner] = {
    "campaigns": CRM_MARKETING,
    "web": DIGITAL,
    "telephony": CONTACT_CENTRE,
    "media": PAID_MEDIA,
    "customer_intelligence": CRM_LAB,
    "territory": MARKET_DEVELOPMENT,
}

PRODUCTS: dict[str, set[str]] = {
    "campaigns": {"campaign_sends", "campaign_engagement", "return_rate_animated"},
    "web": {"web_sessions", "customer_affinities"},
    "telephony": {"calls", "call_conversion"},
    "media": {"media_spend", "audience_suppression"},
    "customer_intelligence": {
        "rfm_segments",
        "segment_transitions",
        "revenue_concentration",
        "lead_scores",
        "campaign_appetence",
    },
    "territory": {"iris_zones", "prospection_zones"},
}

T0 = dt.datetime(2024, 1, 17, 9, 30)
D0 = dt.date(2024, 1, 17)

# One valid row per contract (every column given), and one constraint it can break:
# (column, value that breaks it).
CASES: dict[type[DataContract], tuple[dict[str, Any], tuple[str, Any]]] = {
    campaigns.CampaignSends: (
        {
            "send_id": "SD0001234567",
            "campaign_id": "CP00042",
            "customer_id": "CU00012345",
            "template_name": "WINTER_EARLY_BOOKING_V2",
            "subject": "Fresh snow this weekend!",
            "subject_type": "EXCLAMATION",
            "campaign_number": 412,
            "language_code": "fr",
            "sent_at": T0,
            "channel": "email",
            "opens_count": 2,
            "is_opener": True,
            "last_opened_at": T0 + dt.timedelta(hours=3),
            "clicks_count": 0,
            "last_clicked_at": None,
            "is_unsubscribed": False,
            "main_highlight": "NEWS",
            "secondary_highlight": "WEATHER",
            "cycle_label": "POWDER_ALARM",
            "register_label": "INFORMATIONAL",
            "theme_label": "SKI",
        },
        ("opens_count", -1),
    ),
    campaigns.CampaignEngagement: (
        {
            "campaign_id": "CP00042",
            "campaign_number": 412,
            "template_name": "WINTER_EARLY_BOOKING_V2",
            "channel": "email",
            "cycle_label": "ANNUAL",
            "register_label": "PROMOTIONAL",
            "theme_label": "SKI",
            "season": "2023-24",
            "first_sent_at": T0,
            "last_sent_at": T0 + dt.timedelta(hours=2),
            "sends": 1000,
            "recipients": 998,
            "openers": 350,
            "opens": 520,
            "clickers": 44,
            "clicks": 61,
            "unsubscribes": 3,
            "open_rate": 0.35,
            "click_rate": 0.044,
            "click_to_open_rate": 44 / 350,
            "unsubscribe_rate": 0.003,
            "bookings_attributed": 5,
            "revenue_attributed_eur": 12_450.0,
        },
        ("click_rate", 1.2),
    ),
    campaigns.ReturnRateAnimated: (
        {
            "season": "2023-24",
            "previous_season": "2022-23",
            "animated": True,
            "households": 12_000,
            "returning_households": 5_400,
            "return_rate": 0.45,
            "sends_per_household": 17.5,
        },
        ("households", 0),
    ),
    web.WebSessions: (
        {
            "session_id": "WS000012345678",
            "customer_id": None,
            "started_at": T0,
            "device": "mobile",
            "traffic_source": "email",
            "country_code": "FR",
            "landing_page_category": "village",
            "pages_viewed": 7,
            "duration_seconds": 412,
            "village_id": "VTH",
            "searched_arrival_date": dt.date(2024, 2, 10),
            "searched_adults": 2,
            "searched_children": 2,
            "converted": False,
            "booking_id": None,
        },
        ("device", "smart_tv"),
    ),
    web.CustomerAffinities: (
        {
            "customer_id": "CU00012345",
            "sea_score": 0.2,
            "sea_mountain_label": "mountain",
            "summer_score": 0.5,
            "summer_winter_label": "summer",
            "family_score": 0.9,
            "family_couple_label": "family",
            "favourite_village_id": "VTH",
            "sessions": 14,
            "bookings": 2,
            "last_signal_at": T0,
            "as_of": D0,
        },
        ("family_score", 1.5),
    ),
    telephony.Calls: (
        {
            "call_id": "CL0000123456",
            "customer_id": "CU00012345",
            "started_at": T0,
            "direction": "inbound",
            "queue": "reservations",
            "call_type": "sales",
            "wait_seconds": 45,
            "duration_seconds": 380,
            "agent_id": "AG00042",
            "village_id": "VTH",
            "outcome": "booked",
            "booking_id": "BK000123456",
        },
        ("agent_id", "agent-42"),
    ),
    telephony.CallConversion: (
        {
            "call_date": D0,
            "queue": "reservations",
            "calls": 120,
            "inbound_calls": 110,
            "answered_calls": 101,
            "abandoned_calls": 9,
            "sales_calls": 80,
            "information_calls": 40,
            "converted_calls": 12,
            "conversion_rate": 0.15,
            "abandon_rate": 9 / 110,
            "average_wait_seconds": 52.5,
            "average_duration_seconds": 310.0,
            "revenue_eur": 38_500.0,
        },
        ("calls", 0),
    ),
    media.MediaSpend: (
        {
            "spend_date": D0,
            "media_campaign_id": "MC00017",
            "campaign_name": "FR_WINTER_SKI_PROSPECTING",
            "platform": "display_video_360",
            "channel": "display",
            "target": "prospect",
            "content": "booking",
            "country_code": "FR",
            "spend_eur": 1_250.0,
            "impressions": 400_000,
            "clicks": 1_800,
            "conversions": 4,
            "conversion_value_eur": 14_200.0,
            "ctr": 0.0045,
            "cost_per_conversion_eur": 312.5,
        },
        ("spend_eur", -10.0),
    ),
    media.AudienceSuppression: (
        {
            "customer_id": "CU00012345",
            "audience": "booking_ads",
            "valid_from": D0,
            "valid_to": dt.date(2024, 2, 17),
            "action": "suppress",
            "reason": "already_booked",
            "booking_id": "BK000123456",
            "village_id": "VTH",
        },
        ("action", "pause"),
    ),
    customer_intelligence.RfmSegments: (
        {
            "household_id": "HH00004321",
            "season": "2023-24",
            "window_first_season": "2019-20",
            "recency_seasons": 0,
            "frequency_seasons": 4,
            "amount_eur": 9_870.0,
            "season_amount_eur": 2_450.0,
            "last_purchase_season": "2023-24",
            "segment": "FIDELES",
            "segment_rank": 5,
        },
        ("frequency_seasons", 6),
    ),
    customer_intelligence.SegmentTransitions: (
        {
            "season_from": "2022-23",
            "season_to": "2023-24",
            "segment_from": "OUT",
            "segment_to": "NOUVEAUX",
            "move": "ENTRY",
            "households": 3_200,
            "share_of_segment_from": 1.0,
            "season_to_amount_eur": 4_100_000.0,
        },
        ("segment_to", "LOYAL"),
    ),
    customer_intelligence.RevenueConcentration: (
        {
            "household_id": "HH00004321",
            "season": "2023-24",
            "window_first_season": "2019-20",
            "segment": "ADDICTS",
            "revenue_eur": 48_000.0,
            "revenue_rank": 12,
            "revenue_share": 0.0004,
            "cumulative_households_share": 0.0001,
            "cumulative_revenue_share": 0.004,
        },
        ("revenue_eur", 0.0),
    ),
    customer_intelligence.LeadScores: (
        {
            "customer_id": "CU00012345",
            "village_id": "VTH",
            "season": "2024-25",
            "score": 0.31,
            "rank_for_customer": 1,
            "decile": 10,
            "predicted_revenue_eur": 1_550.0,
            "maturity": "hot",
            "model_version": "lead-2024.11.1",
            "scored_at": T0,
        },
        ("decile", 0),
    ),
    customer_intelligence.CampaignAppetence: (
        {
            "customer_id": "CU00012345",
            "household_id": "HH00004321",
            "season": "2023-24",
            "main_highlight": "NEWS",
            "secondary_highlight": "SOCIAL",
            "powder_alarm_useful": True,
            "stay_cycle_mails_useful": True,
            "best_send_day": "WEDNESDAY",
            "best_send_time_slot": "MORNING",
            "subject_type": "SENSATION",
            "baseline_action_probability": 0.18,
            "recommended_action_probability": 0.38,
            "appetence_gain": 0.20,
            "current_segment": "ONE TIMER",
            "baseline_segment": "ONE TIMER",
            "predicted_segment": "OCCASIONNELS",
            "segment_steps": 3,
            "generated_move": "UP",
            "probability_shift": 0.3,
            "baseline_expected_amount_eur": 900.0,
            "recommended_expected_amount_eur": 1640.0,
            "household_customers": 1,
            "expected_amount_change_eur": 740.0,
            "expected_gain_eur": 740.0,
            "avoided_loss_eur": 0.0,
            "model_version": "appetence-2024.11.1",
            "scored_at": T0,
        },
        ("generated_move", "UP++"),
    ),
    territory.IrisZones: (
        {
            "iris_code": "751010101",
            "iris_name": "Saint-Germain-l'Auxerrois 1",
            "iris_type": "H",
            "commune_code": "75101",
            "commune_name": "Paris 1er Arrondissement",
            "department_code": "75",
            "population": 1_850,
            "households": 1_020,
            "median_income_eur": 38_400.0,
            "share_families_with_children": 0.21,
            "share_couples_without_children": 0.24,
            "share_age_65_plus": 0.19,
            "share_executives": 0.46,
            "ski_practice_index": 142.0,
            "distance_to_mountain_km": 560.0,
        },
        ("iris_code", "7510101"),
    ),
    territory.ProspectionZones: (
        {
            "iris_code": "2A0040101",
            "department_code": "2A",
            "potential_score": 0.72,
            "predicted_high_value": True,
            "rank_in_department": 3,
            "department_high_value_zones": 57,
            "department_class": "2-101",
            "customer_households": 14,
            "customer_revenue_eur": 61_000.0,
            "penetration_rate": 0.018,
            "model_version": "iris-2024.1",
        },
        ("department_class", "300+"),
    ),
}

CONTRACTS = list(CASES)


def _id(contract: type[DataContract]) -> str:
    return contract.meta().key


def test_the_six_domains_publish_exactly_the_designed_products() -> None:
    contracts = all_contracts()
    for domain, products in PRODUCTS.items():
        declared = {c.meta().product for c in contracts.values() if c.meta().domain == domain}
        assert declared == products, domain
    assert {_id(c) for c in CONTRACTS} == {f"{d}.{p}" for d, ps in PRODUCTS.items() for p in ps}


VERSIONS = {
    # calibrated scores: the same columns, a stronger promise
    "customer_intelligence.lead_scores": "1.1.0",
    # movements generated against the baseline: predicted_move replaced
    "customer_intelligence.campaign_appetence": "2.0.0",
}
"""The products whose contract changed since its first version."""


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_product_metadata_is_complete(contract: type[DataContract]) -> None:
    meta = contract.meta()
    assert meta.owner == OWNERS[meta.domain]
    assert meta.access is AccessLevel.PUBLIC
    assert meta.freshness is not None
    assert meta.version == VERSIONS.get(_id(contract), "1.0.0")
    assert meta.tags
    assert "Grain" in meta.description, "the description states the grain"


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_every_pii_column_says_why(contract: type[DataContract]) -> None:
    for col in columns_of(contract):
        if col.is_pii:
            assert col.rationale, f"{_id(contract)}.{col.name}: PII without rationale"
        if col.name in {"customer_id", "household_id", "agent_id", "session_id"}:
            assert col.is_pii, f"{_id(contract)}.{col.name}: identifies a person"


@pytest.mark.parametrize("contract", CONTRACTS, ids=_id)
def test_references_resolve_where_their_target_is_declared(contract: type[DataContract]) -> None:
    contracts = all_contracts()
    own_domains = set(PRODUCTS)
    for col in columns_of(contract):
        target = col.reference_target
        if col.references is None:
            continue
        assert target is not None, f"{_id(contract)}.{col.name}: malformed {col.references}"
        domain, product, column_name = target
        key = f"{domain}.{product}"
        if key not in contracts:
            # Another domain's product not declared yet; ours must always exist.
            assert domain not in own_domains, f"{_id(contract)}.{col.name}: unknown {key}"
            continue
        target_contract = contracts[key]
        target_cols = column_map(target_contract)
        assert column_name in target_cols, f"{_id(contract)}.{col.name}: no {col.references}"
        assert target_cols[column_name].logical_type is col.logical_type
        if contract.meta().access is AccessLevel.PUBLIC:
            assert target_contract.meta().access is AccessLevel.PUBLIC, col.references


def test_keys_other_domains_may_reference_are_grains() -> None:
    assert campaigns.CampaignSends.meta().grain == ("send_id",)
    assert campaigns.CampaignEngagement.meta().grain == ("campaign_id",)
    assert territory.IrisZones.meta().grain == ("iris_code",)
    ref = column_map(territory.ProspectionZones)["iris_code"].references
    assert ref == "territory.iris_zones.iris_code"


def test_segment_labels_are_the_seeds_and_the_rules_name_each_of_them() -> None:
    labels = typing.get_args(customer_intelligence.Segment)
    assert labels == ("ADDICTS", "FIDELES", "OCCASIONNELS", "ONE TIMER", "NOUVEAUX", "INACTIFS")
    rules = customer_intelligence.RfmSegments.meta().description
    for label in labels:
        assert f"- {label}:" in rules, f"no rule for {label}"
    assert set(customer_intelligence.SEGMENT_RANK) == set(labels)
    assert sorted(customer_intelligence.SEGMENT_RANK.values()) == [1, 2, 3, 4, 5, 6]
    # the SQL's RANK_OF(segment, 'segment') reads the same declaration
    assert get_ranking("segment").ranks() == customer_intelligence.SEGMENT_RANK
    for name in ("segment", "current_segment", "predicted_segment"):
        contract = (
            customer_intelligence.RfmSegments
            if name == "segment"
            else customer_intelligence.CampaignAppetence
        )
        assert column_map(contract)[name].allowed_values == labels
    transitions = column_map(customer_intelligence.SegmentTransitions)
    assert transitions["segment_from"].allowed_values == (*labels, "OUT")


def test_campaign_settings_are_shared_between_history_and_appetence() -> None:
    sends = column_map(campaigns.CampaignSends)
    appetence = column_map(customer_intelligence.CampaignAppetence)
    for name in ("main_highlight", "secondary_highlight", "subject_type"):
        assert sends[name].allowed_values == appetence[name].allowed_values
        assert sends[name].allowed_values


def test_prospection_classes_are_the_seeds_three() -> None:
    classes = column_map(territory.ProspectionZones)["department_class"].allowed_values
    assert classes == ("2-101", "101-200", "200-299")
