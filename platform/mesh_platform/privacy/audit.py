"""The erasure register: the audit of every erasure and the suppression list.

Both are contracted like products (their DDL and JSON Schema derive from these
contracts) but written only by ``mesh gdpr erase``, append-only, in the platform's own
``privacy`` schema (a dataset on BigQuery): no build replaces them and no consumer
reads them through the published replica. The audit answers the supervisory
authority (who erased whom, when, why, where, how many rows); the suppression list
is what later builds and the landing honour so that an erased person never comes back.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from mesh_platform.contract import AccessLevel, Classification, DataContract, Owner, column

PRIVACY_SCHEMA = "privacy"
"""The schema (dataset) of the erasure register."""

DATA_PROTECTION = Owner(team="Data Protection", contact="dpo@trident.example")

_SUBJECT = (
    "Identifies the person who asked for erasure: kept, as GDPR article 17(3) and the "
    "accountability principle allow, to prove the erasure and to keep the person out."
)


class ErasureAudit(
    DataContract,
    domain=PRIVACY_SCHEMA,
    product="erasure_audit",
    version="1.0.0",
    owner=DATA_PROTECTION,
    grain=("erasure_id",),
    access=AccessLevel.INTERNAL,
    tags=("gdpr", "audit", "append-only"),
    register=False,
):
    """One row per erasure: who asked it, when, why, and what it removed, table by table.

    Append-only: ``mesh gdpr erase`` adds a row after the deletions commit; nothing
    updates or deletes one.
    """

    erasure_id: str = column("The erasure, a UUID.", min_length=36, max_length=36)
    customer_id: str = column(
        "The resolved customer erased.",
        classification=Classification.INDIRECT_PII,
        rationale=_SUBJECT,
    )
    requested_by: str = column("Who ran the erasure (the operator's login).", min_length=1)
    reason: str = column("Why: the request's reference and ground.", min_length=1)
    erased_at: dt.datetime = column("When the erasure committed (UTC).")
    engine: str = column("The warehouse it ran on.")
    tables: str = column('The tables and rows removed, as JSON: [{"table": ..., "rows": n}, ...].')
    rows_erased: int = column("Rows removed in all, over every table.", ge=0)


class ErasureSuppression(
    DataContract,
    domain=PRIVACY_SCHEMA,
    product="erasure_suppression",
    version="1.0.0",
    owner=DATA_PROTECTION,
    grain=("kind", "identifier"),
    access=AccessLevel.INTERNAL,
    tags=("gdpr", "suppression", "append-only"),
    register=False,
):
    """The identifiers of erased people: no build publishes a row holding one, and the
    landing zone drops the source records that hold one.

    ``kind`` says what the identifier is: ``customer_id`` (a resolved customer),
    ``household_id`` (the household of a person who was its only member) or
    ``source_customer_id`` (a record of a source system).
    """

    kind: Literal["customer_id", "household_id", "source_customer_id"] = column(
        "What the identifier identifies."
    )
    identifier: str = column(
        "The identifier.", classification=Classification.INDIRECT_PII, rationale=_SUBJECT
    )
    erasure_id: str = column("The erasure that added it (erasure_audit).")
    added_at: dt.datetime = column("When it was added (UTC).")
