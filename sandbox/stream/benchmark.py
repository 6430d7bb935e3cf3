"""Measure the booking stream: publish at a steady rate, consume, count and time it.

    deploy/local/run mesh build --scale tiny          # the world the publisher draws from
    deploy/local/run python -m sandbox.stream.benchmark --rate 50 200 1000 --duration 30

For each rate: an emulator of its own (stopped at the end), the publisher in a thread
at that rate for the duration (with its default defects), and the bookings domain's
consumer pulling micro-batches in this process as the sensor does, until the stream is
drained. It prints events published, applied, dead-lettered, duplicates applied (must
be 0) and lost (must be 0: valid events published and not applied; once the stream
is drained it is pulled for :data:`REDELIVERY_S` more while valid events are missing,
since a pull cut short by its deadline may leave messages leased until the
acknowledgement deadline, and those applied then are counted), the latency from
an event's time to its visibility in ``bookings.bookings_live`` (p50, p95, max: the
batch that appended it has refreshed ``bookings`` and ``bookings_live`` and their read
replicas, which ``mesh query`` reads), the consumer's lag at the end of publishing
(messages still unapplied), and whether the lag grows: the median latency of the
events of the first and of the last quarter of the publishing time. A rate is sustained
when the lag does not grow: the last quarter's median latency is at most the first's
by :data:`GROWTH` and :data:`GROWTH_S` (a backlog that builds up shows as a latency
rising through the run; a batch in flight when publishing stops does not). Last, it checks that
``bookings_live`` as the stream left it is what a whole rebuild of its SQL computes.
The warehouse is the one the settings name; the events appended stay in it. The
machine's load average (1 min) before and after is printed too: the consumer is
CPU-bound, and other processes' load shows in every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlglot import exp

from mesh_platform.engines.factory import get_engine
from mesh_platform.streams.consumer import MAX_BATCH, StreamConsumer
from mesh_platform.streams.pubsub import ensure_subscription
from mesh_platform.streams.replay import binding_for
from sandbox.services.pubsub import LocalPubSub
from sandbox.stream.bookings import BookingWorld
from sandbox.stream.publisher import PublishReport, publish_bookings

PRODUCT = "bookings.booking_events"
REDELIVERY_S = 75.0
"""How long a drained stream is still pulled for valid events not applied yet: the
subscription's acknowledgement deadline (60 s) and some."""
GROWTH = 1.25
GROWTH_S = 1.0
"""The most the median latency may rise from the first to the last quarter of a run
for the rate to count as sustained: by a quarter, and a second."""


