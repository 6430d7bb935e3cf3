"""Replay a streamed product's dead letters once what they broke is fixed.

A dead letter keeps its message's raw payload, its Pub/Sub message id and publication
time, so it can go through the consumer's path again (:func:`replay`): validated
against the message contract as it is now, checked against the referentials as they
are now (an account the identity map has learned since), deduplicated against the
product, appended through write-audit-publish. The letters that pass leave the
dead-letter table, in the same session, after their events are published; those that
still fail stay, with the rule they first broke.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.streams.consumer import BatchResult, Received, StreamBinding, ingest
from mesh_platform.streams.dead_letter import dead_letter_contract


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did: the letters read, those resolved, the batch's figures."""

    letters: int
    resolved: int
    batch: BatchResult


def _rule_condition(rule: str | None) -> exp.Condition | None:
    """Only ``rule``'s letters (a kind such as ``unknown_reference`` matches each detail)."""
    if rule is None:
        return None
    column = exp.column("rule", quoted=True)
    exact = column.eq(exp.Literal.string(rule))
    if ":" in rule:
        return exact
    return exp.or_(exact, exp.func("STARTS_WITH", column, exp.Literal.string(f"{rule}:")))


def dead_letters(
    engine: WarehouseEngine,
    binding: StreamBinding[Any],
    *,
    rule: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The product's dead letters, oldest first, optionally of one rule."""
    contract = dead_letter_contract(binding.contract)
    meta = contract.meta()
    table = engine.published_table(meta.domain, meta.product)
    if table is None:
        return []
    query = exp.select(exp.Star()).from_(table).order_by("published_at", "message_id")
    if (condition := _rule_condition(rule)) is not None:
        query = query.where(condition)
    if limit is not None:
        query = query.limit(limit)
    return engine.query_rows(query)


def replay(
    engine: WarehouseEngine, binding: StreamBinding[Any], *, rule: str | None = None
) -> ReplayResult:
    """Put the dead letters (of ``rule``) through the consumer's path again; those that
    pass leave the dead-letter table."""
    run_id = f"replay-{uuid.uuid4().hex[:12]}"
    contract = dead_letter_contract(binding.contract)
    meta = contract.meta()
    with engine.session():
        letters = dead_letters(engine, binding, rule=rule)
        batch = [
            Received(
                ack_id="",
                message_id=str(letter["message_id"]),
                published_at=_utc(letter["published_at"]),
                data=str(letter["raw_payload"]).encode(),
            )
            for letter in letters
        ]
        result = ingest(engine, binding, batch, run_id)
        resolved = sorted({m.message_id for m in batch} - result.dead_letter_ids)
        if resolved:
            key = exp.column("message_id", quoted=True)
            table = engine.table_for(meta.domain, meta.product)
            engine.execute(
                exp.delete(table).where(key.isin(*(exp.Literal.string(m) for m in resolved)))
            )
            engine.publish_replica(meta.domain, meta.product, run_id)
    return ReplayResult(letters=len(letters), resolved=len(resolved), batch=result)


def binding_for(key: str) -> StreamBinding[Any]:
    """The stream binding of ``domain.product``, declared in ``domains/<domain>/stream.py``.

    Raises:
        KeyError: the product is not fed by a stream.
    """
    domain = key.partition(".")[0]
    try:
        module = importlib.import_module(f"domains.{domain}.stream")
    except ModuleNotFoundError:
        raise KeyError(f"{key} is not fed by a stream (no domains/{domain}/stream.py)") from None
    for value in vars(module).values():
        if isinstance(value, StreamBinding) and value.contract.meta().key == key:
            return value
    raise KeyError(f"{key} is not fed by a stream (domains/{domain}/stream.py feeds others)")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


__all__ = ["ReplayResult", "binding_for", "dead_letters", "replay"]
