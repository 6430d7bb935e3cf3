"""Publish the simulated world's booking events at a steady rate (``mesh simulate bookings``)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from mesh_platform.streams.pubsub import PubSubEndpoint, publisher_client
from sandbox.stream.bookings import BookingWorld, Defects, deliveries, next_event


@dataclass
class PublishReport:
    """What a run of the publisher sent: deliveries per kind, events drawn."""

    events: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    duration_s: float = 0.0
    valid_event_ids: set[str] = field(default_factory=set)

    @property
    def messages(self) -> int:
        return sum(self.sent.values())


def publish_bookings(
    world: BookingWorld,
    endpoint: PubSubEndpoint,
    topic: str,
    *,
    rate: float,
    duration_s: float,
    defects: Defects | None = None,
    seed: int | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    stop: threading.Event | None = None,
) -> PublishReport:
    """Publish ``rate`` events per second for ``duration_s`` seconds to ``topic``.

    An event chosen to be out of order is held back and published after the next one
    to three events (so a booking's later change may arrive first); the rest of the
    spoiling is :func:`~sandbox.stream.bookings.deliveries`'. Publishing waits for
    every message to be accepted by Pub/Sub before it returns. Setting ``stop`` ends
    it early.
    """
    defects = defects or Defects()
    rng = random.Random(seed)
    publisher = publisher_client(endpoint)
    path = publisher.topic_path(endpoint.project, topic)
    report = PublishReport()
    futures = []
    held: list[tuple[int, list[tuple[str, bytes]]]] = []
    started = time.monotonic()
    total = int(rate * duration_s)
    for index in range(total):
        due = started + index / rate
        if (wait := due - time.monotonic()) > 0:
            if stop is not None and stop.wait(wait):
                break
            if stop is None:
                time.sleep(wait)
        message = next_event(world, clock())
        report.events += 1
        sent = deliveries(message, defects, rng)
        if sent[0][0] == "event":
            report.valid_event_ids.add(message.event_id)
        if rng.random() < defects.out_of_order and index < total - 1:
            held.append((index + rng.randint(1, 3), sent))
            sent = []
        ready = [item for item in held if item[0] <= index]
        held = [item for item in held if item[0] > index]
        for _, late in ready:
            sent += [("out_of_order" if kind == "event" else kind, data) for kind, data in late]
        for kind, data in sent:
            futures.append(publisher.publish(path, data))
            report.sent[kind.split(":")[0] if kind.startswith("violation") else kind] += 1
    for _, late in held:
        for kind, data in late:
            futures.append(publisher.publish(path, data))
            report.sent["out_of_order" if kind == "event" else kind] += 1
    for future in futures:
        future.result()
    publisher.stop()
    report.duration_s = time.monotonic() - started
    return report
