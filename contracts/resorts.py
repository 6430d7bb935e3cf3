"""Contracts of the resorts domain (team Village Operations).

The group's villages (about 70 in 26 countries: mountain villages for ski and
summer walking, sea and countryside villages) with their capacity, and how full
each village is every night.
"""

from __future__ import annotations

from typing import Literal

from contracts.common import (
    DAILY,
    VILLAGE_OPERATIONS,
    Count,
    CountryCode,
    Date,
    Rate,
    Season,
    VillageId,
)
from mesh_platform.contract import DataContract, Tolerance, column

VillageType = Literal["mountain", "sea", "countryside"]
"""The kind of destination a village is."""

SeasonType = Literal["winter", "summer", "winter_summer", "all_year"]
"""When a village opens: the winter (ski) season, the summer season, both, or all year."""

ComfortLevel = Literal["3T", "4T", "5T", "EXC"]
"""Comfort level in tridents (3 to 5), or EXC for the exclusive collection."""


class Villages(
    DataContract,
    domain="resorts",
    product="villages",
    version="1.0.0",
    owner=VILLAGE_OPERATIONS,
    grain=("village_id",),
    freshness=DAILY,
    tags=("resorts", "referential"),
    # The village referential may not lose a village without a declared decommission:
    # no volume drop at all, and no row without a code. A village listed twice keeps
    # its current design capacity (none in the simulation); 5% allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.05}, volume_drop=0),
):
    """One row per village of the group, open, planned or closed.

    Grain: ``village_id``. Source: the village referential (names, country, sales
    region, type, season type, comfort level, location, design capacity, opening and
    closing dates). Names are trimmed and in title case as published on the website.
    ``capacity_beds`` is the design capacity; the beds actually on sale each night
    are in ``resorts.village_occupancy``. ``is_operating`` is false once the
    village has closed for good (``closing_date`` passed) or before it opens.
    """

    village_id: VillageId = column("Three-letter village code.")
    village_name: str = column(
        "Name of the village.", min_length=1, max_length=100, examples=["Val Thorens"]
    )
    country_code: CountryCode = column("Country the village is in.")
    region_label: str = column(
        "Sales region of the village.",
        min_length=1,
        max_length=64,
        examples=["Europe - Alpes", "Océan Indien"],
    )
    village_type: VillageType = column("Kind of destination: mountain, sea or countryside.")
    season_type: SeasonType = column("Seasons the village opens in.")
    comfort_level: ComfortLevel = column("Comfort level in tridents, or EXC.")
    capacity_beds: int = column("Design capacity, in beds.", ge=1)
    altitude_m: int | None = column(
        "Altitude of a mountain village, in metres; null for other villages.",
        default=None,
        ge=0,
        le=5000,
    )
    latitude: float = column("Latitude, degrees (WGS 84).", ge=-90, le=90)
    longitude: float = column("Longitude, degrees (WGS 84).", ge=-180, le=180)
    opening_date: Date | None = column(
        "First opening of a recent village; null for villages older than the referential.",
        default=None,
    )
    closing_date: Date | None = column(
        "Permanent closure; null for a village still in the group.", default=None
    )
    is_operating: bool = column("True when the village is in operation (opened, not closed).")


class VillageOccupancy(
    DataContract,
    domain="resorts",
    product="village_occupancy",
    version="1.0.0",
    owner=VILLAGE_OPERATIONS,
    grain=("village_id", "stay_date"),
    freshness=DAILY,
    tags=("resorts", "occupancy", "kpi"),
):
    """How full each village is, night by night: beds on sale and beds occupied.

    Grain: (``village_id``, ``stay_date``): every night a village is open (beds on
    sale > 0 in the capacity calendar), from the first season of the calendar to
    the end of the season after the reference day. Sources: the village capacity
    calendar (beds on sale per night, closures included), ``resorts.villages`` and
    ``bookings.bookings``.

    - A booking *stays* on night D when arrival_date <= D < departure_date and it is
      not cancelled; ``beds_occupied`` = guests of the bookings staying,
      ``bookings_staying`` = their number.
    - ``occupancy_rate`` = beds_occupied / beds_available; the reservation system
      does not sell beyond the beds on sale, so it is at most 1.
    - ``arrivals`` / ``departures``: guests of the bookings (not cancelled) arriving /
      leaving that day.
    - The reference day is the UTC day of the latest booking change in
      ``bookings.bookings`` (today, in production); ``is_on_the_books`` marks nights
      after it, whose occupancy may still grow.
    """

    village_id: VillageId = column("The village.", references="resorts.villages.village_id")
    stay_date: Date = column("The night (the date the night starts).")
    season: Season = column("Season of the night (November to October).")
    beds_available: int = column("Beds on sale that night.", ge=1)
    beds_occupied: Count = column("Guests staying that night.")
    occupancy_rate: Rate = column("beds_occupied / beds_available.")
    bookings_staying: Count = column("Bookings staying that night.")
    arrivals: Count = column("Guests arriving that day.")
    departures: Count = column("Guests leaving that day.")
    is_on_the_books: bool = column(
        "True for nights after the reference day: bookings to date, not final."
    )
