"""The booking stream into bookings.booking_events, against the Pub/Sub emulator.

Each test publishes hand-made messages to a topic of the emulator and runs the bookings
domain's consumer on a warehouse holding the referentials it reads (the identity map,
the villages): valid events are appended once whatever the stream does (duplicates,
redeliveries, a consumer killed mid-batch), bad ones land in the dead-letter table with
the rule they broke.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contracts.bookings import BookingEventMessage
from domains.bookings.stream import BOOKING_STREAM
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.factory import get_engine
from mesh_platform.streams.consumer import StreamBinding, StreamConsumer
from mesh_platform.streams.pubsub import PubSubEndpoint, ensure_subscription, publisher_client
from sandbox.services.pubsub import LocalPubSub

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def event(booking: int, sequence: int, **changes: Any) -> BookingEventMessage:
    """A valid event of booking ``booking``'s change ``sequence``."""
    kinds = {1: "created", 2: "confirmed"}
    values: dict[str, Any] = {
        "event_id": f"EV{booking:09d}{sequence:03d}",
        "event_type": kinds.get(sequence, "modified"),
        "booking_id": f"BK{booking:09d}",
        "sequence_number": sequence,
        "event_time": NOW + dt.timedelta(minutes=sequence),
        "producer": "RESA",
        "customer_account": "FR-1000001",
        "village_id": "VTH",
        "market": "FR",
        "channel": "web",
        "arrival_date": dt.date(2027, 2, 6),
        "departure_date": dt.date(2027, 2, 13),
        "adults": 2,
        "children": 1,
        "amount_eur": 2480.5,
    }
    return BookingEventMessage.model_validate({**values, **changes})


@pytest.fixture
def warehouse() -> WarehouseEngine:
    """The local warehouse with the referentials the consumer reads."""
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
    return engine


@pytest.fixture
def stream(local_pubsub: LocalPubSub) -> tuple[StreamBinding[Any], PubSubEndpoint]:
    """The bookings binding on a topic and subscription of their own (per test)."""
    suffix = uuid.uuid4().hex[:8]
    binding = dataclasses.replace(
        BOOKING_STREAM, topic=f"booking-events-{suffix}", subscription=f"bookings-{suffix}"
    )
    ensure_subscription(
        local_pubsub.endpoint, binding.topic, binding.subscription, ack_deadline_s=10
    )
    return binding, local_pubsub.endpoint


def publish(endpoint: PubSubEndpoint, topic: str, payloads: list[bytes]) -> None:
    publisher = publisher_client(endpoint)
    path = publisher.topic_path(endpoint.project, topic)
    for future in [publisher.publish(path, data) for data in payloads]:
        future.result()


def drain(consumer: StreamConsumer[Any], *, empty_batches: int = 2) -> int:
    """Run batches until the subscription stays empty; the messages taken."""
    taken, empty = 0, 0
    while empty < empty_batches:
        result = consumer.run_batch()
        taken += result.pulled
        empty = 0 if result.pulled else empty + 1
    return taken


def rows(engine: WarehouseEngine, sql: str) -> list[dict[str, Any]]:
    with engine.session():
        return engine.query_rows(sql)


def test_the_json_schema_given_to_the_producer_is_the_contract_s() -> None:
    from contracts.bookings import booking_event_json_schema

    path = ROOT / "deploy" / "pubsub" / "booking-event.schema.json"
    exported = json.dumps(booking_event_json_schema(), indent=2, ensure_ascii=False) + "\n"
    assert path.read_text() == exported, (
        f"{path.relative_to(ROOT)} is stale: write booking_event_json_schema() to it again"
    )


def test_the_message_contract_names_the_field_and_the_rule() -> None:
    with pytest.raises(ValueError, match="departure_date 2027-02-06 is not after"):
        event(1, 1, departure_date=dt.date(2027, 2, 6))
    with pytest.raises(ValueError, match="adults"):
        event(1, 1, adults=0)


