"""Contracts of the bookings domain (team Reservations).

The reservation system publishes every change of a booking contract as an event on
the booking stream (Pub/Sub): creation, confirmation, modification, cancellation.
The domain publishes the cleaned stream, the current state of every booking, and
the real-time view of the day's bookings by village and market that management and
the agencies follow.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.common import (
    HOURLY,
    NEAR_REAL_TIME,
    RESERVATIONS,
    BookingId,
    Count,
    CountryCode,
    CustomerId,
    Date,
    NonNegativeMoneyEUR,
    Season,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import (
    Classification,
    DataContract,
    Partitioning,
    Semantic,
    Tolerance,
    column,
)

BookingEventId = Annotated[
    str,
    StringConstraints(pattern=r"^EV[0-9]{12}$"),
    Semantic("booking_event_id", "Identifier of one event of the booking stream."),
    Field(examples=["EV000001234567"]),
]
"""Identifier of one booking event; the grain of ``bookings.booking_events``."""

BookingChannel = Literal["web", "call_centre", "agency", "village"]
"""Sales channels: the website or app, the call centre, travel agencies (the group's
own and partners) and the villages' front desks."""

BookingStatus = Literal["pending", "confirmed", "cancelled"]
"""State of a booking contract: ``pending`` once created (option, deposit not paid),
``confirmed`` once the deposit is paid, ``cancelled`` once cancelled (final)."""

EventType = Literal["created", "confirmed", "modified", "cancelled"]
"""Kinds of booking events."""

_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the booking to one person (pseudonymous), so "
    "indirect PII under GDPR; needed to serve the customer and measure loyalty."
)


class BookingEvents(
    DataContract,
    domain="bookings",
    product="booking_events",
    version="1.0.0",
    owner=RESERVATIONS,
    grain=("event_id",),
    freshness=HOURLY,
    tags=("bookings", "events", "stream"),
    partitioning=Partitioning(column="event_date", kind="monthly"),
    # The stream is delivered at least once: producer retries and Pub/Sub redeliveries
    # (about 0.5% of events; 0.4% on the simulated world) collapse into one event, 2%
    # allowed. The producer's handful of test events (0.2% of a tiny world, less on a
    # larger one), 1%. An account opened today waits for the identity map's next build,
    # 1%. An event without a village, or a village the referential does not know, is a
    # broken stream: none allowed.
    tolerance=Tolerance(
        left_out={
            "duplicate": 0.02,
            "test_record": 0.01,
            "unknown_reference:customers.customer_identity_map": 0.01,
        }
    ),
):
    """The booking event stream, cleaned: one row per change of a booking contract.

    Grain: ``event_id``. Partitioned by ``event_date`` (UTC day of the event).
    Source: the booking stream of the reservation system (Pub/Sub), deduplicated
    on the message's event identifier (the stream delivers at least once). The
    customer of the source is translated into the resolved ``customer_id`` through
    ``customers.customer_identity_map``.

    Every event carries the booking's full state after the change (dates, party,
    amount), so the last event of a booking is its current state; ``sequence_number``
    orders a booking's events (1 = ``created``). A booking's first event is
    ``created``; ``cancelled`` is final; ``confirmed`` happens at most once. The
    amount of a ``cancelled`` event is the amount the booking had when cancelled.
    ``booking_id`` is the booking in ``bookings.bookings`` (built from this stream,
    so not declared as a reference here). ``market`` is the customer's market.
    """

    event_id: BookingEventId = column("Identifier of the event (the stream's message key).")
    booking_id: BookingId = column("The booking contract the event changes.")
    event_type: EventType = column("What happened to the booking.")
    sequence_number: int = column("Rank of the event among the booking's events, 1 = first.", ge=1)
    event_at: Timestamp = column("When the change happened in the reservation system (UTC).")
    event_date: Date = column("UTC day of event_at: the partition of the row.")
    received_at: Timestamp = column(
        "When the platform received the event from the stream (UTC); received_at - "
        "event_at is the stream's latency."
    )
    customer_id: CustomerId = column(
        "The booking's holder, as a resolved customer.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    village_id: VillageId = column(
        "The village of the stay.", references="resorts.villages.village_id"
    )
    market: CountryCode = column("Market of the booking: the customer's market.")
    channel: BookingChannel = column("Channel the booking was created on.")
    arrival_date: Date = column("First day of the stay, after the change.")
    departure_date: Date = column("Last day of the stay (day of departure), after the change.")
    adults: int = column("Adults in the party, after the change.", ge=1)
    children: Count = column("Children in the party, after the change.")
    guests: int = column("Party size: adults + children.", ge=1)
    amount_eur: NonNegativeMoneyEUR = column(
        "Total amount of the booking after the change, euros taxes included."
    )


