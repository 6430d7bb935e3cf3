"""Contracts of the telephony domain (team Contact Centre).

Call records of the contact centre, each classified as a sales call or an
information request, and the daily conversion of sales calls into bookings.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.common import (
    CONTACT_CENTRE,
    DAILY,
    HOURLY,
    BookingId,
    Count,
    CustomerId,
    Date,
    MoneyEUR,
    Rate,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import Classification, DataContract, Semantic, Tolerance, column

CallId = Annotated[
    str,
    StringConstraints(pattern=r"^CL[0-9]{10}$"),
    Semantic("call_id", "Identifier of one call handled by the contact centre's telephony."),
    Field(examples=["CL0000123456"]),
]
"""Identifier of one call; the grain of ``telephony.calls``."""

Queue = Literal["reservations", "customer_service", "pre_departure", "after_sales", "travel_agents"]
"""The contact centre's routing queues (the caller's choice in the voice menu)."""


class Calls(
    DataContract,
    domain="telephony",
    product="calls",
    version="1.0.0",
    owner=CONTACT_CENTRE,
    grain=("call_id",),
    freshness=HOURLY,
    tags=("contact-centre", "telephony", "omnichannel"),
    # A call record delivered twice (none simulated): 1% allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.01}),
):
    """One row per call of the contact centre, classified as sales or information.

    Grain: ``call_id``. Source: the telephony platform's call records, with the
    caller resolved to a customer when the number or the file quoted matches one
    (null otherwise). ``call_type`` is ``sales`` when the call is about buying or
    changing a stay (routed to the reservations queue, or ending with a quote or a
    booking), ``information`` otherwise. Abandoned calls were never answered: no
    agent, ``duration_seconds`` 0. ``booking_id`` names the booking made during the
    call (outcome ``booked``) and is null otherwise.
    """

    call_id: CallId = column("Identifier of the call.")
    customer_id: CustomerId | None = column(
        "The caller as a resolved customer; null when not identified.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Resolved customer identifier: links the call to one person (pseudonymous), "
            "so indirect PII under GDPR; needed for service and conversion follow-up."
        ),
        references="customers.customer_profile.customer_id",
    )
    started_at: Timestamp = column("When the call reached the contact centre.")
    direction: Literal["inbound", "outbound"] = column(
        "inbound: the customer called; outbound: an agent called back."
    )
    queue: Queue = column("Queue the call was routed to.")
    call_type: Literal["sales", "information"] = column(
        "Nature of the call: a sale (buying or changing a stay) or an information request."
    )
    wait_seconds: Count = column("Time spent waiting in the queue before an answer or hang-up.")
    duration_seconds: Count = column("Talk time with the agent, in seconds; 0 when abandoned.")
    agent_id: str | None = column(
        "Pseudonymous identifier of the agent who answered; null when abandoned.",
        default=None,
        pattern=r"^AG[0-9]{5}$",
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Identifies an employee; used for workload and quality follow-up only, "
            "never for individual evaluation outside the contact centre."
        ),
        examples=["AG00042"],
    )
    village_id: VillageId | None = column(
        "The village the call was about, when one was discussed.",
        default=None,
        references="resorts.villages.village_id",
    )
    outcome: Literal[
        "booked",
        "quote_sent",
        "information_given",
        "transferred",
        "callback_scheduled",
        "abandoned",
    ] = column("How the call ended.")
    booking_id: BookingId | None = column(
        "The booking made during the call (outcome booked); null otherwise.",
        default=None,
        references="bookings.bookings.booking_id",
    )


class CallConversion(
    DataContract,
    domain="telephony",
    product="call_conversion",
    version="1.0.0",
    owner=CONTACT_CENTRE,
    grain=("call_date", "queue"),
    freshness=DAILY,
    tags=("contact-centre", "telephony", "kpi"),
):
    """Daily volumes and conversion of calls per queue.

    Grain: (``call_date``, ``queue``): one row per day and queue with at least one
    call. Sources: ``telephony.calls`` and, for revenue, the amount of the booked
    bookings in ``bookings.bookings``. A converted call is a sales call whose
    outcome is ``booked``; ``conversion_rate`` = converted calls / sales calls
    (null when the queue had no sales call that day); ``abandon_rate`` = abandoned
    calls / inbound calls (null without inbound calls). Days are calendar days in
    the contact centre's time zone (Europe/Paris).
    """

    call_date: Date = column("Day of the calls.")
    queue: Queue = column("Queue of the calls.")
    calls: int = column("All calls, inbound and outbound.", ge=1)
    inbound_calls: Count = column("Calls placed by customers.")
    answered_calls: Count = column("Calls answered by an agent.")
    abandoned_calls: Count = column("Inbound calls hung up before an answer.")
    sales_calls: Count = column("Calls classified as sales.")
    information_calls: Count = column("Calls classified as information requests.")
    converted_calls: Count = column("Sales calls that ended with a booking.")
    conversion_rate: Rate | None = column(
        "converted_calls / sales_calls; null without sales calls.", default=None
    )
    abandon_rate: Rate | None = column(
        "abandoned_calls / inbound_calls; null without inbound calls.", default=None
    )
    average_wait_seconds: float = column("Mean waiting time of the calls, in seconds.", ge=0)
    average_duration_seconds: float = column(
        "Mean talk time of the answered calls, in seconds (0 when none was answered).", ge=0
    )
    revenue_eur: MoneyEUR = column(
        "Amount of the bookings made during the converted calls, euros taxes included.", ge=0
    )
