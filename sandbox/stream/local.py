"""The booking stream beside ``mesh dev --stream``: emulator, publisher; the sensor consumes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from contracts.bookings import BOOKING_TOPIC
from mesh_platform.settings import MeshSettings
from sandbox.services.pubsub import LocalPubSub

FOREVER_S = 365 * 24 * 3600.0
_SUBSCRIBE = (
    "from contracts.bookings import BOOKING_SUBSCRIPTION, BOOKING_TOPIC\n"
    "from mesh_platform.streams.pubsub import endpoint_from_environment, ensure_subscription\n"
    "ensure_subscription(endpoint_from_environment(), BOOKING_TOPIC, BOOKING_SUBSCRIPTION)\n"
)
"""Creates the booking topic and subscription, in a process of its own (see below)."""


@contextmanager
def local_stream(settings: MeshSettings, rate: float) -> Iterator[str]:
    """Run the emulator in ``<state>/pubsub-emulator``, name it in this process's
    environment (which the code servers inherit, so the bookings sensor starts running),
    create the booking topic and subscription, and publish the warehouse world's events
    at ``rate`` per second with ``mesh simulate bookings``, in a process of its own,
    until the block ends; yields what it says of itself.

    The publisher is a process, not a thread of this one, and this process opens no
    Pub/Sub client: ``mesh dev`` forks the code servers from this process, and a fork
    taken while another thread holds an import lock, or beside a gRPC channel, hangs
    the child.
    """
    with LocalPubSub(settings.state_dir / "pubsub-emulator") as emulator:
        saved = {name: os.environ.get(name) for name in emulator.environment()}
        os.environ.update(emulator.environment())
        subprocess.run([sys.executable, "-c", _SUBSCRIBE], check=True)  # before the sensor pulls
        command = [
            sys.executable,
            "-c",
            "from mesh_platform.cli import app; app()",
            "simulate",
            "bookings",
            "--rate",
            f"{rate:g}",
            "--duration",
            f"{FOREVER_S:g}",
        ]
        publisher = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        try:
            yield (
                f"Pub/Sub emulator on {emulator.endpoint.emulator_host}, publishing "
                f"{rate:g} booking events/s to {BOOKING_TOPIC} (mesh simulate bookings, "
                f"pid {publisher.pid}); the sensor bookings__booking_events__stream appends them"
            )
        finally:
            publisher.terminate()
            try:
                publisher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                publisher.kill()
                publisher.wait()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
