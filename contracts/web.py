"""Contracts of the web domain (team Digital).

Web analytics sessions, identified when the visitor is logged in or recognised,
and the affinities that drive the personalisation of the website: sea or mountain,
summer or winter, family or couple.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.common import (
    DAILY,
    DIGITAL,
    HOURLY,
    BookingId,
    Count,
    CountryCode,
    CustomerId,
    Date,
    Rate,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import Classification, DataContract, Semantic, column

SessionId = Annotated[
    str,
    StringConstraints(pattern=r"^WS[0-9]{12}$"),
    Semantic("web_session_id", "Identifier of one visit of the website or app."),
    Field(examples=["WS000012345678"]),
]
"""Identifier of one web session; the grain of ``web.web_sessions``."""

_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links browsing behaviour to one person "
    "(pseudonymous), so indirect PII under GDPR; used for personalisation."
)


class WebSessions(
    DataContract,
    domain="web",
    product="web_sessions",
    version="1.0.0",
    owner=DIGITAL,
    grain=("session_id",),
    freshness=HOURLY,
    tags=("digital", "web", "behaviour"),
):
    """One row per visit of the website or mobile app, anonymous or identified.

    Grain: ``session_id``. Source: the web analytics export (sessions and page
    views). ``customer_id`` is set when the visitor logged in or was recognised
    (null for anonymous visits). ``village_id`` is the village whose pages were the
    most viewed during the session (null when no village page was viewed). When
    the visitor used the search form, the searched arrival date and party are kept:
    they feed ``web.customer_affinities``. ``converted`` is true when a booking was
    made during the session, and ``booking_id`` names it.
    """

    session_id: SessionId = column(
        "Identifier of the session.",
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Online identifier of a browser visit (GDPR recital 30), linkable to a "
            "person through the customer_id of identified sessions."
        ),
    )
    customer_id: CustomerId | None = column(
        "The visitor as a resolved customer; null for anonymous sessions.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    started_at: Timestamp = column("Start of the session (first hit).")
    device: Literal["desktop", "mobile", "tablet", "app"] = column(
        "Device class of the visit; app for the mobile application."
    )
    traffic_source: Literal[
        "direct", "organic_search", "paid_search", "paid_social", "display", "email", "referral"
    ] = column("Where the visit came from (email: a CRM campaign link).")
    country_code: CountryCode | None = column(
        "Country the visit came from (geolocated); null when unknown.", default=None
    )
    landing_page_category: Literal[
        "home", "village", "offer", "search", "booking", "content", "account"
    ] = column("Category of the first page viewed.")
    pages_viewed: int = column("Pages viewed during the session.", ge=1)
    duration_seconds: Count = column("Time between the first and last hit, in seconds.")
    village_id: VillageId | None = column(
        "The most viewed village of the session; null when no village page was viewed.",
        default=None,
        references="resorts.villages.village_id",
    )
    searched_arrival_date: Date | None = column(
        "Arrival date entered in the search form; null without a dated search.", default=None
    )
    searched_adults: int | None = column(
        "Adults entered in the search form; null without a search.", default=None, ge=1, le=20
    )
    searched_children: int | None = column(
        "Children entered in the search form; null without a search.", default=None, ge=0, le=20
    )
    converted: bool = column("True when a booking was made during the session.")
    booking_id: BookingId | None = column(
        "The booking made during the session; null when not converted.",
        default=None,
        references="bookings.bookings.booking_id",
    )


class CustomerAffinities(
    DataContract,
    domain="web",
    product="customer_affinities",
    version="1.0.0",
    owner=DIGITAL,
    grain=("customer_id",),
    freshness=DAILY,
    tags=("digital", "personalisation", "affinity"),
):
    """What each customer is drawn to, on three axes, for personalising the website.

    Grain: ``customer_id``: every customer with at least one identified web session
    or one booking. Sources: ``web.web_sessions``, ``bookings.bookings`` and the
    village attributes of ``resorts.villages`` (sea or mountain).

    Each signal weighs: a booking 5, a dated search 2, a session with a village
    viewed 1, halved every 180 days of age. The sea axis counts signals on sea and
    mountain villages, the summer axis the season of the stay or searched arrival
    (winter: November to April), the family axis the party (with children or not;
    for a session without a search, no family signal). Each score is the weighted
    share of the first pole, smoothed towards 0.5: ``(w_first + 0.5) / (w_first +
    w_second + 1)``, so it lies in [0, 1] and stays near 0.5 with little evidence.
    The dominant label is the first pole when the score is at least 0.5, the
    second otherwise.
    """

    customer_id: CustomerId = column(
        "The customer, as resolved by the customers domain.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    sea_score: Rate = column("Affinity for sea villages: 1 = only sea, 0 = only mountain.")
    sea_mountain_label: Literal["sea", "mountain"] = column(
        "Dominant pole of the sea/mountain axis: sea when sea_score >= 0.5."
    )
    summer_score: Rate = column("Affinity for summer stays: 1 = only summer, 0 = only winter.")
    summer_winter_label: Literal["summer", "winter"] = column(
        "Dominant pole of the summer/winter axis: summer when summer_score >= 0.5."
    )
    family_score: Rate = column(
        "Affinity for family stays: 1 = always with children, 0 = always as a couple."
    )
    family_couple_label: Literal["family", "couple"] = column(
        "Dominant pole of the family/couple axis: family when family_score >= 0.5."
    )
    favourite_village_id: VillageId | None = column(
        "Village with the highest signal weight; null without any village signal.",
        default=None,
        references="resorts.villages.village_id",
    )
    sessions: Count = column("Identified web sessions used as evidence.")
    bookings: Count = column("Bookings used as evidence.")
    last_signal_at: Timestamp = column("Most recent signal (session start or booking).")
    as_of: Date = column("Day the affinities were computed.")