def test_duplicates_and_redeliveries_are_applied_once(
    warehouse: WarehouseEngine, stream: tuple[StreamBinding[Any], PubSubEndpoint]
) -> None:
    binding, endpoint = stream
    events = [event(1, 1), event(1, 2), event(2, 1, customer_account="BE-1000003", market="BE")]
    payloads = [m.model_dump_json().encode() for m in events]
    # a producer retry of every event, and the first event again later
    publish(endpoint, binding.topic, payloads + payloads + payloads[:1])
    consumer = StreamConsumer(binding, warehouse, endpoint, max_messages=4)
    assert drain(consumer) == 7
    # the whole stream again, as after a redelivery of everything
    publish(endpoint, binding.topic, payloads)
    assert drain(consumer) == 3
    consumer.close()

    published = rows(
        warehouse,
        "SELECT event_id, customer_id, guests, event_date FROM bookings.booking_events "
        "ORDER BY event_id",
    )
    assert [r["event_id"] for r in published] == [m.event_id for m in events]
    assert published[2]["customer_id"] == "CU00000003"
    assert published[0]["guests"] == 3
    assert published[0]["event_date"] == dt.date(2026, 12, 6)
    duplicates = rows(
        warehouse,
        "SELECT stage, reason, count(*) AS n FROM bookings.booking_events__left_out GROUP BY ALL",
    )
    assert duplicates == [{"stage": "stream", "reason": "duplicate", "n": 7}]


def test_bad_events_land_in_the_dead_letter_table_with_their_rule(
    warehouse: WarehouseEngine, stream: tuple[StreamBinding[Any], PubSubEndpoint]
) -> None:
    binding, endpoint = stream
    good = event(3, 1)
    payload = json.loads(good.model_dump_json())
    bad = {
        "json_invalid": b'{"event_id": "EV0000000040',
        "greater_than_equal": json.dumps({**payload, "event_id": "EV000000005001", "adults": 0}),
        "extra_forbidden": json.dumps({**payload, "event_id": "EV000000006001", "tier": "gold"}),
        "missing": json.dumps({k: v for k, v in payload.items() if k != "village_id"}),
        "unknown_reference:customers.customer_identity_map": event(
            7, 1, customer_account="DE-9999999", market="DE"
        ).model_dump_json(),
        "unknown_reference:resorts.villages": event(8, 1, village_id="XXX").model_dump_json(),
        "test_record": event(9, 1, village_id="TST").model_dump_json(),
    }
    encoded = [v if isinstance(v, bytes) else v.encode() for v in bad.values()]
    # a bad message redelivered is kept once; the good one passes, whatever its place
    publish(endpoint, binding.topic, [encoded[0], good.model_dump_json().encode(), *encoded])
    consumer = StreamConsumer(binding, warehouse, endpoint)
    drain(consumer)
    consumer.close()

    assert rows(warehouse, "SELECT event_id FROM bookings.booking_events") == [
        {"event_id": good.event_id}
    ]
    letters = rows(
        warehouse,
        "SELECT rule, field, detail, event_id, raw_payload "
        "FROM bookings.booking_events__dead_letter",
    )
    by_rule = {letter["rule"]: letter for letter in letters}
    assert sorted(by_rule) == sorted(bad)
    assert len(letters) == len(bad) + 1  # the malformed one twice: two Pub/Sub messages
    assert by_rule["greater_than_equal"]["field"] == "adults"
    assert "greater than or equal to 1 (got 0)" in by_rule["greater_than_equal"]["detail"]
    assert by_rule["greater_than_equal"]["event_id"] == "EV000000005001"
    assert by_rule["missing"]["field"] == "village_id"
    assert by_rule["json_invalid"]["raw_payload"] == '{"event_id": "EV0000000040'
    assert json.loads(by_rule["extra_forbidden"]["raw_payload"])["tier"] == "gold"
    assert "DE-9999999" in by_rule["unknown_reference:customers.customer_identity_map"]["detail"]


