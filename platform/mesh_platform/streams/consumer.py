"""A streamed product's consumer: pull a micro-batch, validate, append, acknowledge.

One batch, in :meth:`StreamConsumer.run_batch`:

1. **pull** up to ``max_messages`` from the subscription (waiting at most
   ``max_wait_s`` for the batch to fill; under a backlog, batches grow);
2. **validate** every message against the stream's message contract (a pydantic
   model, read with ``model_validate_json``): a message that is not JSON or breaks a
   rule becomes a dead letter, with the rule, the field and the raw payload;
3. **deduplicate** by the product's grain: within the batch (the first delivery
   wins) and against what is already published (a redelivery, a producer's retry);
   duplicates are recorded in the product's rejects table (``duplicate``);
4. **translate** the valid messages into the product's rows (the domain's
   :attr:`StreamBinding.to_rows`, which may refuse some with a reason: they become
   dead letters too);
5. **land** the accepted messages in the stream's landing table, which a batch build
   of the product reads (:mod:`mesh_platform.streams.landed`), then **append** the
   rows and the dead letters through write-audit-publish
   (:func:`~mesh_platform.wap.publish_product` with ``append=True``), each idempotent
   by its grain;
6. **refresh** the products that follow the stream (:mod:`mesh_platform.streams.follow`)
   for the keys of the batch's valid events, appended or seen again (a batch
   delivered again after a crash refreshes them again, to the same result);
7. **acknowledge** the batch, only now: a consumer killed before this point has its
   messages redelivered, and steps 5 and 6 add nothing twice.

So a message is applied exactly once as readers of the product see it, and a bad
message never blocks the good ones behind it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError
from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.streams.dead_letter import dead_letter_contract
from mesh_platform.streams.follow import (
    STREAM_STAGING,
    Follower,
    Followers,
    Refreshed,
    key_values,
    keys_condition,
)
from mesh_platform.streams.landed import landing_contract, landing_rows
from mesh_platform.streams.pubsub import PubSubEndpoint, subscriber_client
from mesh_platform.wap import publish_product
from mesh_platform.wap_accounting import LeftOutRows, record_left_out

if TYPE_CHECKING:
    from google.cloud.pubsub_v1 import SubscriberClient

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

PULL_MAX = 1000
"""The most messages asked of one pull request (a batch may take several)."""

ACK_TIMEOUT_S = 10.0
"""The longest an acknowledgement is retried (a batch not acknowledged is redelivered,
and applies nothing twice)."""

MAX_BATCH = 8000
"""The most messages a batch grows to under a backlog (the sensor's consumer): a batch
costs mostly a fixed number of statements, well within the acknowledgement deadline."""

STREAM_STAGE = "stream"
"""The stage of the rows a stream's consumer leaves out, in the rejects table."""


@dataclass(frozen=True)
class Received:
    """One message as pulled from the subscription.

    Attributes:
        ack_id: what acknowledges this delivery.
        message_id: Pub/Sub's id of the message (the same on every redelivery).
        published_at: when Pub/Sub received it (UTC).
        data: the message's payload.
    """

    ack_id: str
    message_id: str
    published_at: dt.datetime
    data: bytes


@dataclass(frozen=True)
class Refusal:
    """Why a valid message cannot join the product (it becomes a dead letter)."""

    rule: str
    detail: str
    field: str | None = None


@dataclass(frozen=True)
class StreamBinding(Generic[M]):
    """How a domain's product is fed by a stream.

    Attributes:
        contract: the product appended (it must have a one-column grain).
        message: the stream's message contract.
        topic: the topic's short name.
        subscription: the product's subscription to it.
        to_rows: from the valid, new messages of a batch to the product's rows (one per
            message, carrying the grain) and the messages refused, by message id.
        followers: the domain's SQL products that follow the product, refreshed after
            each batch for the keys it touched, in this order.
    """

    contract: type[DataContract]
    message: type[M]
    topic: str
    subscription: str
    to_rows: Callable[
        [WarehouseEngine, Sequence[tuple[Received, M]]],
        tuple[pd.DataFrame, dict[str, Refusal]],
    ]
    followers: tuple[Follower, ...] = ()

    def following(self) -> Followers | None:
        """The followers with their SQL products (read once per process)."""
        return _following(self) if self.followers else None

    @property
    def key(self) -> str:
        """The grain column, which the message carries under the same name."""
        grain = self.contract.meta().grain
        if len(grain) != 1:
            raise ValueError(f"{self.contract.meta().key}: a streamed product needs one key")
        return grain[0]


@cache
def _following(binding: StreamBinding[Any]) -> Followers:
    from mesh_platform.location import domain_products
    from mesh_platform.products.sql import SqlProduct

    products = {
        p.contract.meta().key: p
        for p in domain_products(binding.contract.meta().domain)
        if isinstance(p, SqlProduct)
    }
    return Followers(binding.followers, products)


@dataclass
class BatchResult:
    """What one batch did (counts of messages)."""

    run_id: str
    pulled: int = 0
    appended: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    acknowledged: int = 0
    oldest_published_at: dt.datetime | None = None
    duration_s: float = 0.0
    rules: dict[str, int] = field(default_factory=dict)
    dead_letter_ids: set[str] = field(default_factory=set)
    refreshed: list[Refreshed] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        """A JSON-ready view (the sensor's materialisation metadata, logs)."""
        lag = (
            (dt.datetime.now(dt.UTC) - self.oldest_published_at).total_seconds()
            if self.oldest_published_at
            else 0.0
        )
        return {
            "messages_pulled": self.pulled,
            "events_appended": self.appended,
            "duplicates": self.duplicates,
            "dead_lettered": self.dead_lettered,
            "dead_letter_rules": dict(self.rules),
            "oldest_message_lag_s": round(lag, 3),
            "batch_duration_s": round(self.duration_s, 3),
            "events_per_s": round(self.pulled / self.duration_s, 1) if self.duration_s else 0.0,
        }


def dead_letter(
    received: Received, rule: str, detail: str, *, field: str | None, event_id: str | None
) -> dict[str, Any]:
    """One row of the dead-letter table (without the run's columns)."""
    return {
        "message_id": received.message_id,
        "published_at": received.published_at,
        "rule": rule,
        "field": field,
        "detail": detail,
        "event_id": event_id,
        "raw_payload": received.data.decode("utf-8", errors="replace"),
    }


def _event_id_of(data: bytes, key: str) -> str | None:
    try:
        value = json.loads(data).get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def validate(
    message: type[M], received: Received, key: str
) -> tuple[M | None, dict[str, Any] | None]:
    """The message read against its contract, or its dead letter (the first error).

    Example:
        >>> from pydantic import BaseModel, Field
        >>> class Ping(BaseModel):
        ...     ping_id: str
        ...     size: int = Field(ge=1)
        >>> got = Received("a", "1", dt.datetime(2026, 1, 1), b'{"ping_id": "p1", "size": 0}')
        >>> valid, letter = validate(Ping, got, "ping_id")
        >>> valid, letter["rule"], letter["field"], letter["event_id"]
        (None, 'greater_than_equal', 'size', 'p1')
        >>> validate(Ping, Received("b", "2", dt.datetime(2026, 1, 1), b"{oops"), "ping_id")[1][
        ...     "rule"]
        'json_invalid'
    """
    try:
        return message.model_validate_json(received.data), None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        shown = repr(first.get("input"))[:200] if first["type"] != "json_invalid" else ""
        detail = f"{where or 'message'}: {first['msg']}" + (f" (got {shown})" if shown else "")
        if error.error_count() > 1:
            detail += f"; and {error.error_count() - 1} more error(s)"
        letter = dead_letter(
            received, first["type"], detail, field=where, event_id=_event_id_of(received.data, key)
        )
        return None, letter


def published_keys(
    engine: WarehouseEngine, contract: type[DataContract], key: str, values: Sequence[str]
) -> set[str]:
    """Which of ``values`` of the grain ``key`` the product already holds."""
    listed = [exp.Literal.string(v) for v in sorted(set(values))]
    if not listed:
        return set()
    held = exp.In(this=exp.column(key, quoted=True), expressions=listed)
    return {str(v[0]) for v in key_values(engine, contract.meta().key, (key,), held)}


def ingest(
    engine: WarehouseEngine, binding: StreamBinding[M], batch: Sequence[Received], run_id: str
) -> BatchResult:
    """Validate, deduplicate, translate, land, append and refresh one batch (steps 2
    to 6), in one session of the warehouse; the caller acknowledges it once this
    returns."""
    started = time.monotonic()
    result = BatchResult(run_id=run_id, pulled=len(batch))
    if not batch:
        return result
    with engine.session():
        _ingest(engine, binding, batch, result)
    result.duration_s = time.monotonic() - started
    return result


def _ingest(
    engine: WarehouseEngine,
    binding: StreamBinding[M],
    batch: Sequence[Received],
    result: BatchResult,
) -> None:
    run_id = result.run_id
    result.oldest_published_at = min(m.published_at for m in batch)
    key = binding.key
    letters: list[dict[str, Any]] = []
    valid: list[tuple[Received, M]] = []
    for received in sorted(batch, key=lambda m: (m.published_at, m.message_id)):
        message, letter = validate(binding.message, received, key)
        if letter is not None:
            letters.append(letter)
        elif message is not None:
            valid.append((received, message))
    already = published_keys(engine, binding.contract, key, [getattr(m, key) for _, m in valid])
    seen: set[str] = set()
    fresh: list[tuple[Received, M]] = []
    duplicates: list[dict[str, Any]] = []
    for received, message in valid:
        value = getattr(message, key)
        if value in already or value in seen:
            duplicates.append(
                {
                    "stage": STREAM_STAGE,
                    "reason": "duplicate",
                    "row_key": value,
                    "message_id": received.message_id,
                }
            )
            continue
        seen.add(value)
        fresh.append((received, message))
    rows, refused = binding.to_rows(engine, fresh) if fresh else (pd.DataFrame(), {})
    for received, message in fresh:
        if (refusal := refused.get(received.message_id)) is not None:
            letters.append(
                dead_letter(
                    received,
                    refusal.rule,
                    refusal.detail,
                    field=refusal.field,
                    event_id=getattr(message, key),
                )
            )
    now = dt.datetime.now(dt.UTC)
    if letters:
        frame = pd.DataFrame(letters).assign(run_id=run_id, recorded_at=now)
        publish_product(
            engine,
            dead_letter_contract(binding.contract),
            frame=frame,
            append=True,
            run_id=run_id,
            stage_as=STREAM_STAGING,
            checksum=False,
        )
    left_out = LeftOutRows(frame=pd.DataFrame(duplicates)) if duplicates else None
    result.duplicates = len(duplicates)
    followers = binding.following()
    before = followers.references(engine) if followers and valid else {}
    accepted = [(r, m) for r, m in fresh if r.message_id not in refused]
    if accepted:  # landed first: a batch build of the product reads them too
        publish_product(
            engine,
            landing_contract(binding.contract, binding.message),
            frame=landing_rows(accepted),
            append=True,
            run_id=run_id,
            stage_as=STREAM_STAGING,
            checksum=False,
            replica=False,
        )
    if len(rows):
        appended = publish_product(
            engine,
            binding.contract,
            frame=rows,
            append=True,
            run_id=run_id,
            stage_as=STREAM_STAGING,
            checksum=False,
            left_out=left_out,
        )
        result.appended = appended.row_count
        result.duplicates += (appended.rows_staged or 0) - appended.row_count
    elif left_out is not None:
        record_left_out(engine, binding.contract, left_out, run_id=run_id)
    if followers and valid:
        keys = {(getattr(m, key),) for _, m in valid}  # refused ones are in no table
        changed = {binding.contract.meta().key: keys_condition((key,), keys)}
        result.refreshed = followers.refresh(engine, changed, before=before, run_id=run_id)
    result.dead_lettered = len(letters)
    result.dead_letter_ids = {str(letter["message_id"]) for letter in letters}
    for letter in letters:
        result.rules[letter["rule"]] = result.rules.get(letter["rule"], 0) + 1


class StreamConsumer(Generic[M]):
    """Pulls a binding's subscription in micro-batches and appends them.

    Args:
        binding: the product and its stream.
        engine: the warehouse.
        endpoint: where Pub/Sub is.
        max_messages: the most messages of one batch, as long as batches do not fill.
        max_wait_s: the longest a batch waits to fill once its first message arrived.
        max_batch: the most messages a batch grows to under a backlog: a batch that
            fills its limit doubles the next one's (default ``max_messages``: no growth);
            one that does not fill brings it back to ``max_messages``.
    """

    def __init__(
        self,
        binding: StreamBinding[M],
        engine: WarehouseEngine,
        endpoint: PubSubEndpoint,
        *,
        max_messages: int = 1000,
        max_wait_s: float = 0.5,
        max_batch: int | None = None,
    ) -> None:
        self.binding = binding
        self.engine = engine
        self.endpoint = endpoint
        self.max_messages = max_messages
        self.max_wait_s = max_wait_s
        self.max_batch = max(max_batch or max_messages, max_messages)
        self.limit = max_messages  # of the next batch
        self._client: SubscriberClient | None = None

    @property
    def client(self) -> SubscriberClient:
        if self._client is None:
            self._client = subscriber_client(self.endpoint)
        return self._client

    @property
    def subscription_path(self) -> str:
        return str(self.client.subscription_path(self.endpoint.project, self.binding.subscription))

    def pull(self) -> list[Received]:
        """Up to :attr:`limit` messages, waiting at most ``max_wait_s`` after the first."""
        from google.api_core.exceptions import DeadlineExceeded

        found: list[Received] = []
        deadline = time.monotonic() + self.max_wait_s
        while len(found) < self.limit:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                response = self.client.pull(
                    request={
                        "subscription": self.subscription_path,
                        "max_messages": min(self.limit - len(found), PULL_MAX),
                    },
                    timeout=max(left, 0.1),
                )
            except DeadlineExceeded:
                break
            for item in response.received_messages:
                message = item.message
                found.append(
                    Received(
                        ack_id=item.ack_id,
                        message_id=str(message.message_id),
                        published_at=message.publish_time.astimezone(dt.UTC),
                        data=bytes(message.data),
                    )
                )
            if not response.received_messages and found:
                break
        return found

    def acknowledge(self, batch: Sequence[Received]) -> None:
        """Acknowledge ``batch`` (in chunks the API accepts)."""
        ack_ids = [m.ack_id for m in batch]
        for start in range(0, len(ack_ids), 1000):
            self.client.acknowledge(
                request={
                    "subscription": self.subscription_path,
                    "ack_ids": ack_ids[start : start + 1000],
                },
                timeout=ACK_TIMEOUT_S,
            )

    def run_batch(self, run_id: str | None = None) -> BatchResult:
        """Pull, ingest and acknowledge one batch (nothing pulled: an empty result)."""
        run_id = run_id or f"stream-{uuid.uuid4().hex[:12]}"
        batch = self.pull()
        filled = len(batch) >= self.limit
        result = ingest(self.engine, self.binding, batch, run_id)
        if batch:
            self.acknowledge(batch)
            result.acknowledged = len(batch)
            log.info("%s: %s", self.binding.contract.meta().key, result.as_metadata())
        self.limit = min(self.limit * 2, self.max_batch) if filled else self.max_messages
        return result

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


__all__ = [
    "MAX_BATCH",
    "STREAM_STAGE",
    "BatchResult",
    "Received",
    "Refusal",
    "StreamBinding",
    "StreamConsumer",
    "ingest",
    "published_keys",
    "validate",
]
