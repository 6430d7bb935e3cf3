"""The media domain's products on hand-made inputs with worked-out expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import as_date, landing_frame, row_at, run_product

D = dt.date
T = dt.datetime


def _report(campaign: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "report_date": D(2024, 1, 15),
        "platform": "GOOGLE_ADS",
        "account_id": "ACC-FR",
        "media_campaign_id": f"MC{campaign:05d}",
        "campaign_name": "FR_WINTER_SKI_PROSPECTING_BOOKING",
        "channel": "SEARCH",
        "objective": "PROSPECTING_BOOKING",
        "country_code": "FR",
        "currency_code": "EUR",
        "impressions": 10_000,
        "clicks": 400,
        "cost_micros": 250_000_000,
        "conversions": 2.4,
        "conversion_value_micros": 9_600_000_000,
    }
    row.update(values)
    return row


def test_media_spend_converts_currencies_and_derives_rates() -> None:
    reports = [
        _report(1),
        _report(1),  # reported twice
        # in pounds, on Meta, selling in-resort offers to customers
        _report(
            2,
            platform="META",
            account_id="ACC-GB",
            campaign_name="GB_SUMMER_SUN_CUSTOMER_IN_RESORT",
            channel="SOCIAL",
            objective="CUSTOMER_IN_RESORT",
            country_code="GB",
            currency_code="GBP",
            impressions=5_000,
            clicks=50,
            cost_micros=100_000_000,
            conversions=0.3,
            conversion_value_micros=0,
        ),
        # brand video with no impressions delivered that day
        _report(
            3,
            platform="DV360",
            channel="VIDEO",
            objective="BRAND",
            campaign_name="FR_WINTER_ALL_BRAND",
            impressions=0,
            clicks=0,
            cost_micros=0,
            conversions=0.0,
            conversion_value_micros=0,
        ),
    ]
    rates = pd.DataFrame(
        {
            "rate_date": [D(2024, 1, 15), D(2024, 1, 15), D(2024, 1, 14)],
            "currency_code": ["EUR", "GBP", "GBP"],
            "eur_per_unit": [1.0, 1.16, 1.10],
        }
    )
    out = run_product(
        "media.media_spend",
        landing={
            "landing_media.spend": landing_frame("landing_media.spend", reports),
            "landing_media.exchange_rates": rates,
        },
    )
    rows = out.set_index("media_campaign_id")
    assert len(rows) == 3

    search = row_at(rows, "MC00001")
    assert as_date(search["spend_date"]) == D(2024, 1, 15)
    assert (search["platform"], search["channel"]) == ("google_ads", "paid_search")
    assert (search["target"], search["content"]) == ("prospect", "booking")
    assert search["spend_eur"] == pytest.approx(250.0)
    assert search["conversions"] == pytest.approx(2.4)  # modelled conversions, kept as reported
    assert search["conversion_value_eur"] == pytest.approx(9600.0)
    assert search["ctr"] == pytest.approx(0.04)
    assert search["cost_per_conversion_eur"] == pytest.approx(250.0 / 2.4)

    social = row_at(rows, "MC00002")
    assert (social["platform"], social["channel"]) == ("meta", "paid_social")
    assert (social["target"], social["content"]) == ("customer", "in_resort_offer")
    assert social["country_code"] == "GB"
    assert social["spend_eur"] == pytest.approx(100.0 * 1.16)  # the day's rate
    assert social["conversions"] == pytest.approx(0.3)
    assert social["cost_per_conversion_eur"] == pytest.approx(100.0 * 1.16 / 0.3)

    brand = row_at(rows, "MC00003")
    assert (brand["platform"], brand["channel"]) == ("display_video_360", "video")
    assert (brand["target"], brand["content"]) == ("prospect", "brand")
    assert pd.isna(brand["ctr"])
    assert brand["spend_eur"] == pytest.approx(0.0)


TODAY = T(2024, 10, 31, 10, 0, 0)


def _booking(number: int, customer: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "booking_id": f"BK{number:09d}",
        "customer_id": f"CU{customer:08d}",
        "village_id": "VTH",
        "status": "confirmed",
        "booking_date": D(2024, 9, 1),
        "departure_date": D(2024, 12, 28),
        "last_event_at": T(2024, 9, 1, 12, 0, 0),
    }
    row.update(values)
    return row


def test_audience_suppression_rules() -> None:
    bookings = pd.DataFrame(
        [
            # customer 1: two overlapping bookings, and a later separate one
            _booking(1, 1, booking_date=D(2024, 9, 1), departure_date=D(2024, 12, 28)),
            _booking(
                2,
                1,
                village_id="CUN",
                booking_date=D(2024, 10, 5),
                departure_date=D(2025, 1, 4),
                last_event_at=TODAY,  # the latest change: today is 31 October 2024
            ),
            _booking(3, 1, booking_date=D(2025, 1, 5), departure_date=D(2025, 2, 15)),
            # customer 1: a cancelled, a pending and an ended stay are ignored
            _booking(4, 1, status="cancelled", departure_date=D(2025, 3, 1)),
            _booking(5, 1, status="pending", departure_date=D(2025, 3, 8)),
            _booking(6, 1, booking_date=D(2024, 3, 1), departure_date=D(2024, 8, 10)),
            # customer 2: booked, no valid advertising consent
            _booking(7, 2, booking_date=D(2024, 10, 30), departure_date=D(2024, 10, 31)),
        ]
    )
    consent = pd.DataFrame(
        [
            # customer 1: opted in, matchable
            {
                "customer_id": "CU00000001",
                "channel": "advertising",
                "opted_in": True,
                "is_valid": True,
                "is_contactable": True,
                "consent_date": D(2023, 5, 1),
            },
            # customer 2: withdrew the consent
            {
                "customer_id": "CU00000002",
                "channel": "advertising",
                "opted_in": False,
                "is_valid": True,
                "is_contactable": False,
                "consent_date": D(2024, 6, 30),
            },
            # customer 3: never decided
            {
                "customer_id": "CU00000003",
                "channel": "advertising",
                "opted_in": False,
                "is_valid": False,
                "is_contactable": False,
                "consent_date": None,
            },
            # customer 1's e-mail consent plays no part
            {
                "customer_id": "CU00000001",
                "channel": "email",
                "opted_in": False,
                "is_valid": True,
                "is_contactable": False,
                "consent_date": D(2024, 1, 1),
            },
        ]
    )
    identities = pd.DataFrame(
        {
            "source_system": ["crm", "reservations", "crm"],
            "source_customer_id": ["1000003", "FR-1000003", "1000001"],
            "customer_id": ["CU00000003", "CU00000003", "CU00000001"],
            "match_rule": ["first", "email", "first"],
            "record_created_date": [D(2021, 4, 2), D(2020, 2, 3), D(2019, 1, 1)],
        }
    )
    out = run_product(
        "media.audience_suppression",
        products={
            "bookings.bookings": bookings,
            "customers.customer_consent": consent,
            "customers.customer_identity_map": identities,
        },
    )
    out["valid_from"] = out["valid_from"].map(as_date)
    out["valid_to"] = out["valid_to"].map(lambda v: None if pd.isna(v) else as_date(v))
    rows = {(r.customer_id, r.audience, r.reason, r.valid_from): r for r in out.itertuples()}
    assert set(rows) == {
        ("CU00000001", "booking_ads", "already_booked", D(2024, 9, 1)),
        ("CU00000001", "in_resort_offers", "already_booked", D(2024, 9, 1)),
        ("CU00000001", "booking_ads", "already_booked", D(2025, 1, 5)),
        ("CU00000001", "in_resort_offers", "already_booked", D(2025, 1, 5)),
        ("CU00000002", "booking_ads", "already_booked", D(2024, 10, 30)),
        ("CU00000002", "booking_ads", "no_consent", D(2024, 6, 30)),
        ("CU00000002", "in_resort_offers", "no_consent", D(2024, 6, 30)),
        ("CU00000003", "booking_ads", "no_consent", D(2020, 2, 3)),
        ("CU00000003", "in_resort_offers", "no_consent", D(2020, 2, 3)),
    }
    merged = rows[("CU00000001", "booking_ads", "already_booked", D(2024, 9, 1))]
    assert merged.valid_to == D(2025, 1, 4)
    assert (merged.booking_id, merged.village_id) == ("BK000000002", "CUN")
    assert merged.action == "suppress"
    offer = rows[("CU00000001", "in_resort_offers", "already_booked", D(2024, 9, 1))]
    assert offer.action == "in_resort_offer"
    assert offer.valid_to == D(2025, 1, 4)
    later = rows[("CU00000001", "booking_ads", "already_booked", D(2025, 1, 5))]
    assert (later.valid_to, later.booking_id) == (D(2025, 2, 15), "BK000000003")
    # the stay ending today still counts; no in-resort offers without consent
    today = rows[("CU00000002", "booking_ads", "already_booked", D(2024, 10, 30))]
    assert today.valid_to == D(2024, 10, 31)
    withdrawn = rows[("CU00000002", "booking_ads", "no_consent", D(2024, 6, 30))]
    assert withdrawn.action == "suppress"
    assert withdrawn.valid_to is None
    assert pd.isna(withdrawn.booking_id)
