"""The resorts domain's products on hand-made extracts with worked-out expectations:
the village referential cleaned, and occupancy arithmetic night by night."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import landing_frame, run_product

D = dt.date
T = dt.datetime


def _village(code: str, name: str, **extra: Any) -> dict[str, Any]:
    row = {
        "village_code": code,
        "village_name": name,
        "country_code": "FR",
        "region_label": "Europe - Alpes",
        "village_type": "MOUNTAIN",
        "season_type": "WINTER",
        "comfort_label": "4T",
        "latitude": 45.3,
        "longitude": 6.58,
        "altitude_m": 2300,
        "beds": 120,
    }
    row.update(extra)
    return row


VILLAGES = [
    _village("VDI", "VAL D'ISÈRE", comfort_label="exc"),
    _village("MER", "Méribel Le Chalet"),
    _village(
        "OPI",
        "opio en provence",
        village_type="COUNTRYSIDE",
        season_type="ALL_YEAR",
        altitude_m=450,
    ),
    _village("WEN", "Wengen", country_code="CH", closing_date=D(2022, 4, 30)),
    _village("NEW", "Nouveau Village", opening_date=D(2024, 12, 1)),
    _village(" vth ", "Val Thorens", closing_date=D(2025, 4, 30)),
]


def _capacity(code: str, day: dt.date, beds: int, is_open: bool = True) -> dict[str, Any]:
    return {
        "village_code": code,
        "capacity_date": day,
        "is_open": is_open,
        "rooms_available": beds // 2,
        "beds_available": beds if is_open else 0,
    }


def test_villages_are_cleaned_and_operating_as_of_the_calendars_eve() -> None:
    # the calendar runs to the end of the season after the extraction day (2025-10-31),
    # so "today" is 2024-10-31
    capacity = landing_frame(
        "landing_resorts.capacity",
        [_capacity("VTH", D(2024, 11, 1), 10), _capacity("VTH", D(2025, 10, 31), 10)],
    )
    out = run_product(
        "resorts.villages",
        landing={
            "landing_resorts.villages": landing_frame("landing_resorts.villages", VILLAGES),
            "landing_resorts.capacity": capacity,
        },
    ).set_index("village_id")
    assert sorted(out.index) == ["MER", "NEW", "OPI", "VDI", "VTH", "WEN"]
    # upper- or lower-case names in title case, particles after the first word in
    # lower case; a name typed in mixed case is the website's spelling, kept
    assert out.loc["VDI", "village_name"] == "Val d'Isère"
    assert out.loc["OPI", "village_name"] == "Opio en Provence"
    assert out.loc["MER", "village_name"] == "Méribel Le Chalet"
    assert out.loc["VDI", "comfort_level"] == "EXC"
    assert (out.loc["OPI", "village_type"], out.loc["OPI", "season_type"]) == (
        "countryside",
        "all_year",
    )
    # altitude only for mountain villages
    assert pd.isna(out.loc["OPI", "altitude_m"])
    assert out.loc["VTH", "altitude_m"] == 2300
    # closed for good, not opened yet, closing later: operating only the last
    assert not out.loc["WEN", "is_operating"]
    assert not out.loc["NEW", "is_operating"]
    assert out.loc["VTH", "is_operating"]
    assert out.loc["VDI", "is_operating"]


def test_occupancy_counts_guests_staying_arriving_and_leaving_each_night() -> None:
    nights = [D(2024, 10, 28) + dt.timedelta(days=i) for i in range(7)]  # 28 Oct .. 3 Nov
    capacity = landing_frame(
        "landing_resorts.capacity",
        [_capacity("VTH", n, 10, is_open=n != D(2024, 10, 30)) for n in nights]
        + [
            _capacity("VTH", D(2025, 11, 1), 10),  # beyond the season after today's
            _capacity("XXX", D(2024, 10, 28), 10),  # not a village of the referential
        ],
    )
    villages = pd.DataFrame({"village_id": ["VTH", "CUN"], "village_name": ["VT", "CU"]})
    bookings = pd.DataFrame(
        {
            "booking_id": ["BK000000001", "BK000000002", "BK000000003", "BK000000004"],
            "village_id": ["VTH", "VTH", "VTH", "CUN"],
            "status": ["confirmed", "pending", "cancelled", "confirmed"],
            "arrival_date": [D(2024, 10, 28), D(2024, 10, 29), D(2024, 10, 29), D(2024, 10, 28)],
            "departure_date": [D(2024, 10, 31), D(2024, 11, 2), D(2024, 11, 1), D(2024, 11, 2)],
            "guests": [3, 2, 4, 5],
            "last_event_at": [
                T(2024, 10, 1),
                T(2024, 10, 31, 10, 0),  # the latest change: today is 2024-10-31
                T(2024, 10, 20),
                T(2024, 9, 1),
            ],
        }
    )
    out = run_product(
        "resorts.village_occupancy",
        products={"resorts.villages": villages, "bookings.bookings": bookings},
        landing={"landing_resorts.capacity": capacity},
    )
    rows = {pd.Timestamp(r["stay_date"]).date(): r for r in out.to_dict("records")}
    assert set(out["village_id"]) == {"VTH"}
    # the closed night (no beds on sale) and the night beyond the horizon have no row
    assert sorted(rows) == [n for n in nights if n != D(2024, 10, 30)]

    def night(day: dt.date) -> tuple[Any, ...]:
        r = rows[day]
        return (
            r["beds_available"],
            r["beds_occupied"],
            r["bookings_staying"],
            r["arrivals"],
            r["departures"],
            r["is_on_the_books"],
            r["season"],
        )

    # BK1: 3 guests, nights of 28, 29, 30; BK2: 2 guests, nights 29 .. 1 Nov; BK3 cancelled
    assert night(D(2024, 10, 28)) == (10, 3, 1, 3, 0, False, "2023-24")
    assert night(D(2024, 10, 29)) == (10, 5, 2, 2, 0, False, "2023-24")
    assert night(D(2024, 10, 31)) == (10, 2, 1, 0, 3, False, "2023-24")
    assert night(D(2024, 11, 1)) == (10, 2, 1, 0, 0, True, "2024-25")
    assert night(D(2024, 11, 2)) == (10, 0, 0, 0, 2, True, "2024-25")
    assert night(D(2024, 11, 3)) == (10, 0, 0, 0, 0, True, "2024-25")
    assert rows[D(2024, 10, 29)]["occupancy_rate"] == pytest.approx(0.5)
    assert rows[D(2024, 10, 31)]["occupancy_rate"] == pytest.approx(0.2)
    assert rows[D(2024, 11, 3)]["occupancy_rate"] == 0
