"""The landing table of a stream: the messages its consumer accepted, as they came.

A streamed product is appended by its consumer batch by batch, but it is also a
product its domain builds in batch (a backfill, a fix of its SQL, ``mesh build``),
and a batch build replaces what it publishes. So that batch and stream agree, the
consumer lands every message it accepts, in the same batch and before appending its
rows, in a landing table of the domain, ``landing_<domain>.<product>_stream``, which
the product's SQL reads beside its other sources: a rebuild republishes the streamed
events instead of wiping them. (In production, a Pub/Sub BigQuery subscription could
write the same table.)

Its columns are the stream's message contract, each field as it is (an aware time in
UTC), plus the Pub/Sub message's id and publish time; its contract is derived from
the message model (:func:`landing_contract`), so its DDL, its checks and its loading
are derived like any product's, and the SQL product is checked against it
(``landing_schema.json``). It is idempotent by the product's key: a batch delivered
again lands nothing twice.

Example:
    >>> from pydantic import BaseModel
    >>> from mesh_platform.contract import DataContract, column
    >>> class Ping(BaseModel):
    ...     ping_id: str
    >>> class Pings(DataContract, domain="demo", product="pings", grain=("ping_id",),
    ...             register=False):
    ...     ping_id: str = column("Ping id.")
    >>> landed = landing_contract(Pings, Ping)
    >>> landed.meta().key, list(landed.model_fields)
    ('landing_demo.pings_stream', ['message_id', 'published_at', 'ping_id'])
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any

import pandas as pd
from pydantic import AwareDatetime, BaseModel

from mesh_platform.contract import AccessLevel, DataContract, column

LANDING_SUFFIX = "_stream"
"""Appended to a streamed product's name for its landing table."""


def landing_name(product: str) -> str:
    """The landing table's name of the streamed ``product``."""
    return f"{product}{LANDING_SUFFIX}"


def _annotation(annotation: Any) -> Any:
    """The field's type as a contract column: an aware time is a UTC timestamp."""
    if annotation is AwareDatetime:
        return dt.datetime
    if typing.get_origin(annotation) is typing.Literal:
        return type(typing.get_args(annotation)[0])
    return annotation


@cache
def landing_contract(contract: type[DataContract], message: type[BaseModel]) -> type[DataContract]:
    """The contract of the landing table of ``contract``'s stream of ``message``."""
    meta = contract.meta()
    annotations: dict[str, Any] = {"message_id": str, "published_at": dt.datetime}
    namespace: dict[str, Any] = {
        "__doc__": f"The messages of {meta.key}'s stream its consumer accepted, as they came.",
        "message_id": column("The Pub/Sub message id of the event's first delivery."),
        "published_at": column("When Pub/Sub received it (UTC)."),
    }
    for name, field in message.model_fields.items():
        annotations[name] = _annotation(field.annotation)
        namespace[name] = column(field.description or name)
    namespace["__annotations__"] = annotations
    return type(
        "LandedMessages",
        (DataContract,),
        namespace,
        domain=f"landing_{meta.domain}",
        product=landing_name(meta.product),
        owner=meta.owner,
        grain=meta.grain,
        access=AccessLevel.INTERNAL,
        tier="internal",
        register=False,
    )


def landing_rows(batch: Sequence[tuple[Any, BaseModel]]) -> pd.DataFrame:
    """The landing rows of accepted messages, ``(received, message)`` pairs."""
    return pd.DataFrame(
        [
            {
                "message_id": received.message_id,
                "published_at": _utc(received.published_at),
                **{
                    name: _utc(value) if isinstance(value, dt.datetime) else value
                    for name, value in message.model_dump().items()
                },
            }
            for received, message in batch
        ]
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


__all__ = ["LANDING_SUFFIX", "landing_contract", "landing_name", "landing_rows"]
