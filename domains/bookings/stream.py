"""The booking stream into ``bookings.booking_events``: how a message becomes an event.

The platform pulls the subscription, validates every message against
:class:`contracts.bookings.BookingEventMessage`, drops the events already published and
appends the rest (:mod:`mesh_platform.streams`); this module says what the domain adds,
the same rules ``sql/booking_events.sql`` applies to the batch extract:

- the producer's test events (village ``TST``, account ``TEST-...``) are refused
  (``test_record``);
- the holder's account is translated into the resolved customer through
  ``customers.customer_identity_map`` (source system ``reservations``); an account the
  map does not know yet is refused (``unknown_reference:customers.customer_identity_map``)
  and can be replayed once the map is rebuilt;
- the village must be in ``resorts.villages`` (``unknown_reference:resorts.villages``);
- ``received_at`` is when Pub/Sub received the message, ``event_date`` the UTC day of
  the event, ``guests`` adults + children.

Refused events land in ``bookings.booking_events__dead_letter`` with their rule.

The accepted messages are also landed in ``landing_bookings.booking_events_stream``,
which ``sql/booking_events.sql`` reads beside the stream's extract, so that a batch
build of ``booking_events`` republishes the streamed events.

``bookings.bookings`` and ``bookings.bookings_live`` follow the stream, batch by batch,
for the keys each batch touched (:mod:`mesh_platform.streams.follow`): a booking's
state depends only on its events, a village and market's figures only on their
bookings, and the live view is rebuilt whole when its reference day changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlglot import exp

from contracts.bookings import (
    BOOKING_SUBSCRIPTION,
    BOOKING_TOPIC,
    BookingEventMessage,
    BookingEvents,
)
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.streams.consumer import Received, Refusal, StreamBinding
from mesh_platform.streams.follow import Follower

IDENTITY_MAP = "customers.customer_identity_map"
VILLAGES = "resorts.villages"


def _lookup(
    engine: WarehouseEngine,
    product: str,
    key: str,
    values: set[str],
    *,
    value: str,
    where: exp.Condition | None = None,
) -> dict[str, str]:
    """``key -> value`` of a published product, for the keys in ``values``."""
    domain, name = product.split(".")
    table = engine.published_table(domain, name)
    if table is None or not values:
        return {}
    column = exp.column(key, quoted=True)
    listed = [exp.Literal.string(v) for v in sorted(values)]
    condition = exp.In(this=column.copy(), expressions=listed)
    query = (
        exp.select(column, exp.column(value, quoted=True)).from_(table).where(condition, copy=False)
    )
    if where is not None:
        query = query.where(where, copy=False)
    return {str(row[key]): str(row[value]) for row in engine.query_rows(query)}


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def booking_event_rows(
    engine: WarehouseEngine, batch: Sequence[tuple[Received, BookingEventMessage]]
) -> tuple[pd.DataFrame, dict[str, Refusal]]:
    """The ``booking_events`` rows of a batch's valid new messages, and those refused."""
    customers = _lookup(
        engine,
        IDENTITY_MAP,
        "source_customer_id",
        {m.customer_account for _, m in batch},
        value="customer_id",
        where=exp.column("source_system", quoted=True).eq(exp.Literal.string("reservations")),
    )
    villages = _lookup(
        engine, VILLAGES, "village_id", {m.village_id for _, m in batch}, value="village_id"
    )
    rows: list[dict[str, object]] = []
    refused: dict[str, Refusal] = {}
    for received, m in batch:
        if m.village_id == "TST" or m.customer_account.startswith("TEST"):
            refused[received.message_id] = Refusal(
                "test_record", "a test event of the producer", "village_id"
            )
        elif m.customer_account not in customers:
            refused[received.message_id] = Refusal(
                f"unknown_reference:{IDENTITY_MAP}",
                f"customer_account {m.customer_account!r} is not in {IDENTITY_MAP} yet",
                "customer_account",
            )
        elif m.village_id not in villages:
            refused[received.message_id] = Refusal(
                f"unknown_reference:{VILLAGES}",
                f"village_id {m.village_id!r} is not in {VILLAGES}",
                "village_id",
            )
        else:
            event_at = _utc(m.event_time)
            rows.append(
                {
                    "event_id": m.event_id,
                    "booking_id": m.booking_id,
                    "event_type": m.event_type,
                    "sequence_number": m.sequence_number,
                    "event_at": event_at,
                    "event_date": event_at.date(),
                    "received_at": _utc(received.published_at),
                    "customer_id": customers[m.customer_account],
                    "village_id": m.village_id,
                    "market": m.market,
                    "channel": m.channel,
                    "arrival_date": m.arrival_date,
                    "departure_date": m.departure_date,
                    "adults": m.adults,
                    "children": m.children,
                    "guests": m.adults + m.children,
                    "amount_eur": m.amount_eur,
                }
            )
    return pd.DataFrame(rows), refused


BOOKING_STREAM = StreamBinding(
    contract=BookingEvents,
    message=BookingEventMessage,
    topic=BOOKING_TOPIC,
    subscription=BOOKING_SUBSCRIPTION,
    to_rows=booking_event_rows,
    followers=(
        Follower("bookings.bookings", reads="bookings.booking_events", keys=("booking_id",)),
        Follower(
            "bookings.bookings_live",
            reads="bookings.bookings",
            keys=("village_id", "market"),
            rebuild_on="reference_day",
        ),
    ),
)
"""``bookings.booking_events`` fed by the booking stream."""
