"""The reservation system of the simulated world, publishing booking events live.

:class:`BookingWorld` reads the local warehouse once: the reservation accounts of
``customers.customer_identity_map`` (source system ``reservations``; an account's code
starts with its market), the villages of ``resorts.villages``, and the bookings of
``bookings.booking_events`` that are not cancelled, with their latest state and change
number. :func:`next_event` then draws events the way the reservation system makes
them: new bookings by known customers in known villages, confirmations,
modifications and cancellations of existing bookings (those of the warehouse and
those created during the run), each carrying the booking's full state after the
change, as :class:`contracts.bookings.BookingEventMessage` defines it.

:class:`Defects` declares the share of deliveries the stream spoils on purpose:
duplicates (the same event published again), out-of-order deliveries (an event held
back behind later ones), malformed JSON and contract violations.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from contracts.bookings import BookingEventMessage
from mesh_platform.engines.base import WarehouseEngine

CHANNELS = ("web", "call_centre", "agency", "village")
CHANNEL_WEIGHTS = (0.55, 0.2, 0.2, 0.05)


@dataclass(frozen=True)
class Defects:
    """The declared share of deliveries the publisher spoils on purpose.

    Attributes:
        duplicates: an event published a second time (a producer's retry).
        out_of_order: an event held back and delivered after later events.
        malformed: a payload that is not JSON (cut short).
        violations: a payload that breaks the message contract (a rule per event).
    """

    duplicates: float = 0.02
    out_of_order: float = 0.03
    malformed: float = 0.005
    violations: float = 0.005


@dataclass
class OpenBooking:
    """A booking the world may still change: its last event's state."""

    last: BookingEventMessage
    confirmed: bool


@dataclass
class BookingWorld:
    """The accounts, villages and open bookings the publisher draws from."""

    accounts: list[str]
    villages: list[str]
    open: dict[str, OpenBooking]
    next_number: int
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_warehouse(cls, engine: WarehouseEngine, *, seed: int | None = None) -> BookingWorld:
        """The world as the local warehouse holds it (the mesh must be built)."""
        identity = engine.published_table("customers", "customer_identity_map")
        villages = engine.published_table("resorts", "villages")
        events = engine.published_table("bookings", "booking_events")
        missing = [
            name
            for name, table in (
                ("customers.customer_identity_map", identity),
                ("resorts.villages", villages),
                ("bookings.booking_events", events),
            )
            if table is None
        ]
        if missing or identity is None or villages is None or events is None:
            raise LookupError(
                f"the local warehouse has no {', '.join(missing)}: build the mesh first "
                "(mesh build --scale tiny)"
            )
        accounts = engine.query_rows(
            exp.select("source_customer_id", "customer_id")
            .from_(identity)
            .where(exp.column("source_system").eq(exp.Literal.string("reservations")))
            .order_by("source_customer_id")
        )
        account_of: dict[str, str] = {}
        for row in accounts:
            account_of.setdefault(str(row["customer_id"]), str(row["source_customer_id"]))
        village_ids = [
            str(r["village_id"])
            for r in engine.query_rows(exp.select("village_id").from_(villages).order_by(1))
        ]
        latest = engine.query_rows(_latest_events(events))
        open_bookings: dict[str, OpenBooking] = {}
        for row in latest:
            account = account_of.get(str(row["customer_id"]))
            if account is None or row["cancelled"]:
                continue
            message = _message_of(row, account)
            if message is not None:
                open_bookings[message.booking_id] = OpenBooking(message, bool(row["confirmed"]))
        numbers = [int(r["n"] or 0) for r in engine.query_rows(_max_booking_number(events))]
        return cls(
            accounts=sorted(set(account_of.values())),
            villages=village_ids,
            open=open_bookings,
            next_number=(numbers[0] if numbers else 0) + 1,
            rng=random.Random(seed),
        )


def _latest_events(events: exp.Table) -> exp.Select:
    """Each booking's latest event, whether it was confirmed or cancelled."""
    flags = (
        exp.select(
            "booking_id",
            exp.func("BOOL_OR", exp.column("event_type").eq(exp.Literal.string("cancelled"))).as_(
                "cancelled"
            ),
            exp.func("BOOL_OR", exp.column("event_type").eq(exp.Literal.string("confirmed"))).as_(
                "confirmed"
            ),
        )
        .from_(events.copy())
        .group_by("booking_id")
    )
    ranked = exp.select(
        exp.Star(),
        exp.Window(
            this=exp.RowNumber(),
            partition_by=[exp.column("booking_id")],
            order=exp.Order(
                expressions=[exp.Ordered(this=exp.column("sequence_number"), desc=True)]
            ),
        ).as_("_rank"),
    ).from_(events.copy())
    return (
        exp.select("e.*", "f.cancelled", "f.confirmed")
        .from_(ranked.subquery("e"))
        .join(flags.subquery("f"), on="e.booking_id = f.booking_id")
        .where(exp.column("_rank", table="e").eq(1))
        .order_by("e.booking_id")
    )


def _max_booking_number(events: exp.Table) -> exp.Select:
    number = exp.cast(exp.func("SUBSTR", exp.column("booking_id"), exp.Literal.number(3)), "BIGINT")
    return exp.select(exp.func("MAX", number).as_("n")).from_(events.copy())


def _message_of(row: dict[str, Any], account: str) -> BookingEventMessage | None:
    try:
        return BookingEventMessage(
            event_id=str(row["event_id"]),
            event_type=row["event_type"],
            booking_id=str(row["booking_id"]),
            sequence_number=int(row["sequence_number"]),
            event_time=_aware(row["event_at"]),
            producer="RESA",
            customer_account=account,
            village_id=str(row["village_id"]),
            market=str(row["market"]),
            channel=row["channel"],
            arrival_date=row["arrival_date"],
            departure_date=row["departure_date"],
            adults=int(row["adults"]),
            children=int(row["children"]),
            amount_eur=float(row["amount_eur"]),
        )
    except ValueError:  # a booking whose last state the stream's contract refuses
        return None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def event_id(booking_id: str, sequence_number: int) -> str:
    """The producer's event id: ``EV``, the booking's 9 digits, the change's 3.

    Example:
        >>> event_id("BK000001234", 2)
        'EV000001234002'
    """
    return f"EV{booking_id[2:]}{sequence_number:03d}"


def next_event(world: BookingWorld, now: dt.datetime) -> BookingEventMessage:
    """The next change the reservation system makes, applied to ``world``."""
    rng = world.rng
    kind = rng.choices(("created", "confirmed", "modified", "cancelled"), (5, 2, 2, 1))[0]
    candidates = [b for b in world.open.values() if kind != "confirmed" or not b.confirmed]
    if kind == "created" or not candidates:
        message = _created(world, now)
        world.open[message.booking_id] = OpenBooking(message, confirmed=False)
        return message
    booking = rng.choice(candidates)
    last = booking.last
    changes: dict[str, Any] = {}
    if kind == "modified":
        nights = rng.randint(2, 14)
        changes = {
            "departure_date": last.arrival_date + dt.timedelta(days=nights),
            "adults": max(1, last.adults + rng.choice((-1, 0, 1))),
            "amount_eur": round(last.amount_eur * rng.uniform(0.85, 1.25), 2),
        }
    sequence = last.sequence_number + 1
    message = replace_message(
        last,
        event_id=event_id(last.booking_id, sequence),
        event_type=kind,
        sequence_number=sequence,
        event_time=now,
        **changes,
    )
    if kind == "cancelled" or sequence >= 999:
        del world.open[last.booking_id]
    else:
        world.open[last.booking_id] = OpenBooking(message, booking.confirmed or kind == "confirmed")
    return message


def replace_message(message: BookingEventMessage, **changes: Any) -> BookingEventMessage:
    """``message`` with ``changes``, validated again."""
    return BookingEventMessage.model_validate({**message.model_dump(), **changes})


def _created(world: BookingWorld, now: dt.datetime) -> BookingEventMessage:
    rng = world.rng
    booking_id = f"BK{world.next_number:09d}"
    world.next_number += 1
    account = rng.choice(world.accounts)
    arrival = now.date() + dt.timedelta(days=rng.randint(3, 240))
    nights = rng.choice((3, 4, 5, 7, 7, 7, 10, 14))
    adults = rng.choice((1, 2, 2, 2, 3, 4))
    children = rng.choice((0, 0, 1, 2, 3))
    return BookingEventMessage(
        event_id=event_id(booking_id, 1),
        event_type="created",
        booking_id=booking_id,
        sequence_number=1,
        event_time=now,
        producer="RESA",
        customer_account=account,
        village_id=rng.choice(world.villages),
        market=account[:2],
        channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
        arrival_date=arrival,
        departure_date=arrival + dt.timedelta(days=nights),
        adults=adults,
        children=children,
        amount_eur=round((adults + 0.6 * children) * nights * rng.uniform(140, 320), 2),
    )


VIOLATIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("greater_than_equal", {"adults": 0}),
    ("string_pattern_mismatch", {"event_id": "EV-BROKEN"}),
    ("literal_error", {"event_type": "booking.updated"}),
    ("extra_forbidden", {"loyalty_tier": "gold"}),
    ("missing", {"village_id": None}),
)
"""The contract violations the publisher makes, each with the rule it breaks."""


