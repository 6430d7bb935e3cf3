"""``mesh simulate bookings``: the world's booking events, published to the emulator.

The warehouse holds a small world (two accounts, two villages, two open bookings,
published through the bookings stream itself); the command publishes for a couple of
seconds with every kind of defect, and the bookings domain's consumer then takes it:
every valid event once, every spoiled one in the dead-letter table.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from typing import Any

import pytest
from typer.testing import CliRunner

from contracts.bookings import BOOKING_SUBSCRIPTION, BOOKING_TOPIC, BookingEventMessage
from domains.bookings.stream import BOOKING_STREAM
from mesh_platform.cli import app
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.factory import get_engine
from mesh_platform.streams.consumer import StreamConsumer
from mesh_platform.streams.pubsub import ensure_subscription, publisher_client
from sandbox.services.pubsub import LocalPubSub
from sandbox.stream.bookings import VIOLATIONS, BookingWorld, Defects, deliveries, event_id

runner = CliRunner()
NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def _event(booking: int, sequence: int, kind: str, account: str = "FR-1000001") -> bytes:
    return (
        BookingEventMessage(
            event_id=event_id(f"BK{booking:09d}", sequence),
            event_type=kind,  # type: ignore[arg-type]
            booking_id=f"BK{booking:09d}",
            sequence_number=sequence,
            event_time=NOW,
            producer="RESA",
            customer_account=account,
            village_id="VTH",
            market=account[:2],
            channel="agency",
            arrival_date=dt.date(2027, 3, 1),
            departure_date=dt.date(2027, 3, 8),
            adults=2,
            children=0,
            amount_eur=1800.0,
        )
        .model_dump_json()
        .encode()
    )


def _drain(consumer: StreamConsumer[Any]) -> None:
    empty = 0
    while empty < 2:
        empty = 0 if consumer.run_batch().pulled else empty + 1


def _rows(engine: WarehouseEngine, sql: str) -> list[dict[str, Any]]:
    with engine.session():
        return engine.query_rows(sql)


@pytest.fixture
def world(local_pubsub: LocalPubSub, monkeypatch: pytest.MonkeyPatch) -> WarehouseEngine:
    """A small world in the warehouse, its first events taken from the stream."""
    for name, value in local_pubsub.environment().items():
        monkeypatch.setenv(name, value)
    engine = get_engine()
    with engine.session():
        for statement in (
            "CREATE SCHEMA customers",
            "CREATE SCHEMA resorts",
            "CREATE TABLE customers.customer_identity_map AS SELECT * FROM (VALUES "
            "('reservations', 'FR-1000001', 'CU00000001'), "
            "('reservations', 'BE-1000003', 'CU00000003')) "
            "AS t(source_system, source_customer_id, customer_id)",
            "CREATE TABLE resorts.villages AS SELECT * FROM (VALUES ('VTH'), ('CUN')) "
            "AS t(village_id)",
        ):
            engine.execute(statement)
    endpoint = local_pubsub.endpoint
    ensure_subscription(endpoint, BOOKING_TOPIC, BOOKING_SUBSCRIPTION)
    publisher = publisher_client(endpoint)
    path = publisher.topic_path(endpoint.project, BOOKING_TOPIC)
    first = [_event(1, 1, "created"), _event(2, 1, "created", "BE-1000003")]
    first += [_event(2, 2, "confirmed", "BE-1000003")]
    for data in first:
        publisher.publish(path, data).result()
    consumer = StreamConsumer(BOOKING_STREAM, engine, endpoint)
    _drain(consumer)
    consumer.close()
    return engine


def test_the_world_is_read_from_the_warehouse(world: WarehouseEngine) -> None:
    loaded = BookingWorld.from_warehouse(world, seed=1)

    assert loaded.accounts == ["BE-1000003", "FR-1000001"]
    assert loaded.villages == ["CUN", "VTH"]
    assert sorted(loaded.open) == ["BK000000001", "BK000000002"]
    assert loaded.open["BK000000002"].confirmed
    assert loaded.next_number == 3


def test_every_declared_defect_breaks_the_rule_it_names() -> None:
    import random

    from mesh_platform.streams.consumer import Received, validate

    message = BookingEventMessage.model_validate_json(_event(1, 1, "created"))
    rng = random.Random(7)
    seen: set[str] = set()
    for _ in range(200):
        for kind, data in deliveries(message, Defects(malformed=0.3, violations=0.7), rng):
            received = Received("a", "1", NOW, data)
            valid, letter = validate(BookingEventMessage, received, "event_id")
            assert valid is None
            assert letter is not None
            expected = "json_invalid" if kind == "malformed" else kind.split(":")[1]
            assert letter["rule"] == expected
            seen.add(expected)
    assert seen == {"json_invalid", *(rule for rule, _ in VIOLATIONS)}


def test_mesh_simulate_bookings_publishes_what_the_consumer_takes(
    world: WarehouseEngine, local_pubsub: LocalPubSub
) -> None:
    result = runner.invoke(
        app,
        [
            *("simulate", "bookings", "--rate", "60", "--duration", "2", "--seed", "3"),
            *("--duplicates", "0.1", "--out-of-order", "0.1"),
            *("--malformed", "0.05", "--violations", "0.05"),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = re.search(r"(\d+) events, (\d+) messages", result.output)
    assert summary is not None, result.output
    sent = dict(re.findall(r"(\w+) (\d+)", result.output.split(":")[-1]))
    events = int(summary.group(1))
    assert events == 120
    assert {"duplicate", "out_of_order", "malformed", "violation"} <= set(sent)

    consumer = StreamConsumer(BOOKING_STREAM, world, local_pubsub.endpoint)
    _drain(consumer)
    consumer.close()

    spoiled = int(sent["malformed"]) + int(sent["violation"])
    published = _rows(
        world,
        "SELECT event_id, booking_id, event_type, sequence_number FROM bookings.booking_events",
    )
    assert len(published) == 3 + events - spoiled
    assert len({r["event_id"] for r in published}) == len(published)
    letters = _rows(world, "SELECT rule FROM bookings.booking_events__dead_letter")
    assert len(letters) == spoiled
    # the existing bookings change too, their changes numbered after their last one
    changed = [r for r in published if r["booking_id"] in ("BK000000001", "BK000000002")]
    assert any(r["sequence_number"] > 2 for r in changed)
    kinds = {r["event_type"] for r in published}
    assert kinds == {"created", "confirmed", "modified", "cancelled"}
    duplicates = _rows(world, "SELECT count(*) AS n FROM bookings.booking_events__left_out")
    assert duplicates[0]["n"] >= int(sent["duplicate"])


def test_mesh_dev_stream_runs_the_emulator_and_the_publisher_while_it_lives(
    world: WarehouseEngine,
) -> None:
    import os
    import time

    from mesh_platform.settings import get_settings
    from mesh_platform.streams.pubsub import endpoint_from_environment
    from sandbox.stream.local import local_stream

    outside = os.environ["PUBSUB_EMULATOR_HOST"]
    with local_stream(get_settings(), rate=40) as said:
        assert "publishing 40 booking events/s to booking-events" in said
        endpoint = endpoint_from_environment()
        assert endpoint.emulator_host != outside
        consumer = StreamConsumer(BOOKING_STREAM, world, endpoint, max_wait_s=1)
        appended, deadline = 0, time.monotonic() + 90  # the publisher is a process to start
        while appended <= 10 and time.monotonic() < deadline:
            appended += consumer.run_batch().appended
            time.sleep(0.5)
        consumer.close()
    assert appended > 10
    assert os.environ["PUBSUB_EMULATOR_HOST"] == outside
    emulator_host, emulator_port = str(endpoint.emulator_host).split(":")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((emulator_host, int(emulator_port)), timeout=1).close()
