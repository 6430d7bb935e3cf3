"""A stream's consumer lets its batches grow under a backlog, and shrink after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

from mesh_platform.contract import DataContract, column
from mesh_platform.streams import consumer as consumer_module
from mesh_platform.streams.consumer import (
    BatchResult,
    Received,
    Refusal,
    StreamBinding,
    StreamConsumer,
)
from mesh_platform.streams.pubsub import PubSubEndpoint


class Event(DataContract, domain="demo", product="events", grain=("ping_id",), register=False):
    """One ping."""

    ping_id: str = column("Ping id.")


class Ping(BaseModel):
    ping_id: str


def _no_rows(engine: Any, batch: Any) -> tuple[pd.DataFrame, dict[str, Refusal]]:
    return pd.DataFrame(), {}


def _consumer(backlog: list[int], **limits: int) -> tuple[StreamConsumer[Any], list[int]]:
    """A consumer whose subscription holds ``backlog[i]`` messages at its i-th pull;
    returns it and the sizes of the batches it ingests and acknowledges."""
    binding = StreamBinding(
        contract=Event, message=Ping, topic="pings", subscription="pings", to_rows=_no_rows
    )
    made = StreamConsumer(
        binding,
        Any,  # type: ignore[arg-type]  # pull and ingest are faked: no warehouse
        PubSubEndpoint(project="demo", emulator_host=None),
        **limits,
    )
    acknowledged: list[int] = []
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def pull() -> list[Received]:
        waiting = backlog.pop(0) if backlog else 0
        return [Received(str(i), str(i), at, b"{}") for i in range(min(waiting, made.limit))]

    def acknowledge(batch: Sequence[Received]) -> None:
        acknowledged.append(len(batch))

    made.pull = pull  # type: ignore[method-assign]
    made.acknowledge = acknowledge  # type: ignore[method-assign]
    return made, acknowledged


@pytest.fixture(autouse=True)
def _no_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    def ingest(engine: Any, binding: Any, batch: Sequence[Received], run_id: str) -> BatchResult:
        return BatchResult(run_id=run_id, pulled=len(batch))

    monkeypatch.setattr(consumer_module, "ingest", ingest)


def test_a_backlog_doubles_the_batch_up_to_its_ceiling_then_it_shrinks_back() -> None:
    made, batches = _consumer([10_000] * 5 + [3, 10_000], max_messages=100, max_batch=350)
    for _ in range(7):
        made.run_batch()
    assert batches == [100, 200, 350, 350, 350, 3, 100]
    assert made.limit == 200


def test_batches_do_not_grow_unless_asked() -> None:
    made, batches = _consumer([10_000] * 3, max_messages=100)
    for _ in range(3):
        made.run_batch()
    assert batches == [100, 100, 100]