KILLED_CONSUMER = """
import dataclasses, os, signal, sys
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.factory import get_engine
from mesh_platform.streams.consumer import StreamConsumer
from mesh_platform.streams.pubsub import endpoint_from_environment
from domains.bookings.stream import BOOKING_STREAM

where, topic, subscription = sys.argv[1:4]
binding = dataclasses.replace(BOOKING_STREAM, topic=topic, subscription=subscription)
engine = get_engine()
batches = 0

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if where == "before-commit":  # killed inside the publication's transaction
    original = type(engine).replace_rows
    def replace_rows(self, staging, target, *, where, insert):
        if target.name == "booking_events":
            self.execute(insert.copy())  # the rows are written but not yet committed...
            die()
        return original(self, staging, target, where=where, insert=insert)
    type(engine).replace_rows = replace_rows
consumer = StreamConsumer(binding, engine, endpoint_from_environment(), max_messages=25)
if where == "before-ack":  # killed between the publication and the acknowledgement
    consumer.acknowledge = die
while True:
    consumer.run_batch()
"""


@pytest.mark.parametrize("where", ["before-commit", "before-ack"])
def test_a_consumer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    where: str,
    warehouse: WarehouseEngine,
    stream: tuple[StreamBinding[Any], PubSubEndpoint],
    local_pubsub: LocalPubSub,
) -> None:
    binding, endpoint = stream
    events = [event(100 + n, 1) for n in range(60)]
    publish(endpoint, binding.topic, [m.model_dump_json().encode() for m in events])
    env = {**os.environ, **local_pubsub.environment(), "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CONSUMER, where, binding.topic, binding.subscription],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    if where == "before-ack":  # the first batch was published, then the consumer died
        assert rows(warehouse, "SELECT count(*) AS n FROM bookings.booking_events") == [{"n": 25}]

    # restarted: the killed batch is redelivered once its lease expires (10 s)
    consumer = StreamConsumer(binding, warehouse, endpoint, max_messages=25, max_wait_s=2)
    drain(consumer, empty_batches=8)
    consumer.close()

    published = rows(
        warehouse,
        "SELECT event_id, count(*) AS n FROM bookings.booking_events GROUP BY event_id",
    )
    assert sorted(r["event_id"] for r in published) == sorted(m.event_id for m in events)
    assert {r["n"] for r in published} == {1}
    leftovers = rows(
        warehouse,
        "SELECT table_name FROM information_schema.tables "
        "WHERE starts_with(table_name, '_staging')",
    )
    assert leftovers == []


def test_the_sensor_appends_a_batch_and_reports_its_figures(
    warehouse: WarehouseEngine,
    stream: tuple[StreamBinding[Any], PubSubEndpoint],
    local_pubsub: LocalPubSub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dagster as dg

    from mesh_platform.streams.sensor import stream_sensor

    binding, endpoint = stream
    for name, value in local_pubsub.environment().items():
        monkeypatch.setenv(name, value)
    publish(endpoint, binding.topic, [event(200, 1).model_dump_json().encode(), b"not json"])
    sensor = stream_sensor(binding)

    result = sensor(dg.build_sensor_context())

    assert isinstance(result, dg.SensorResult)
    materialization, *followers = result.asset_events
    assert isinstance(materialization, dg.AssetMaterialization)
    assert materialization.asset_key == dg.AssetKey(["bookings", "booking_events"])
    figures = {k: v.value for k, v in materialization.metadata.items()}
    assert figures["events_appended"] == 1
    assert figures["dead_lettered"] == 1
    assert figures["dead_letter_rules"] == {"json_invalid": 1}
    assert figures["events_per_s"] > 0
    assert figures["oldest_message_lag_s"] >= 0
    # the products following the stream are reported refreshed, so Dagster sees them fresh
    assert [m.asset_key for m in followers] == [
        dg.AssetKey(["bookings", "bookings"]),
        dg.AssetKey(["bookings", "bookings_live"]),
    ]
    assert followers[0].metadata["keys_refreshed"].value == 1
    empty = sensor(dg.build_sensor_context())
    assert isinstance(empty, dg.SensorResult)
    assert empty.skip_reason is not None
    assert binding.subscription in str(empty.skip_reason.skip_message)


def test_the_bookings_location_declares_the_stream_sensor() -> None:
    from domains.bookings.definitions import defs

    assert "bookings__booking_events__stream" in {sensor.name for sensor in defs.sensors or ()}


def test_dead_letters_are_listed_and_replay_once_what_they_broke_is_fixed(
    warehouse: WarehouseEngine,
    local_pubsub: LocalPubSub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    for name, value in local_pubsub.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "400")  # one line per letter in the table
    endpoint = local_pubsub.endpoint
    ensure_subscription(endpoint, BOOKING_STREAM.topic, BOOKING_STREAM.subscription)
    newcomer = event(300, 1, customer_account="DE-1234567", market="DE")
    broken = json.dumps({**json.loads(event(301, 1).model_dump_json()), "adults": 0})
    publish(endpoint, BOOKING_STREAM.topic, [newcomer.model_dump_json().encode(), broken.encode()])
    consumer = StreamConsumer(BOOKING_STREAM, warehouse, endpoint)
    drain(consumer)
    consumer.close()
    runner = CliRunner()

    listed = runner.invoke(app, ["dead-letters", "bookings.booking_events"])
    assert listed.exit_code == 0, listed.output
    assert "unknown_reference:customers.customer_identity_map" in listed.output
    assert "greater_than_equal" in listed.output
    assert "2 dead letter(s) of bookings.booking_events" in listed.output

    # the identity map learns the newcomer's account: its event replays, the other stays
    with warehouse.session():
        warehouse.execute(
            "INSERT INTO customers.customer_identity_map "
            "VALUES ('reservations', 'DE-1234567', 'CU00000009')"
        )
    replayed = runner.invoke(app, ["dead-letters", "bookings.booking_events", "--replay"])
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 2 dead letter(s) of bookings.booking_events: 1 resolved" in replayed.output
    assert rows(warehouse, "SELECT event_id, customer_id FROM bookings.booking_events") == [
        {"event_id": newcomer.event_id, "customer_id": "CU00000009"}
    ]
    assert rows(warehouse, "SELECT rule FROM bookings.booking_events__dead_letter") == [
        {"rule": "greater_than_equal"}
    ]
    # the replayed event is landed for batch builds and followed like any other
    assert rows(warehouse, "SELECT event_id FROM landing_bookings.booking_events_stream") == [
        {"event_id": newcomer.event_id}
    ]
    assert rows(warehouse, "SELECT booking_id, market FROM bookings.bookings") == [
        {"booking_id": newcomer.booking_id, "market": "DE"}
    ]
    assert rows(warehouse, "SELECT market, bookings FROM bookings.bookings_live") == [
        {"market": "DE", "bookings": 1}
    ]
    again = runner.invoke(app, ["dead-letters", "bookings.booking_events", "--replay"])
    assert "1 dead letter(s) of bookings.booking_events: 0 resolved" in again.output
    unknown = runner.invoke(app, ["dead-letters", "sales.revenue_by_season"])
    assert unknown.exit_code == 2
    assert "sales.revenue_by_season is not fed by a stream" in unknown.output


def _whole(engine: WarehouseEngine, key: str) -> list[dict[str, Any]]:
    """``key``'s rows as its SQL computes them from scratch (what a batch build publishes)."""
    from mesh_platform.location import domain_products

    (product,) = [p for p in domain_products("bookings") if p.contract.meta().key == key]
    return rows(engine, engine.sql(product.render(engine.table_for)))


def _published(engine: WarehouseEngine, key: str) -> list[dict[str, Any]]:
    return rows(engine, f"SELECT * FROM {key}")


def _sorted(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(found, key=lambda r: repr(sorted(r.items())))


@pytest.mark.parametrize("keys_table_from", [1, 1000], ids=["keys-table", "keys-listed"])
def test_bookings_and_bookings_live_follow_the_stream_key_by_key(
    keys_table_from: int,
    warehouse: WarehouseEngine,
    stream: tuple[StreamBinding[Any], PubSubEndpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesh_platform.streams import follow

    monkeypatch.setattr(follow, "KEYS_TABLE_FROM", keys_table_from)
    binding, endpoint = stream
    belgian = {"customer_account": "BE-1000003", "market": "BE", "village_id": "CUN"}
    first = [event(1, 1), event(1, 2), event(2, 1), event(3, 1, **belgian)]
    publish(endpoint, binding.topic, [m.model_dump_json().encode() for m in first])
    consumer = StreamConsumer(binding, warehouse, endpoint, max_messages=2)
    drain(consumer)
    assert {r["booking_id"]: r["status"] for r in _published(warehouse, "bookings.bookings")} == {
        "BK000000001": "confirmed",
        "BK000000002": "pending",
        "BK000000003": "pending",
    }

    # out of order: booking 1's fourth change (moved to CUN) arrives before its third,
    # booking 2 is cancelled; booking 3 is not touched
    later = [
        event(1, 4, village_id="CUN", amount_eur=3100.0),
        event(1, 3, amount_eur=2900.0),
        event(2, 2, event_type="cancelled"),
    ]
    publish(endpoint, binding.topic, [m.model_dump_json().encode() for m in later])
    results = []
    while (result := consumer.run_batch()).pulled or not results:
        results.append(result)
    consumer.close()

    bookings = {r["booking_id"]: r for r in _published(warehouse, "bookings.bookings")}
    assert bookings["BK000000001"]["village_id"] == "CUN"  # the latest change wins
    assert bookings["BK000000001"]["amount_eur"] == 3100.0
    assert bookings["BK000000001"]["modifications"] == 2
    assert bookings["BK000000002"]["status"] == "cancelled"
    live = {
        (r["village_id"], r["market"]): r for r in _published(warehouse, "bookings.bookings_live")
    }
    assert live["VTH", "FR"]["bookings"] == 1  # booking 1 left VTH for CUN
    assert live["VTH", "FR"]["cancellations"] == 1
    assert live["CUN", "FR"]["revenue_eur"] == 3100.0
    assert live["CUN", "BE"]["bookings"] == 1
    # each batch refreshed only the keys it touched: never booking 3, never CUN/BE
    refreshed = [r for result in results for r in result.refreshed]
    assert refreshed
    assert not any(r.whole for r in refreshed)
    assert {r.product for r in refreshed} == {"bookings.bookings", "bookings.bookings_live"}
    assert all(r.keys <= 2 for r in refreshed)
    # ... and the result is what a whole rebuild computes
    for key in ("bookings.bookings", "bookings.bookings_live"):
        assert _sorted(_published(warehouse, key)) == _sorted(_whole(warehouse, key))


def test_the_live_view_is_rebuilt_whole_when_its_reference_day_changes(
    warehouse: WarehouseEngine, stream: tuple[StreamBinding[Any], PubSubEndpoint]
) -> None:
    binding, endpoint = stream
    consumer = StreamConsumer(binding, warehouse, endpoint)
    publish(endpoint, binding.topic, [event(1, 1).model_dump_json().encode()])
    drain(consumer)
    tomorrow = NOW + dt.timedelta(days=8)  # today's row leaves the window for every key
    other = event(4, 1, event_time=tomorrow, customer_account="BE-1000003", market="BE")
    publish(endpoint, binding.topic, [other.model_dump_json().encode()])
    result = consumer.run_batch()
    drain(consumer)
    consumer.close()

    (live,) = [r for r in result.refreshed if r.product == "bookings.bookings_live"]
    assert live.whole
    published = _published(warehouse, "bookings.bookings_live")
    assert [(r["booking_date"], r["market"]) for r in published] == [(tomorrow.date(), "BE")]


def test_a_batch_build_of_booking_events_republishes_the_streamed_events(
    warehouse: WarehouseEngine, stream: tuple[StreamBinding[Any], PubSubEndpoint]
) -> None:
    from sqlglot import exp

    from contracts.bookings import BookingEvents
    from mesh_platform.landing import landing_sources
    from mesh_platform.location import domain_products
    from mesh_platform.partitions import PartitionRange, partition_condition
    from mesh_platform.wap import publish_product
    from mesh_platform.wap_accounting import LeftOutRows

    binding, endpoint = stream
    events = [event(1, 1), event(1, 2), event(2, 1, channel="agency", children=0)]
    publish(endpoint, binding.topic, [m.model_dump_json().encode() for m in events])
    consumer = StreamConsumer(binding, warehouse, endpoint)
    drain(consumer)
    consumer.close()
    streamed = _sorted(_published(warehouse, "bookings.booking_events"))
    assert len(streamed) == 3
    landed = rows(warehouse, "SELECT event_id FROM landing_bookings.booking_events_stream")
    assert sorted(r["event_id"] for r in landed) == [m.event_id for m in events]

    # the batch build, with an empty extract: its partition is republished from what
    # the stream landed, the same events, not wiped
    with warehouse.session():
        for table, columns in landing_sources("bookings")["landing_bookings"].items():
            typed = ", ".join(
                f'"{name}" {exp.DataType.build(kind, dialect="bigquery").sql("duckdb")}'
                for name, kind in columns.items()
            )
            warehouse.execute(f"CREATE TABLE IF NOT EXISTS landing_bookings.{table} ({typed})")
        (product,) = [p for p in domain_products("bookings") if p.contract is BookingEvents]
        split = product.render_split(warehouse.table_for)
        partition = PartitionRange.one("2026-12-01")
        where = partition_condition(BookingEvents, partition, warehouse.dialect)
        publish_product(
            warehouse,
            BookingEvents,
            select=exp.select(exp.Star()).from_(split.product.subquery("p")).where(where),
            partition=partition,
            run_id="rebuild",
            left_out=LeftOutRows(select=split.left_out, candidates=split.candidates),
        )
    assert _sorted(_published(warehouse, "bookings.booking_events")) == streamed


def test_the_emulator_restarted_mid_stream_loses_nothing_and_applies_nothing_twice(
    warehouse: WarehouseEngine, tmp_path: Path
) -> None:
    """The emulator keeps nothing across a restart (unlike Pub/Sub), so the producer
    publishes again what it cannot know was delivered, as an at-least-once producer
    does; the consumer, cut off between applying a batch and acknowledging it, applies
    nothing twice."""
    from google.api_core.exceptions import GoogleAPIError

    from tests.support.pubsub import start_or_give_up

    emulator = start_or_give_up(LocalPubSub(tmp_path / "pubsub"))
    try:
        binding = dataclasses.replace(BOOKING_STREAM, topic="restarted", subscription="restarted")
        ensure_subscription(emulator.endpoint, binding.topic, binding.subscription)
        events = [event(400 + n, 1) for n in range(12)] + [event(400, 2), event(401, 2)]
        payloads = [m.model_dump_json().encode() for m in events]
        publish(emulator.endpoint, binding.topic, payloads)
        consumer = StreamConsumer(binding, warehouse, emulator.endpoint, max_messages=5)
        assert consumer.run_batch().acknowledged == 5
        acknowledge = consumer.acknowledge

        def cut_off(batch: Any) -> None:  # the emulator stops before the ack arrives
            emulator.stop()
            acknowledge(batch)

        consumer.acknowledge = cut_off  # type: ignore[method-assign]
        with pytest.raises(GoogleAPIError):
            consumer.run_batch()
        (applied,) = rows(warehouse, "SELECT count(*) AS n FROM bookings.booking_events")
        assert applied["n"] > 5  # the cut-off batch was applied, not acknowledged

        emulator = start_or_give_up(LocalPubSub(tmp_path / "pubsub", port=emulator.port))
        consumer.acknowledge = acknowledge  # type: ignore[method-assign]
        ensure_subscription(emulator.endpoint, binding.topic, binding.subscription)
        publish(emulator.endpoint, binding.topic, payloads)  # everything, again
        drain(consumer)
        consumer.close()
    finally:
        emulator.stop()

    published = rows(
        warehouse, "SELECT event_id, count(*) AS n FROM bookings.booking_events GROUP BY event_id"
    )
    assert sorted(r["event_id"] for r in published) == sorted(m.event_id for m in events)
    assert {r["n"] for r in published} == {1}
    landed = rows(warehouse, "SELECT count(*) AS n FROM landing_bookings.booking_events_stream")
    assert landed == [{"n": len(events)}]
    states = rows(warehouse, "SELECT status, count(*) AS n FROM bookings.bookings GROUP BY ALL")
    assert sorted((r["status"], r["n"]) for r in states) == [("confirmed", 2), ("pending", 10)]
    for key in ("bookings.bookings", "bookings.bookings_live"):
        assert _sorted(_published(warehouse, key)) == _sorted(_whole(warehouse, key))


def test_mesh_query_shows_the_last_seconds_bookings_and_the_dead_letters(
    warehouse: WarehouseEngine,
    stream: tuple[StreamBinding[Any], PubSubEndpoint],
    reader_env: Callable[[str], None],
) -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    binding, endpoint = stream
    now = dt.datetime.now(dt.UTC)
    fresh = [
        event(500, 1, event_time=now - dt.timedelta(seconds=3)),
        event(
            501,
            1,
            event_time=now - dt.timedelta(seconds=2),
            market="BE",
            customer_account="BE-1000003",
        ),
    ]
    publish(endpoint, binding.topic, [m.model_dump_json().encode() for m in fresh] + [b"{"])
    consumer = StreamConsumer(binding, warehouse, endpoint)
    drain(consumer)
    consumer.close()
    runner = CliRunner()
    reader_env("bastien")  # the bookings team reads its own domain's products

    live = runner.invoke(
        app,
        [
            "query",
            "SELECT village_id, market, bookings FROM bookings.bookings_live "
            "WHERE last_event_at > now()::TIMESTAMP - INTERVAL 1 MINUTE ORDER BY market",
        ],
        env={"COLUMNS": "200"},
    )
    assert live.exit_code == 0, live.output
    assert [line.split() for line in live.output.splitlines() if "VTH" in line] == [
        ["│", "VTH", "│", "BE", "│", "1", "│"],
        ["│", "VTH", "│", "FR", "│", "1", "│"],
    ]
    letters = runner.invoke(app, ["query", "SELECT rule FROM bookings.booking_events__dead_letter"])
    assert letters.exit_code == 0, letters.output
    assert "json_invalid" in letters.output
    # a dead letter's payload may hold anything a producer sent: personal data, hidden
    # below the clearance for direct PII, read raw by the data protection officer
    payload = "SELECT raw_payload FROM bookings.booking_events__dead_letter"
    hidden = runner.invoke(app, ["query", payload])
    assert hidden.exit_code != 0
    assert "raw_payload" in hidden.output, hidden.output
    reader_env("dora")
    raw = runner.invoke(app, ["query", payload, "--purpose", "service"])
    assert raw.exit_code == 0, raw.output
    assert "{" in raw.output
