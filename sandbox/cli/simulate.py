"""``mesh simulate``: live streams of the simulated world (``bookings``: booking events)."""

from __future__ import annotations

from typing import Annotated

import typer

from contracts.bookings import BOOKING_SUBSCRIPTION, BOOKING_TOPIC
from mesh_platform.cli.output import console, fail
from mesh_platform.engines.factory import get_engine
from mesh_platform.streams.pubsub import endpoint_from_environment, ensure_subscription
from sandbox.stream.bookings import BookingWorld, Defects
from sandbox.stream.publisher import publish_bookings

simulate = typer.Typer(
    name="simulate",
    help="Publish the simulated world's live streams to Pub/Sub (the emulator locally).",
    no_args_is_help=True,
)

Share = Annotated[float, typer.Option(min=0.0, max=1.0)]


@simulate.command("bookings")
def bookings(
    *,
    rate: Annotated[float, typer.Option(min=0.1, help="Booking events per second.")] = 10.0,
    duration: Annotated[float, typer.Option(min=0.1, help="Seconds to publish for.")] = 60.0,
    duplicates: Share = Defects.duplicates,
    out_of_order: Share = Defects.out_of_order,
    malformed: Share = Defects.malformed,
    violations: Share = Defects.violations,
    seed: Annotated[int | None, typer.Option(help="Seed of the draws (reproducible).")] = None,
) -> None:
    """Publish booking events of the local warehouse's world to the booking topic.

    New bookings by the simulated customers in the simulated villages, and
    confirmations, modifications and cancellations of the warehouse's open bookings,
    at --rate events per second for --duration seconds, with the declared shares of
    duplicates, out-of-order deliveries, malformed JSON and contract violations.
    Pub/Sub is the one PUBSUB_EMULATOR_HOST names (the topic and the bookings
    domain's subscription are created when missing), else Google Pub/Sub itself.
    """
    endpoint = endpoint_from_environment()
    try:
        world = BookingWorld.from_warehouse(get_engine(), seed=seed)
    except LookupError as error:
        fail(str(error))
    if endpoint.emulator_host is not None:
        ensure_subscription(endpoint, BOOKING_TOPIC, BOOKING_SUBSCRIPTION)
    where = endpoint.emulator_host or "Google Pub/Sub"
    console().print(
        f"publishing {rate:g} events/s for {duration:g} s to {BOOKING_TOPIC} on {where} "
        f"({len(world.accounts)} accounts, {len(world.villages)} villages, "
        f"{len(world.open)} open bookings)"
    )
    defects = Defects(duplicates, out_of_order, malformed, violations)
    report = publish_bookings(
        world, endpoint, BOOKING_TOPIC, rate=rate, duration_s=duration, defects=defects, seed=seed
    )
    sent = ", ".join(f"{kind} {count}" for kind, count in sorted(report.sent.items()))
    console().print(
        f"{report.events} events, {report.messages} messages in {report.duration_s:.1f} s: {sent}"
    )