class Bookings(
    DataContract,
    domain="bookings",
    product="bookings",
    version="1.0.0",
    owner=RESERVATIONS,
    grain=("booking_id",),
    freshness=HOURLY,
    tags=("bookings", "stays"),
    # Every booking's first event is its creation (booking_events guarantees it): a
    # booking left out for a missing creation is a broken stream, none allowed. The
    # bookings may not fall by half from one publish to the next.
    tolerance=Tolerance(volume_drop=0.5),
):
    """The current state of every booking contract.

    Grain: ``booking_id``. Source: ``bookings.booking_events``: the state carried by
    each booking's last event, with the timestamps of its lifecycle.

    - ``status``: ``cancelled`` when a ``cancelled`` event exists, else ``confirmed``
      when a ``confirmed`` event exists, else ``pending``.
    - ``created_at`` is the ``created`` event; ``booking_date`` its UTC day.
    - ``nights`` = departure_date - arrival_date; ``lead_time_days`` =
      arrival_date - booking_date.
    - ``season`` is the season of the arrival date (November to October).
    - ``amount_eur`` is the latest amount; for a cancelled booking, the amount it had
      when cancelled (so cancelled revenue can be measured): exclude cancelled
      bookings to measure sold revenue.
    """

    booking_id: BookingId = column("Booking contract identifier (the seed's contract id).")
    customer_id: CustomerId = column(
        "The booking's holder, as a resolved customer.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    village_id: VillageId = column(
        "The village of the stay.", references="resorts.villages.village_id"
    )
    market: CountryCode = column("Market of the booking: the customer's market.")
    channel: BookingChannel = column("Channel the booking was created on.")
    status: BookingStatus = column("Current state of the booking (ORI_CONTRAT_STATUT_CODE).")
    created_at: Timestamp = column("Creation of the booking (NOR_CONTRAT_DATE_CREATION_COURT).")
    booking_date: Date = column("UTC day of created_at.")
    confirmed_at: Timestamp | None = column(
        "Confirmation (deposit paid); null while pending or when cancelled before.",
        default=None,
    )
    cancelled_at: Timestamp | None = column(
        "Cancellation (NOR_CONTRAT_DATE_ANNULATION_COURT); null unless cancelled.",
        default=None,
    )
    last_event_at: Timestamp = column(
        "Latest change of the booking (NOR_CONTRAT_DATE_MODIFICATION_COURT)."
    )
    arrival_date: Date = column("First day of the stay (NOR_CONTRAT_DATE_ARRIVEE_COURT).")
    departure_date: Date = column("Day of departure (NOR_CONTRAT_DATE_DEPART_COURT).")
    nights: int = column("Nights of the stay (NOR_CONTRAT_DUREE).", ge=1)
    season: Season = column("Season of the arrival date.")
    lead_time_days: Count = column("Days between the booking date and the arrival.")
    adults: int = column("Adults in the party (NOR_CONTRAT_NB_ADULTES).", ge=1)
    children: Count = column("Children in the party (NOR_CONTRAT_NB_ENFANTS).")
    guests: int = column("Party size: adults + children (nor_contrat_nb_personnes).", ge=1)
    amount_eur: NonNegativeMoneyEUR = column(
        "Total amount of the booking, euros taxes included (see the description for "
        "cancelled bookings)."
    )
    modifications: Count = column("Number of modified events of the booking.")


