"""The web domain's products on hand-made inputs with worked-out expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import as_date, landing_frame, row_at, run_product

D = dt.date
T = dt.datetime

IDENTITIES = pd.DataFrame(
    {
        "source_system": ["crm", "crm", "reservations"],
        "source_customer_id": ["1000001", "1000002", "1000003"],
        "customer_id": ["CU00000001", "CU00000002", "CU00000009"],
        "match_rule": ["first", "first", "first"],
        "record_created_date": [D(2018, 1, 1)] * 3,
    }
)


def _session(number: int, **values: Any) -> dict[str, Any]:
    start = T(2024, 5, 1, 20, 0, 0)
    row: dict[str, Any] = {
        "session_id": f"WS{number:012d}",
        "visitor_id": f"GA1.2.{number}.1500000000",
        "contact_id": None,
        "started_at": start,
        "ended_at": start + dt.timedelta(seconds=95),
        "platform": "web",
        "device_category": "desktop",
        "source": "google",
        "medium": "organic",
        "campaign": None,
        "geo_country": "FR",
        "language": "fr",
        "landing_page": "/fr",
        "page_views": 3,
        "booking_id": None,
    }
    row.update(values)
    return row


def _page(session: int, hit: int, page_type: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "session_id": f"WS{session:012d}",
        "hit_number": hit,
        "viewed_at": T(2024, 5, 1, 20, 0, 0) + dt.timedelta(seconds=30 * hit),
        "page_path": "/fr",
        "page_type": page_type,
        "village_code": None,
        "search_arrival_date": None,
        "search_adults": None,
        "search_children": None,
        "time_on_page_seconds": 30,
    }
    row.update(values)
    return row


def test_web_sessions_from_sessions_and_page_views() -> None:
    sessions = [
        # identified, from a CRM e-mail, three village pages (two of Tignes), then a
        # first search changed by a second one, and a booking
        _session(
            1,
            contact_id=1000001,
            source="crm",
            medium="email",
            page_views=7,
            booking_id="bk000123456",
        ),
        # anonymous, app, country unknown, one village page of each of two villages
        _session(
            2,
            platform="ios_app",
            device_category="mobile",
            medium="(none)",
            source="(direct)",
            geo_country="ZZ",
            page_views=3,
        ),
        # a contact the identity map does not know, paid search, one page
        _session(3, contact_id=1999999, medium="cpc", page_views=1),
        # an SMS link
        _session(4, contact_id=1000002, source="crm", medium="sms", page_views=1),
    ]
    pages = [
        _page(1, 1, "village", village_code="VTH"),
        _page(1, 2, "village", village_code="tig"),
        _page(1, 3, "village", village_code="TIG"),
        _page(
            1,
            4,
            "search",
            search_arrival_date=D(2025, 2, 8),
            search_adults=2,
            search_children=0,
        ),
        _page(
            1,
            5,
            "search",
            search_arrival_date=D(2025, 2, 15),
            search_adults=2,
            search_children=2,
        ),
        _page(1, 6, "booking_step", village_code="TIG"),
        _page(1, 7, "booking_confirmation", village_code="TIG"),
        _page(2, 1, "home"),
        _page(2, 2, "village", village_code="CUN"),
        _page(2, 3, "village", village_code="BAL"),
        _page(3, 1, "offer"),
        _page(4, 1, "booking_step"),
    ]
    out = run_product(
        "web.web_sessions",
        products={"customers.customer_identity_map": IDENTITIES},
        landing={
            "landing_web.sessions": landing_frame("landing_web.sessions", sessions),
            "landing_web.page_views": landing_frame("landing_web.page_views", pages),
        },
    )
    rows = out.set_index("session_id")
    assert len(rows) == 4

    booked = row_at(rows, "WS000000000001")
    assert booked["customer_id"] == "CU00000001"
    assert booked["traffic_source"] == "email"
    assert booked["device"] == "desktop"
    assert booked["landing_page_category"] == "village"
    assert booked["village_id"] == "TIG"  # four views of Tignes against one of VTH
    assert as_date(booked["searched_arrival_date"]) == D(2025, 2, 15)  # the last search
    assert (booked["searched_adults"], booked["searched_children"]) == (2, 2)
    assert booked["pages_viewed"] == 7
    assert booked["duration_seconds"] == 95
    assert booked["converted"]
    assert booked["booking_id"] == "BK000123456"

    anonymous = row_at(rows, "WS000000000002")
    assert pd.isna(anonymous["customer_id"])
    assert anonymous["device"] == "app"
    assert anonymous["traffic_source"] == "direct"
    assert pd.isna(anonymous["country_code"])
    assert anonymous["landing_page_category"] == "home"
    assert anonymous["village_id"] == "CUN"  # a tie: the first viewed
    assert pd.isna(anonymous["searched_arrival_date"])
    assert not anonymous["converted"]

    unknown = row_at(rows, "WS000000000003")
    assert pd.isna(unknown["customer_id"])
    assert unknown["traffic_source"] == "paid_search"
    assert pd.isna(unknown["village_id"])

    sms = row_at(rows, "WS000000000004")
    assert sms["traffic_source"] == "email"
    assert sms["landing_page_category"] == "booking"


AS_OF = T(2024, 10, 30, 12, 0, 0)


def test_customer_affinities_weigh_bookings_searches_and_views() -> None:
    villages = pd.DataFrame(
        {
            "village_id": ["CUN", "VTH", "OPI"],
            "village_type": ["sea", "mountain", "countryside"],
        }
    )
    bookings = pd.DataFrame(
        [
            # customer 1 booked a summer stay by the sea with the children, today
            {
                "booking_id": "BK000000001",
                "customer_id": "CU00000001",
                "village_id": "CUN",
                "created_at": AS_OF,
                "arrival_date": D(2025, 7, 5),
                "children": 2,
                "status": "confirmed",
            },
        ]
    )
    sessions = pd.DataFrame(
        [
            # customer 1, 180 days ago: a dated winter search as a couple, in the
            # mountains (weight 2, halved once: 1)
            {
                "session_id": "WS000000000001",
                "customer_id": "CU00000001",
                "started_at": AS_OF - dt.timedelta(days=180),
                "village_id": "VTH",
                "searched_arrival_date": D(2025, 2, 8),
                "searched_adults": 2,
                "searched_children": 0,
            },
            # customer 2, 360 days ago: a mountain village viewed, no search (weight 1,
            # halved twice: 0.25); and a session with nothing in it
            {
                "session_id": "WS000000000002",
                "customer_id": "CU00000002",
                "started_at": AS_OF - dt.timedelta(days=360),
                "village_id": "VTH",
            },
            {
                "session_id": "WS000000000003",
                "customer_id": "CU00000002",
                "started_at": AS_OF - dt.timedelta(days=10),
            },
            # customer 3: a countryside village only: no sea/mountain evidence
            {
                "session_id": "WS000000000004",
                "customer_id": "CU00000003",
                "started_at": AS_OF - dt.timedelta(days=1),
                "village_id": "OPI",
            },
            # anonymous: not a customer
            {
                "session_id": "WS000000000005",
                "customer_id": None,
                "started_at": AS_OF - dt.timedelta(days=1),
                "village_id": "CUN",
            },
        ]
    )
    out = run_product(
        "web.customer_affinities",
        products={
            "bookings.bookings": bookings,
            "web.web_sessions": sessions,
            "resorts.villages": villages,
        },
    )
    rows = out.set_index("customer_id")
    assert sorted(rows.index) == ["CU00000001", "CU00000002", "CU00000003"]
    assert {as_date(v) for v in rows["as_of"]} == {AS_OF.date()}

    one = row_at(rows, "CU00000001")
    # booking 5 for sea, summer, family; search 1 for mountain, winter, couple
    assert one["sea_score"] == pytest.approx((5 + 0.5) / (5 + 1 + 1))
    assert one["summer_score"] == pytest.approx((5 + 0.5) / (5 + 1 + 1))
    assert one["family_score"] == pytest.approx((5 + 0.5) / (5 + 1 + 1))
    assert (one["sea_mountain_label"], one["summer_winter_label"]) == ("sea", "summer")
    assert one["family_couple_label"] == "family"
    assert one["favourite_village_id"] == "CUN"
    assert (one["sessions"], one["bookings"]) == (1, 1)
    assert one["last_signal_at"] == pd.Timestamp(AS_OF)

    two = row_at(rows, "CU00000002")
    assert two["sea_score"] == pytest.approx(0.5 / (0.25 + 1))
    assert two["sea_mountain_label"] == "mountain"
    # no season or party evidence: 0.5, the first pole
    assert two["summer_score"] == pytest.approx(0.5)
    assert two["summer_winter_label"] == "summer"
    assert two["family_score"] == pytest.approx(0.5)
    assert two["favourite_village_id"] == "VTH"
    assert (two["sessions"], two["bookings"]) == (2, 0)
    assert two["last_signal_at"] == pd.Timestamp(AS_OF - dt.timedelta(days=10))

    three = row_at(rows, "CU00000003")
    assert three["sea_score"] == pytest.approx(0.5)
    assert three["favourite_village_id"] == "OPI"
