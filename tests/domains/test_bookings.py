"""The bookings domain's products on hand-made inputs with worked-out expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import as_date, landing_frame, row_at, run_product

D = dt.date
T = dt.datetime

EXTRACTED_AT = T(2024, 10, 31, 2, 0, 0)
ALL_DAYS = "2021-09-01..2024-10-31"
"""booking_events is partitioned by month: a range of monthly partitions covering every event."""

IDENTITIES = pd.DataFrame(
    {
        "source_system": ["reservations", "reservations", "reservations", "crm"],
        "source_customer_id": ["FR-1000001", "FR-1000002", "BE-1000003", "1000001"],
        "customer_id": ["CU00000001", "CU00000002", "CU00000003", "CU00000001"],
        "match_rule": ["first", "first", "first", "email"],
        "record_created_date": [D(2018, 1, 1)] * 4,
    }
)
VILLAGES = pd.DataFrame(
    {
        "village_id": ["VTH", "CUN", "OPI"],
        "village_name": ["Val Thorens", "Cancún", "Opio en Provence"],
        "village_type": ["mountain", "sea", "countryside"],
    }
)


def _message(
    message: int,
    booking: int,
    sequence: int,
    kind: str,
    at: dt.datetime,
    *,
    delay_s: int = 1,
    event_id: str | None = None,
    **state: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "message_id": str(7_000_000 + message),
        "publish_time": at + dt.timedelta(seconds=delay_s),
        "event_id": event_id or f"EV{booking:09d}{sequence:03d}",
        "event_type": f"booking.{kind}",
        "event_time": at,
        "sequence_number": sequence,
        "booking_id": f"BK{booking:09d}",
        "payer_account_code": "FR-1000001",
        "holder_account_code": "FR-1000002",
        "village_code": "VTH",
        "market_code": "FR",
        "sales_channel_code": "TEL",
        "arrival_date": D(2025, 2, 8),
        "departure_date": D(2025, 2, 15),
        "nb_adults": 2,
        "nb_children": 1,
        "total_amount": 4200.0,
        "currency": "EUR",
        "status_code": "OP",
        "source_system": "RESA",
    }
    row.update(state)
    return row


def _contract(booking: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "booking_id": f"BK{booking:09d}",
        "payer_account_code": "FR-1000001",
        "holder_account_code": "FR-1000001",
        "village_code": "VTH",
        "sales_channel_code": "INT",
        "market_code": "FR",
        "room_category": "CLUB",
        "created_at": T(2021, 9, 1, 10, 0, 0),
        "confirmed_at": pd.NaT,
        "modified_at": pd.NaT,
        "cancelled_at": pd.NaT,
        "arrival_date": D(2022, 2, 5),
        "departure_date": D(2022, 2, 12),
        "duration": 7,
        "duration_unit": "N",
        "nb_persons": 2,
        "nb_adults": 2,
        "nb_children": 0,
        "status_code": "SO",
        "total_amount": 3000.0,
        "discount_amount": 0.0,
        "currency": "EUR",
        "extracted_at": EXTRACTED_AT,
    }
    row.update(values)
    return row


@pytest.fixture(scope="module")
def stream_and_contracts() -> dict[str, pd.DataFrame]:
    """Booking 1: created, confirmed, modified and cancelled in the stream (its created
    event redelivered by Pub/Sub, its confirmation retried by the producer), held by
    another person than its payer. Booking 2: missing from the stream (contracts
    extract only). Booking 3: only its cancellation streamed, without its holder.
    Booking 4: created on the extraction day (not in the extract yet), without holder.
    And one test event of the producer."""
    t0 = T(2024, 10, 1, 9, 0, 0)
    stream = [
        _message(1, 1, 1, "created", t0, status_code="OP"),
        _message(1, 1, 1, "created", t0, status_code="OP"),  # redelivered message
        _message(2, 1, 2, "confirmed", t0 + dt.timedelta(days=2), status_code="CF"),
        _message(
            3, 1, 2, "confirmed", t0 + dt.timedelta(days=2), delay_s=31, status_code="CF"
        ),  # producer retry: same event, new message, later
        _message(
            4,
            1,
            3,
            "modified",
            t0 + dt.timedelta(days=5),
            status_code="CF",
            departure_date=D(2025, 2, 18),
            total_amount=5900.0,
            village_code="vth",
        ),
        _message(
            5,
            1,
            4,
            "cancelled",
            t0 + dt.timedelta(days=9),
            status_code="AN",
            departure_date=D(2025, 2, 18),
            total_amount=5900.0,
        ),
        _message(
            6,
            3,
            3,
            "cancelled",
            T(2022, 7, 1, 8, 0, 0),
            status_code="AN",
            payer_account_code="BE-1000003",
            holder_account_code=None,
            market_code="BE",
            sales_channel_code="AGE",
            village_code="CUN",
            total_amount=2500.0,
        ),
        _message(
            7,
            4,
            1,
            "created",
            T(2024, 10, 31, 11, 0, 0),
            sales_channel_code="VIL",
            holder_account_code=None,
        ),
        _message(
            8,
            999900000,
            1,
            "created",
            T(2024, 10, 20, 11, 0, 0),
            event_id="EV999999999000",
            village_code="TST",
            payer_account_code="TEST-0000000",
            holder_account_code="TEST-0000000",
        ),
    ]
    contracts = [
        _contract(
            1,
            holder_account_code="FR-1000002",
            sales_channel_code="TEL",
            created_at=t0,
            confirmed_at=t0 + dt.timedelta(days=2),
            modified_at=t0 + dt.timedelta(days=5),
            cancelled_at=t0 + dt.timedelta(days=9),
            arrival_date=D(2025, 2, 8),
            departure_date=D(2025, 2, 18),
            status_code="AN",
            total_amount=5900.0,
        ),
        _contract(
            2,
            created_at=T(2021, 9, 1, 10, 0, 0),
            confirmed_at=T(2021, 9, 3, 10, 0, 0),
            cancelled_at=T(2021, 12, 1, 10, 0, 0),
            status_code="AN",
        ),
        _contract(
            3,
            payer_account_code="BE-1000003",
            holder_account_code="BE-1000003",
            village_code="cun",
            market_code="BE",
            sales_channel_code="AGE",
            created_at=T(2022, 3, 1, 10, 0, 0),
            confirmed_at=T(2022, 3, 2, 10, 0, 0),
            arrival_date=D(2022, 8, 6),
            departure_date=D(2022, 8, 13),
            status_code="CF",
            total_amount=2500.0,
        ),
    ]
    return {
        "landing_bookings.booking_events": landing_frame("landing_bookings.booking_events", stream),
        "landing_bookings.booking_contracts": landing_frame(
            "landing_bookings.booking_contracts", contracts
        ),
    }


@pytest.fixture(scope="module")
def events(stream_and_contracts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = run_product(
        "bookings.booking_events",
        products={"customers.customer_identity_map": IDENTITIES, "resorts.villages": VILLAGES},
        landing=stream_and_contracts,
        partition=ALL_DAYS,
    )
    return out.sort_values("event_id").reset_index(drop=True)


def test_booking_events_deduplicates_and_drops_test_events(events: pd.DataFrame) -> None:
    streamed = events[events["booking_id"] == "BK000000001"]
    assert list(streamed["event_id"]) == [
        "EV000000001001",
        "EV000000001002",
        "EV000000001003",
        "EV000000001004",
    ]
    assert list(streamed["event_type"]) == ["created", "confirmed", "modified", "cancelled"]
    # the retried confirmation keeps the first delivery's reception time
    confirmed = streamed[streamed["event_type"] == "confirmed"].iloc[0]
    assert confirmed["received_at"] == pd.Timestamp(2024, 10, 3, 9, 0, 1)
    assert not events["booking_id"].str.startswith("BK9999").any()
    assert set(events["village_id"]) == {"VTH", "CUN"}


def test_booking_events_translate_codes_and_customers(events: pd.DataFrame) -> None:
    first = events[events["event_id"] == "EV000000001001"].iloc[0]
    # the holder (FR-1000002), not the payer (FR-1000001)
    assert first["customer_id"] == "CU00000002"
    assert first["channel"] == "call_centre"
    assert first["market"] == "FR"
    assert first["guests"] == 3
    assert as_date(first["event_date"]) == D(2024, 10, 1)
    modified = events[events["event_id"] == "EV000000001003"].iloc[0]
    assert modified["village_id"] == "VTH"  # "vth" in the message
    assert modified["amount_eur"] == pytest.approx(5900.0)
    # a booking of the extraction day, not in the extract yet, without holder: the payer
    today = events[events["booking_id"] == "BK000000004"].iloc[0]
    assert today["customer_id"] == "CU00000001"
    assert today["channel"] == "village"
    # the streamed cancellation without holder: the holder of the extract
    cancelled = events[events["event_id"] == "EV000000003003"].iloc[0]
    assert cancelled["customer_id"] == "CU00000003"


def test_booking_events_reconstruct_the_history_before_the_stream(events: pd.DataFrame) -> None:
    old = events[events["booking_id"] == "BK000000002"]
    assert list(old["event_type"]) == ["created", "confirmed", "cancelled"]
    assert list(old["sequence_number"]) == [1, 2, 3]
    assert set(old["received_at"]) == {pd.Timestamp(EXTRACTED_AT)}
    assert list(old["event_at"]) == [
        pd.Timestamp(2021, 9, 1, 10),
        pd.Timestamp(2021, 9, 3, 10),
        pd.Timestamp(2021, 12, 1, 10),
    ]
    # booking 3: the extract gives what happened before its first streamed event
    mixed = events[events["booking_id"] == "BK000000003"]
    assert list(mixed["event_type"]) == ["created", "confirmed", "cancelled"]
    assert list(mixed["sequence_number"]) == [1, 2, 3]
    assert list(mixed["channel"]) == ["agency"] * 3
    assert mixed.iloc[2]["received_at"] == pd.Timestamp(2022, 7, 1, 8, 0, 1)
    # every booking starts with its creation
    firsts = events.sort_values("sequence_number").groupby("booking_id")["event_type"].first()
    assert set(firsts) == {"created"}
    assert len(events) == 4 + 3 + 3 + 1


def test_booking_events_partition_keeps_its_month_only(
    stream_and_contracts: dict[str, pd.DataFrame],
) -> None:
    inputs = {"customers.customer_identity_map": IDENTITIES, "resorts.villages": VILLAGES}
    everything = run_product(
        "bookings.booking_events", products=inputs, landing=stream_and_contracts, partition=ALL_DAYS
    )
    months = pd.to_datetime(everything["event_date"]).dt.to_period("M").astype(str)
    for month in ("2024-10", "2024-09"):
        built = run_product(
            "bookings.booking_events",
            products=inputs,
            landing=stream_and_contracts,
            partition=f"{month}-01",
        )
        # the table holds every month built so far; this month's rows were replaced
        built_months = pd.to_datetime(built["event_date"]).dt.to_period("M").astype(str)
        assert sorted(built.loc[built_months == month, "event_id"]) == sorted(
            everything.loc[months == month, "event_id"]
        )
        assert sorted(built["event_id"]) == sorted(everything["event_id"])
    assert (months == "2024-10").any()


def _event(booking: int, sequence: int, kind: str, at: dt.datetime, **state: Any) -> dict:
    row: dict[str, Any] = {
        "event_id": f"EV{booking:09d}{sequence:03d}",
        "booking_id": f"BK{booking:09d}",
        "event_type": kind,
        "sequence_number": sequence,
        "event_at": at,
        "event_date": at.date(),
        "received_at": at + dt.timedelta(seconds=2),
        "customer_id": f"CU{booking:08d}",
        "village_id": "VTH",
        "market": "FR",
        "channel": "web",
        "arrival_date": D(2024, 12, 21),
        "departure_date": D(2024, 12, 28),
        "adults": 2,
        "children": 2,
        "guests": 4,
        "amount_eur": 6000.0,
    }
    row.update(state)
    return row


def test_bookings_current_state_from_a_sequence_with_a_cancellation() -> None:
    t0 = T(2024, 9, 10, 14, 0, 0)
    events = pd.DataFrame(
        [
            # booking 1: created, confirmed, modified (longer, dearer), then cancelled
            _event(1, 1, "created", t0),
            _event(1, 2, "confirmed", t0 + dt.timedelta(days=1)),
            _event(
                1,
                3,
                "modified",
                t0 + dt.timedelta(days=3),
                departure_date=D(2024, 12, 30),
                amount_eur=7600.0,
            ),
            _event(
                1,
                4,
                "cancelled",
                t0 + dt.timedelta(days=20),
                departure_date=D(2024, 12, 30),
                amount_eur=7600.0,
            ),
            # booking 2: an option never confirmed, for a summer stay
            _event(
                2,
                1,
                "created",
                t0,
                arrival_date=D(2025, 7, 5),
                departure_date=D(2025, 7, 12),
                children=0,
                guests=2,
                amount_eur=3100.0,
            ),
            # booking 3: confirmed, then modified twice
            _event(3, 1, "created", t0, channel="agency"),
            _event(3, 2, "confirmed", t0 + dt.timedelta(hours=5), channel="agency"),
            _event(3, 3, "modified", t0 + dt.timedelta(days=2), channel="agency", adults=3),
            _event(
                3,
                4,
                "modified",
                t0 + dt.timedelta(days=4),
                channel="agency",
                adults=3,
                guests=5,
                amount_eur=6500.0,
            ),
        ]
    )
    out = run_product("bookings.bookings", products={"bookings.booking_events": events})
    rows = out.set_index("booking_id")

    cancelled = row_at(rows, "BK000000001")
    assert cancelled["status"] == "cancelled"
    assert cancelled["created_at"] == pd.Timestamp(t0)
    assert as_date(cancelled["booking_date"]) == D(2024, 9, 10)
    assert cancelled["confirmed_at"] == pd.Timestamp(t0 + dt.timedelta(days=1))
    assert cancelled["cancelled_at"] == pd.Timestamp(t0 + dt.timedelta(days=20))
    assert cancelled["last_event_at"] == pd.Timestamp(t0 + dt.timedelta(days=20))
    assert cancelled["amount_eur"] == pytest.approx(7600.0)  # the amount when cancelled
    assert cancelled["nights"] == 9
    assert cancelled["season"] == "2024-25"
    assert cancelled["lead_time_days"] == (D(2024, 12, 21) - D(2024, 9, 10)).days
    assert cancelled["modifications"] == 1

    pending = row_at(rows, "BK000000002")
    assert pending["status"] == "pending"
    assert pd.isna(pending["confirmed_at"])
    assert pd.isna(pending["cancelled_at"])
    assert pending["season"] == "2024-25"  # July 2025 closes the 2024-25 season
    assert pending["modifications"] == 0

    confirmed = row_at(rows, "BK000000003")
    assert confirmed["status"] == "confirmed"
    assert confirmed["channel"] == "agency"
    assert (confirmed["adults"], confirmed["guests"]) == (3, 5)
    assert confirmed["amount_eur"] == pytest.approx(6500.0)
    assert confirmed["modifications"] == 2
    assert len(out) == 3


def test_bookings_live_counts_today_and_the_week_before() -> None:
    today = T(2024, 10, 31, 9, 0, 0)
    events = pd.DataFrame(
        [
            # created today in VTH/FR, then modified today: current amount counts
            _event(1, 1, "created", today - dt.timedelta(hours=2), amount_eur=1000.0),
            _event(1, 2, "modified", today, amount_eur=1500.0, guests=5, adults=3),
            # created today in VTH/FR too
            _event(2, 1, "created", today - dt.timedelta(hours=1), amount_eur=2000.0),
            # created two weeks ago (outside the window), cancelled today in VTH/FR
            _event(3, 1, "created", today - dt.timedelta(days=14), amount_eur=800.0),
            _event(3, 2, "cancelled", today - dt.timedelta(hours=3), amount_eur=800.0),
            # created 7 days ago in CUN/BE and cancelled 3 days ago
            _event(
                4,
                1,
                "created",
                today - dt.timedelta(days=7),
                village_id="CUN",
                market="BE",
                amount_eur=3000.0,
            ),
            _event(
                4,
                2,
                "cancelled",
                today - dt.timedelta(days=3),
                village_id="CUN",
                market="BE",
                amount_eur=3000.0,
            ),
            # created 8 days ago: outside the window
            _event(5, 1, "created", today - dt.timedelta(days=8), amount_eur=900.0),
        ]
    )
    bookings = run_product("bookings.bookings", products={"bookings.booking_events": events})
    out = run_product(
        "bookings.bookings_live",
        products={"bookings.booking_events": events, "bookings.bookings": bookings},
    )
    out["booking_date"] = out["booking_date"].map(as_date)
    rows = out.set_index(["booking_date", "village_id", "market"]).sort_index()
    assert len(rows) == 3

    vth_today = row_at(rows, (D(2024, 10, 31), "VTH", "FR"))
    assert vth_today["bookings"] == 2
    assert vth_today["cancellations"] == 1
    assert vth_today["net_bookings"] == 1
    assert vth_today["guests"] == 5 + 4
    assert vth_today["revenue_eur"] == pytest.approx(1500.0 + 2000.0)
    assert vth_today["cancelled_revenue_eur"] == pytest.approx(800.0)
    assert vth_today["last_event_at"] == pd.Timestamp(today)

    week_ago = row_at(rows, (D(2024, 10, 24), "CUN", "BE"))
    assert (week_ago["bookings"], week_ago["cancellations"]) == (1, 0)
    # its current guests and amount, although cancelled since
    assert week_ago["revenue_eur"] == pytest.approx(3000.0)
    cancelled_day = row_at(rows, (D(2024, 10, 28), "CUN", "BE"))
    assert (cancelled_day["bookings"], cancelled_day["cancellations"]) == (0, 1)
    assert cancelled_day["net_bookings"] == -1
    assert cancelled_day["guests"] == 0
    assert cancelled_day["cancelled_revenue_eur"] == pytest.approx(3000.0)