class BookingsLive(
    DataContract,
    domain="bookings",
    product="bookings_live",
    version="1.0.0",
    owner=RESERVATIONS,
    grain=("booking_date", "village_id", "market"),
    freshness=NEAR_REAL_TIME,
    tags=("bookings", "real-time", "kpi"),
):
    """Today's bookings by village and market, kept up to date in real time.

    Grain: (``booking_date``, ``village_id``, ``market``). Source:
    ``bookings.booking_events``. The reference day is the UTC day of the latest event
    received (today, in production); the product holds that day and the seven days
    before it, so that today can be compared with the same weekday last week. A row
    exists for every village and market with at least one booking created or
    cancelled that day.

    - ``bookings``: bookings created that day, whatever happened to them since;
      ``guests`` and ``revenue_eur`` are their current party size and amount.
    - ``cancellations``: bookings cancelled that day, whenever they were created;
      ``cancelled_revenue_eur`` their amount when cancelled.
    - ``net_bookings`` = ``bookings`` - ``cancellations``.
    """

    booking_date: Date = column("The day (UTC) the bookings were created or cancelled.")
    village_id: VillageId = column(
        "The village of the stays.", references="resorts.villages.village_id"
    )
    market: CountryCode = column("Market of the bookings.")
    bookings: Count = column("Bookings created that day.")
    cancellations: Count = column("Bookings cancelled that day.")
    net_bookings: int = column("bookings - cancellations (may be negative).")
    guests: Count = column("Party size of the bookings created that day.")
    revenue_eur: NonNegativeMoneyEUR = column(
        "Current amount of the bookings created that day, euros taxes included."
    )
    cancelled_revenue_eur: NonNegativeMoneyEUR = column(
        "Amount of the bookings cancelled that day, euros taxes included."
    )
    last_event_at: Timestamp = column("Latest event taken into account for the row.")


# --- the booking stream's messages ----------------------------------------------------


BOOKING_TOPIC = "booking-events"
"""The Pub/Sub topic the reservation system publishes booking events to."""
BOOKING_SUBSCRIPTION = "bookings-booking-events"
"""The bookings domain's subscription to :data:`BOOKING_TOPIC`, which feeds
``bookings.booking_events``."""

SourceAccount = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2,4}-[0-9]{7}$"),
    Semantic(
        "source_account",
        "Account code of the reservation system: market, '-', seven digits.",
    ),
    Field(examples=["FR-0012345"]),
]
"""A customer's account in the reservation system (before identity resolution)."""


class BookingEventMessage(BaseModel):
    """One message of the booking stream, as the reservation system publishes it.

    The message's data is this model as JSON (UTF-8); the stream delivers it at least
    once, possibly out of order. Every event carries the booking's full state after the
    change, so the last event of a booking (by ``event_time``) is its current state.
    This is the stream's contract: its JSON Schema (:func:`booking_event_json_schema`)
    is the one the producer is given, and every message is validated against it before
    it reaches ``bookings.booking_events``; a message that breaks it lands in the
    product's dead-letter table with the rule it broke.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, title="BookingEvent")

    event_id: BookingEventId = Field(
        description="Identifier of the event, unique per change: EV + booking number + sequence."
    )
    event_type: EventType = Field(description="What happened to the booking.")
    booking_id: BookingId = Field(description="The booking contract the event changes.")
    sequence_number: int = Field(
        ge=1, description="Change number within the booking, 1 for its creation."
    )
    event_time: AwareDatetime = Field(
        description="When the change happened in the reservation system, with its offset."
    )
    producer: Literal["RESA"] = Field(description="The system that published the event.")
    customer_account: SourceAccount = Field(
        description="Account of the booking's holder in the reservation system."
    )
    village_id: VillageId = Field(description="The village of the stay.")
    market: CountryCode = Field(description="The customer's market (ISO country code).")
    channel: BookingChannel = Field(description="Channel the booking was created on.")
    arrival_date: dt.date = Field(description="First day of the stay, after the change.")
    departure_date: dt.date = Field(description="Day of departure, after the change.")
    adults: int = Field(ge=1, le=20, description="Adults in the party, after the change.")
    children: int = Field(ge=0, le=20, description="Children in the party, after the change.")
    amount_eur: float = Field(
        ge=0, description="Total amount after the change, euros taxes included."
    )

    @model_validator(mode="after")
    def _stay_has_a_night(self) -> BookingEventMessage:
        if self.departure_date <= self.arrival_date:
            raise ValueError(
                f"departure_date {self.departure_date} is not after arrival_date "
                f"{self.arrival_date}"
            )
        return self


def booking_event_json_schema() -> dict[str, Any]:
    """The JSON Schema of the booking stream's messages, derived from
    :class:`BookingEventMessage` (the file the producer is given is this, written by
    ``mesh contracts export``'s tests)."""
    schema = BookingEventMessage.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:trident:bookings:booking-event:1.0.0",
        **schema,
    }
