"""The telephony domain's products on hand-made inputs with worked-out expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import landing_frame, row_at, run_product

D = dt.date
T = dt.datetime

IDENTITIES = pd.DataFrame(
    {
        "source_system": ["crm", "crm"],
        "source_customer_id": ["1000001", "1000002"],
        "customer_id": ["CU00000001", "CU00000002"],
        "match_rule": ["first", "first"],
        "record_created_date": [D(2018, 1, 1)] * 2,
    }
)
BOOKINGS = pd.DataFrame(
    {
        "booking_id": ["BK000123456", "BK000000777"],
        "customer_id": ["CU00000001", "CU00000005"],
        "amount_eur": [4200.0, 2600.0],
    }
)


def _record(number: int, queue: str, wrap_up: str | None, **values: Any) -> dict[str, Any]:
    start = T(2024, 3, 4, 9, 0, 0) + dt.timedelta(minutes=number)
    answered = wrap_up is not None
    row: dict[str, Any] = {
        "call_id": f"CL{number:010d}",
        "call_start": start,
        "answered_at": start + dt.timedelta(seconds=60) if answered else pd.NaT,
        "call_end": start + dt.timedelta(seconds=660 if answered else 200),
        "direction": "IN",
        "caller_number": "+33601020304",
        "called_number": "+33 1 70 00 10 00",
        "ivr_choice": "1",
        "queue_name": queue,
        "agent_id": "AG00042" if answered else None,
        "wait_seconds": 60 if answered else 200,
        "talk_seconds": 600 if answered else 0,
        "call_status": "ANSWERED" if answered else "ABANDONED",
        "wrap_up_code": wrap_up,
        "crm_contact_id": None,
        "booking_reference": None,
        "village_code": None,
        "language": "FR",
    }
    row.update(values)
    return row


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    records = [
        # 1. a sale on the reservations queue, the booking typed in lower case
        _record(1, "RESA_FR", "VENTE", crm_contact_id=1000001, booking_reference="bk000123456"),
        # 2. a quote on the international reservations queue
        _record(2, "RESA_INTL", "DEVIS", village_code="cun"),
        # 3. abandoned in the reservations queue: still a sales call
        _record(3, "RESA_FR", None),
        # 4. a change of stay on the customer service queue: sales
        _record(4, "SERVICE_CLIENT", "MODIFICATION", crm_contact_id=1000002),
        # 5. a question on the customer service queue: information
        _record(5, "SERVICE_CLIENT", "INFO"),
        # 6. a cancellation before departure: information
        _record(6, "AVANT_DEPART", "ANNULATION"),
        # 7. a complaint after the stay, transferred: information
        _record(7, "APRES_VENTE", "TRANSFERT"),
        # 8. a travel agent booking for a client, the reference typed as digits only:
        #    sales, and the caller is the booking's holder
        _record(8, "AGENCES", "VENTE", booking_reference=" 777"),
        # 9. an agent's callback nobody answered
        _record(
            9,
            "RESA_FR",
            None,
            direction="OUT",
            ivr_choice=None,
            call_status="NO_ANSWER",
            crm_contact_id=1000002,
        ),
        # 10. information given, booking reference typed for context: no booking_id
        _record(10, "AVANT_DEPART", "INFO_SEJOUR", booking_reference="BK000123456"),
        # 11. a callback promised on the reservations queue
        _record(11, "RESA_FR", "RAPPEL"),
    ]
    frame = landing_frame("landing_telephony.call_records", records)
    out = run_product(
        "telephony.calls",
        products={"customers.customer_identity_map": IDENTITIES, "bookings.bookings": BOOKINGS},
        landing={"landing_telephony.call_records": frame},
    )
    return out.set_index("call_id").sort_index()


@pytest.mark.parametrize(
    ("call", "queue", "call_type", "outcome"),
    [
        (1, "reservations", "sales", "booked"),
        (2, "reservations", "sales", "quote_sent"),
        (3, "reservations", "sales", "abandoned"),
        (4, "customer_service", "sales", "information_given"),
        (5, "customer_service", "information", "information_given"),
        (6, "pre_departure", "information", "information_given"),
        (7, "after_sales", "information", "transferred"),
        (8, "travel_agents", "sales", "booked"),
        (9, "reservations", "sales", "abandoned"),
        (10, "pre_departure", "information", "information_given"),
        (11, "reservations", "sales", "callback_scheduled"),
    ],
)
def test_calls_classification(
    calls: pd.DataFrame, call: int, queue: str, call_type: str, outcome: str
) -> None:
    row = row_at(calls, f"CL{call:010d}")
    assert (row["queue"], row["call_type"], row["outcome"]) == (queue, call_type, outcome)


def test_calls_identify_callers_bookings_and_agents(calls: pd.DataFrame) -> None:
    sale = row_at(calls, "CL0000000001")
    assert sale["customer_id"] == "CU00000001"
    assert sale["booking_id"] == "BK000123456"
    assert (sale["duration_seconds"], sale["wait_seconds"]) == (600, 60)
    assert sale["agent_id"] == "AG00042"
    agency = row_at(calls, "CL0000000008")
    assert agency["booking_id"] == "BK000000777"
    assert agency["customer_id"] == "CU00000005"  # the holder of the typed booking
    abandoned = row_at(calls, "CL0000000003")
    assert pd.isna(abandoned["agent_id"])
    assert abandoned["duration_seconds"] == 0
    assert pd.isna(abandoned["customer_id"])
    callback = row_at(calls, "CL0000000009")
    assert callback["direction"] == "outbound"
    assert callback["customer_id"] == "CU00000002"
    assert calls.loc["CL0000000002", "village_id"] == "CUN"
    assert pd.isna(calls.loc["CL0000000010", "booking_id"])


def test_call_conversion_per_paris_day_and_queue() -> None:
    def call(number: int, at: dt.datetime, **values: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "call_id": f"CL{number:010d}",
            "started_at": at,
            "direction": "inbound",
            "queue": "reservations",
            "call_type": "sales",
            "wait_seconds": 30,
            "duration_seconds": 300,
            "outcome": "quote_sent",
        }
        row.update(values)
        return row

    calls = pd.DataFrame(
        [
            # 4 July 2024 in Paris (UTC+2)
            call(1, T(2024, 7, 4, 8, 0), outcome="booked", booking_id="BK000123456"),
            call(2, T(2024, 7, 4, 9, 0)),
            call(3, T(2024, 7, 4, 10, 0), wait_seconds=90, duration_seconds=0, outcome="abandoned"),
            call(4, T(2024, 7, 4, 11, 0), direction="outbound", wait_seconds=0),
            # 22:30 UTC on the 4th is already the 5th in Paris
            call(5, T(2024, 7, 4, 22, 30), outcome="booked", booking_id="BK000000777"),
            # an information call on another queue the same day
            call(
                6,
                T(2024, 7, 4, 12, 0),
                queue="pre_departure",
                call_type="information",
                outcome="information_given",
                wait_seconds=10,
                duration_seconds=100,
            ),
        ]
    )
    out = run_product(
        "telephony.call_conversion",
        products={"telephony.calls": calls, "bookings.bookings": BOOKINGS},
    )
    out["call_date"] = out["call_date"].map(lambda v: pd.Timestamp(v).date())
    rows = out.set_index(["call_date", "queue"]).sort_index()
    assert len(rows) == 3

    day = row_at(rows, (D(2024, 7, 4), "reservations"))
    assert (day["calls"], day["inbound_calls"], day["answered_calls"]) == (4, 3, 3)
    assert (day["abandoned_calls"], day["sales_calls"], day["information_calls"]) == (1, 4, 0)
    assert day["converted_calls"] == 1
    assert day["conversion_rate"] == pytest.approx(1 / 4)
    assert day["abandon_rate"] == pytest.approx(1 / 3)
    assert day["average_wait_seconds"] == pytest.approx((30 + 30 + 90 + 0) / 4)
    assert day["average_duration_seconds"] == pytest.approx(300.0)
    assert day["revenue_eur"] == pytest.approx(4200.0)

    late = row_at(rows, (D(2024, 7, 5), "reservations"))
    assert (late["calls"], late["converted_calls"]) == (1, 1)
    assert late["revenue_eur"] == pytest.approx(2600.0)
    assert late["conversion_rate"] == pytest.approx(1.0)

    info = row_at(rows, (D(2024, 7, 4), "pre_departure"))
    assert (info["sales_calls"], info["information_calls"]) == (0, 1)
    assert pd.isna(info["conversion_rate"])
    assert info["abandon_rate"] == pytest.approx(0.0)
    assert info["revenue_eur"] == pytest.approx(0.0)
