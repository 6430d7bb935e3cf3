"""The dead-letter table of a streamed product: the messages it could not take.

A message of a stream that is not valid JSON, breaks the stream's message contract or
names something the mesh does not know is never retried in a loop and never blocks
the messages after it: it is acknowledged and kept, with the rule it broke and its raw
payload, in an internal table of the product's domain, ``<domain>.<product>__dead_letter``
(one row per Pub/Sub message: a redelivered bad message is kept once). Its columns are
one contract for every streamed product (:func:`dead_letter_contract`), so that its DDL,
its checks and its loading are derived like any product's and it is appended through
write-audit-publish (:func:`mesh_platform.wap.publish_product`, appended).

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Event(DataContract, domain="demo", product="events", register=False):
    ...     event_id: str = column("Event id.")
    >>> letters = dead_letter_contract(Event)
    >>> letters.meta().key, letters.meta().grain, letters.meta().access.value
    ('demo.events__dead_letter', ('message_id',), 'internal')
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from mesh_platform.contract import AccessLevel, DataContract, column
from mesh_platform.derive.left_out_table import HELD_RATIONALE, held_classification

DEAD_LETTER_SUFFIX = "__dead_letter"
"""Appended to a product's name for its dead-letter table."""


class DeadLetterRow(DataContract):
    """One message of the stream the product could not take, with the rule it broke."""

    message_id: str = column("The Pub/Sub message id (the same on every redelivery).")
    published_at: dt.datetime = column("When Pub/Sub received the message (UTC).")
    rule: str = column(
        "The rule the message broke: ``json_invalid`` (not JSON), a rule of the message "
        "contract (``missing``, ``string_pattern_mismatch``, ``greater_than_equal``, "
        "``extra_forbidden``...), or a left-out reason of the product "
        "(``unknown_reference:<product>``, ``test_record``)."
    )
    field: str | None = column(
        "The message field the rule is about (dotted path), if any.", default=None
    )
    detail: str = column("What is wrong, in words, with the offending value.")
    event_id: str | None = column(
        "The event id the message carries, when it could be read.", default=None
    )
    raw_payload: str = column(
        "The message's data as received (bytes that are not UTF-8 replaced), for replay."
    )
    run_id: str = column("The consumer's batch that dead-lettered it.")
    recorded_at: dt.datetime = column("When the batch recorded it (UTC).")


def dead_letter_name(product: str) -> str:
    """The dead-letter table's name of ``product``."""
    return f"{product}{DEAD_LETTER_SUFFIX}"


@cache
def dead_letter_contract(contract: type[DataContract]) -> type[DataContract]:
    """The contract of ``contract``'s dead-letter table (internal to its domain)."""
    meta = contract.meta()
    return type(
        "DeadLetters",
        (DeadLetterRow,),
        {
            "__doc__": f"The messages of {meta.key}'s stream it could not take, with why.",
            "__annotations__": {"raw_payload": "str"},
            "raw_payload": column(
                "The message's data as received (bytes that are not UTF-8 replaced), for replay.",
                classification=held_classification(contract),
                rationale=HELD_RATIONALE,
            ),
        },
        domain=meta.domain,
        product=dead_letter_name(meta.product),
        owner=meta.owner,
        grain=("message_id",),
        access=AccessLevel.INTERNAL,
        tier="internal",
        register=False,
    )


__all__ = ["DEAD_LETTER_SUFFIX", "DeadLetterRow", "dead_letter_contract", "dead_letter_name"]
