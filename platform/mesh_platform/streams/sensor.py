"""Dagster supervises a stream's consumer with a sensor that pulls micro-batches.

Why a sensor, rather than a long-running consumer beside Dagster: the daemon already
runs sensors on a short interval, in every environment, with their ticks, logs, errors
and cursor in the UI; a tick is one bounded unit of work (a few batches, well within
the tick's time limit) whose failure is visible and retried at the next tick, and
since messages are acknowledged only after their batch is published, a tick cut short
loses nothing. Each tick that takes messages reports an ``AssetMaterialization`` of
the product with the batch's figures (events appended, duplicates, dead letters, the
oldest message's lag, the batch's duration, the events per second), so throughput and
lag show on the asset's page and plots, and one of every product that follows the
stream (keys and rows refreshed, whether rebuilt whole), so that Dagster sees them
up to date and does not rebuild them whole after the stream's materialization; a
tick that takes none says so in its skip reason. Under a backlog its batches grow (up
to :data:`~mesh_platform.streams.consumer.MAX_BATCH`): a batch's cost is mostly a
fixed number of statements, so throughput rises with the rate. The cost
is latency: a message waits for the next tick (the interval, a few seconds), which
fits the product's near-real-time promise; a lower latency would need a streaming
pull in a process of its own.

The sensor starts running in an environment that names Pub/Sub (production, or a
local emulator through ``PUBSUB_EMULATOR_HOST``); elsewhere it is declared, stopped.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import dagster as dg

from mesh_platform.engines.factory import get_engine
from mesh_platform.settings import Environment, get_settings
from mesh_platform.streams.consumer import (
    MAX_BATCH,
    BatchResult,
    StreamBinding,
    StreamConsumer,
)
from mesh_platform.streams.pubsub import EMULATOR_HOST_VARIABLE, endpoint_from_environment

TICK_BUDGET_S = 20.0
"""The longest a tick keeps pulling batches (the daemon's tick limit is 60 s)."""
INTERVAL_S = 5
"""Seconds between ticks."""


def sensor_name(binding: StreamBinding[Any]) -> str:
    """The sensor's name: ``<domain>__<product>__stream``."""
    meta = binding.contract.meta()
    return f"{meta.domain}__{meta.product}__stream"


def _configured() -> bool:
    """Whether a Pub/Sub is there to pull: an emulator named by the environment, or
    Google's outside the local environment."""
    return bool(os.environ.get(EMULATOR_HOST_VARIABLE)) or get_settings().env != Environment.LOCAL


def _followers(results: list[BatchResult]) -> dict[str, dict[str, Any]]:
    """Per product following the stream, its refreshes' figures over the tick."""
    found: dict[str, dict[str, Any]] = {}
    for result in results:
        for refreshed in result.refreshed:
            figures = found.setdefault(
                refreshed.product,
                {"refreshes": 0, "keys_refreshed": 0, "rows_published": 0, "rebuilt_whole": 0},
            )
            figures["refreshes"] += 1
            figures["keys_refreshed"] += refreshed.keys
            figures["rows_published"] += refreshed.rows
            figures["rebuilt_whole"] += int(refreshed.whole)
            figures["refresh_duration_s"] = round(
                figures.get("refresh_duration_s", 0.0) + refreshed.duration_s, 3
            )
    return found


def _merge(results: list[BatchResult]) -> dict[str, Any]:
    total = BatchResult(run_id=results[-1].run_id)
    for result in results:
        total.pulled += result.pulled
        total.appended += result.appended
        total.duplicates += result.duplicates
        total.dead_lettered += result.dead_lettered
        total.duration_s += result.duration_s
        for rule, count in result.rules.items():
            total.rules[rule] = total.rules.get(rule, 0) + count
        if result.oldest_published_at is not None:
            total.oldest_published_at = min(
                filter(None, (total.oldest_published_at, result.oldest_published_at))
            )
    elapsed = sum(r.duration_s for r in results)
    return {
        **total.as_metadata(),
        "batches": len(results),
        "events_per_s": round(total.pulled / elapsed, 1) if elapsed else 0.0,
    }


def stream_sensor(
    binding: StreamBinding[Any], *, budget_s: float = TICK_BUDGET_S
) -> dg.SensorDefinition:
    """The sensor that feeds ``binding``'s product from its subscription."""
    meta = binding.contract.meta()
    asset_key = dg.AssetKey([meta.domain, meta.product])

    @dg.sensor(
        name=sensor_name(binding),
        minimum_interval_seconds=INTERVAL_S,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Appends the messages of subscription {binding.subscription!r} to "
            f"{meta.key} in micro-batches (write-audit-publish, acknowledged after "
            "publication); bad messages go to its dead-letter table."
        ),
    )
    def _stream(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        if not _configured():  # the sensor runs everywhere; locally, once a stream is started
            return dg.SensorResult(
                skip_reason=f"no Pub/Sub to pull {binding.subscription!r} from: locally, "
                f"`mesh dev --stream` starts the emulator and sets {EMULATOR_HOST_VARIABLE}"
            )
        consumer = StreamConsumer(
            binding, get_engine(), endpoint_from_environment(), max_batch=MAX_BATCH
        )
        results: list[BatchResult] = []
        deadline = time.monotonic() + budget_s
        try:
            while time.monotonic() < deadline:
                result = consumer.run_batch(f"stream-{uuid.uuid4().hex[:12]}")
                if not result.pulled:
                    break
                results.append(result)
        finally:
            consumer.close()
        if not results:
            return dg.SensorResult(skip_reason=f"no message on {binding.subscription}")
        metadata = _merge(results)
        context.log.info(f"{meta.key}: {metadata}")
        events = [dg.AssetMaterialization(asset_key=asset_key, metadata=metadata)]
        for product, figures in _followers(results).items():
            context.log.info(f"{product}: {figures}")
            events.append(
                dg.AssetMaterialization(
                    asset_key=dg.AssetKey(product.split(".")),
                    metadata={**figures, "oldest_message_lag_s": metadata["oldest_message_lag_s"]},
                )
            )
        return dg.SensorResult(asset_events=events)

    return _stream


__all__ = ["INTERVAL_S", "TICK_BUDGET_S", "sensor_name", "stream_sensor"]