def _waiting(report: PublishReport, seen: set[str], give_up: float | None) -> bool:
    """Whether valid events are still unapplied and may yet be redelivered (a pull cut
    short by its deadline after the emulator leased messages leaves them leased for the
    acknowledgement deadline)."""
    if not report.valid_event_ids - seen:
        return False
    return give_up is None or time.monotonic() < give_up


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(rate: float, duration_s: float, seed: int) -> dict[str, Any]:
    """One measure at ``rate`` events per second for ``duration_s`` seconds."""
    binding = binding_for(PRODUCT)
    engine = get_engine()
    with engine.session():
        world = BookingWorld.from_warehouse(engine, seed=seed)
    binding.following()  # read the followers' SQL once, as a running sensor has
    load_before = os.getloadavg()[0]
    started = dt.datetime.now(dt.UTC)
    with (
        tempfile.TemporaryDirectory(prefix="trident-pubsub-") as folder,
        LocalPubSub(Path(folder)) as emulator,
    ):
        endpoint = emulator.endpoint
        ensure_subscription(endpoint, binding.topic, binding.subscription)
        report = PublishReport()

        def publish() -> None:
            nonlocal report
            report = publish_bookings(
                world, endpoint, binding.topic, rate=rate, duration_s=duration_s, seed=seed
            )

        publisher = threading.Thread(target=publish)
        publisher.start()
        consumer = StreamConsumer(binding, engine, endpoint, max_wait_s=0.2, max_batch=MAX_BATCH)
        latencies: list[float] = []
        timeline: list[tuple[float, float]] = []  # (seconds since start, latency)
        seen: set[str] = set()
        applied = dead = duplicates = late = 0
        lag_at_end: int | None = None
        quiet = 0
        give_up: float | None = None  # once drained, until a leased message is redelivered
        while publisher.is_alive() or quiet < 3 or _waiting(report, seen, give_up):
            if give_up is None and not publisher.is_alive() and quiet >= 3:
                give_up = time.monotonic() + REDELIVERY_S
            result = consumer.run_batch()
            visible = dt.datetime.now(dt.UTC)
            dead += result.dead_lettered
            duplicates += result.duplicates
            if lag_at_end is None and not publisher.is_alive():
                lag_at_end = result.pulled
            quiet = 0 if result.pulled or publisher.is_alive() else quiet + 1
            if not result.appended:
                continue
            applied += result.appended
            for row in _streamed(engine, started):
                if row["event_id"] not in seen:
                    seen.add(row["event_id"])
                    late += give_up is not None
                    event_at = row["event_at"].replace(tzinfo=dt.UTC)
                    latencies.append((visible - event_at).total_seconds())
                    timeline.append(((event_at - started).total_seconds(), latencies[-1]))
        consumer.close()
        publisher.join()
    with engine.session():
        counts = engine.query_rows(_counts(engine, started))[0]
    applied_ids = {row["event_id"] for row in _streamed(engine, started)}
    first = [lat for at, lat in timeline if at < duration_s / 4]
    last = [lat for at, lat in timeline if at >= duration_s * 3 / 4]
    head, tail = _percentile(first, 0.5), _percentile(last, 0.5)
    sustained = tail <= head * GROWTH + GROWTH_S
    return {
        "rate": rate,
        "duration_s": duration_s,
        "events published": report.events,
        "messages": report.messages,
        "applied": applied,
        "dead-lettered": dead,
        "duplicates skipped": duplicates,
        "duplicates applied": int(counts["rows"]) - int(counts["events"]),
        "lost": len(report.valid_event_ids - applied_ids),
        "applied once redelivered": late,
        "latency p50 s": round(_percentile(latencies, 0.5), 3),
        "latency p95 s": round(_percentile(latencies, 0.95), 3),
        "latency max s": round(max(latencies, default=float("nan")), 3),
        "unapplied at end of publishing": lag_at_end or 0,
        "load average": f"{load_before:.1f}->{os.getloadavg()[0]:.1f}",
        "p50 first/last quarter s": f"{head:.2f}/{tail:.2f}",
        "sustained": "yes" if sustained else "no",
        "bookings_live = whole rebuild": "yes" if _agrees(engine) else "NO",
    }


def _agrees(engine: Any) -> bool:
    """Whether ``bookings_live`` as published is what its SQL computes from scratch
    (amounts to the cent: the published column is the contract's float, the SQL's own
    sum an exact decimal)."""
    from mesh_platform.location import domain_products
    from mesh_platform.products.sql import SqlProduct

    (product,) = [
        p
        for p in domain_products("bookings")
        if isinstance(p, SqlProduct) and p.contract.meta().key == "bookings.bookings_live"
    ]
    table = engine.table_for("bookings", "bookings_live")
    with engine.session():
        published = engine.query_rows(exp.select(exp.Star()).from_(table))
        whole = engine.query_rows(product.render(engine.table_for))

    def keyed(found: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {
            (r["booking_date"], r["village_id"], r["market"]): {
                k: round(float(v), 2) if isinstance(v, float | Decimal) else v for k, v in r.items()
            }
            for r in found
        }

    return keyed(published) == keyed(whole)


def _since(started: dt.datetime) -> exp.Condition:
    stamp = exp.cast(exp.Literal.string(started.replace(tzinfo=None).isoformat(" ")), "TIMESTAMP")
    return exp.GTE(this=exp.column("received_at"), expression=stamp)


def _streamed(engine: Any, started: dt.datetime) -> list[dict[str, Any]]:
    table = engine.table_for("bookings", "booking_events")
    with engine.session():
        return list(
            engine.query_rows(
                exp.select("event_id", "event_at").from_(table).where(_since(started))
            )
        )


def _counts(engine: Any, started: dt.datetime) -> exp.Select:
    table = engine.table_for("bookings", "booking_events")
    return (
        exp.select(
            exp.func("COUNT", exp.Star()).as_("rows"),
            exp.func("COUNT", exp.Distinct(expressions=[exp.column("event_id")])).as_("events"),
        )
        .from_(table)
        .where(_since(started))
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.stream.benchmark")
    parser.add_argument("--rate", type=float, nargs="+", default=[50.0, 200.0, 1000.0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for rate in args.rate:
        figures = run(rate, args.duration, args.seed)
        print("  ".join(f"{name}: {value}" for name, value in figures.items()), flush=True)


if __name__ == "__main__":
    main()
