"""The booking stream beside ``mesh dev --stream``: emulator, publisher; the sensor consumes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from contracts.bookings import BOOKING_SUBSCRIPTION, BOOKING_TOPIC
from mesh_platform.engines.factory import get_engine
from mesh_platform.settings import MeshSettings
from mesh_platform.streams.pubsub import ensure_subscription
from sandbox.services.pubsub import LocalPubSub
from sandbox.stream.bookings import BookingWorld
from sandbox.stream.publisher import publish_bookings

FOREVER_S = 365 * 24 * 3600.0


@contextmanager
def local_stream(settings: MeshSettings, rate: float) -> Iterator[str]:
    """Run the emulator in ``<state>/pubsub-emulator`` with the booking topic and
    subscription, name it in this process's environment (which the code servers
    inherit, so the bookings sensor starts running), and publish the warehouse world's
    events at ``rate`` per second in a thread, until the block ends; yields what it
    says of itself. Without a built warehouse, nothing is published."""
    with LocalPubSub(settings.state_dir / "pubsub-emulator") as emulator:
        ensure_subscription(emulator.endpoint, BOOKING_TOPIC, BOOKING_SUBSCRIPTION)
        saved = {name: os.environ.get(name) for name in emulator.environment()}
        os.environ.update(emulator.environment())
        stop = threading.Event()
        publisher: threading.Thread | None = None
        try:
            try:
                engine = get_engine(settings)
                with engine.session():
                    world = BookingWorld.from_warehouse(engine)
            except LookupError as error:
                said = (
                    f"Pub/Sub emulator on {emulator.endpoint.emulator_host}; no publisher: {error}"
                )
            else:
                publisher = threading.Thread(
                    target=publish_bookings,
                    args=(world, emulator.endpoint, BOOKING_TOPIC),
                    kwargs={"rate": rate, "duration_s": FOREVER_S, "stop": stop},
                    daemon=True,
                )
                publisher.start()
                said = (
                    f"Pub/Sub emulator on {emulator.endpoint.emulator_host}, publishing "
                    f"{rate:g} booking events/s to {BOOKING_TOPIC}; the sensor "
                    "bookings__booking_events__stream appends them"
                )
            yield said
        finally:
            stop.set()
            if publisher is not None:
                publisher.join(timeout=30)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