def spoil(payload: dict[str, Any], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """A violation of the message contract applied to ``payload``: (rule, payload)."""
    rule, change = rng.choice(VIOLATIONS)
    spoiled = dict(payload)
    for key, value in change.items():
        if value is None:
            spoiled.pop(key, None)
        else:
            spoiled[key] = value
    return rule, spoiled


def encode(message: BookingEventMessage) -> bytes:
    """The message's data on the wire: its JSON, UTF-8."""
    return message.model_dump_json().encode()


def deliveries(
    message: BookingEventMessage, defects: Defects, rng: random.Random
) -> list[tuple[str, bytes]]:
    """What the stream delivers for one event: ``(kind, data)`` pairs, where kind is
    ``event``, ``duplicate``, ``malformed`` or ``violation:<rule>``."""
    roll = rng.random()
    if roll < defects.malformed:
        data = encode(message)
        return [("malformed", data[: rng.randint(1, len(data) - 2)])]
    if roll < defects.malformed + defects.violations:
        rule, payload = spoil(json.loads(encode(message)), rng)
        return [(f"violation:{rule}", json.dumps(payload).encode())]
    sent = [("event", encode(message))]
    if rng.random() < defects.duplicates:
        sent.append(("duplicate", encode(message)))
    return sent


__all__ = [
    "VIOLATIONS",
    "BookingWorld",
    "Defects",
    "OpenBooking",
    "deliveries",
    "encode",
    "event_id",
    "next_event",
    "replace_message",
    "spoil",
]
