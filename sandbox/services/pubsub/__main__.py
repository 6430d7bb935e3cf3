"""Serve the Pub/Sub emulator with the booking stream's topic and subscription until Ctrl-C.

    deploy/local/run python -m sandbox.services.pubsub [--port 8085]

Its data lives in ``<state>/pubsub-emulator``; it prints the ``PUBSUB_EMULATOR_HOST`` to
export for ``mesh simulate bookings``, ``mesh dev`` and the consumer.
"""

from __future__ import annotations

import argparse
import sys

from contracts.bookings import BOOKING_SUBSCRIPTION, BOOKING_TOPIC
from mesh_platform.settings import get_settings
from mesh_platform.streams.pubsub import ensure_subscription
from sandbox.processes import serve
from sandbox.services.pubsub import LocalPubSub, PubSubError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.services.pubsub")
    parser.add_argument("--port", type=int, default=8085, help="port on 127.0.0.1")
    args = parser.parse_args(argv)
    emulator = LocalPubSub(get_settings().state_dir / "pubsub-emulator", port=args.port)

    def announce() -> None:
        ensure_subscription(emulator.endpoint, BOOKING_TOPIC, BOOKING_SUBSCRIPTION)
        for name, value in emulator.environment().items():
            print(f"export {name}={value}")
        print(f"topic {BOOKING_TOPIC}, subscription {BOOKING_SUBSCRIPTION}; Ctrl-C stops it")

    return serve(emulator, PubSubError, announce)


if __name__ == "__main__":
    sys.exit(main())
