"""``customers.customer_identity_map``: the resolved customer of each source record."""

from __future__ import annotations

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    CustomerId,
    Date,
)
from contracts.customers.shared import (
    CUSTOMER_RATIONALE,
    SOURCE_RECORD_RATIONALE,
    MatchRule,
    SourceCustomerId,
)
from mesh_platform.contract import Classification, DataContract, column


class CustomerIdentityMap(
    DataContract,
    domain="customers",
    product="customer_identity_map",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("source_system", "source_customer_id"),
    freshness=DAILY,
    tags=("identity", "crm", "pii"),
):
    """Which resolved customer each source record became: the key to clean identifiers.

    Grain: (``source_system``, ``source_customer_id``): every customer record of every
    client master extract, once. Source: the same extracts and resolution as
    ``customers.customer_profile`` (see its description for the matching rules).
    Other domains translate the customer identifiers of their own sources (the
    reservation system's customer on a booking, the CRM contact of a campaign send)
    into ``customer_id`` with this product, so that one person has one identifier
    across the mesh. ``match_rule`` says why a record joined its customer: ``first``
    for the customer's earliest record, otherwise the first rule that matched it
    to an earlier record (``email``, then ``name_birth_date``, then
    ``name_mobile_phone``). Exactly one record per customer is ``first``.
    """

    source_system: str = column(
        "Source system of the record, in snake_case (e.g. crm, reservations).",
        pattern=r"^[a-z][a-z_]{1,31}$",
        examples=["crm", "reservations"],
    )
    source_customer_id: SourceCustomerId = column(
        "Identifier of the record in its source system, as extracted.",
        min_length=1,
        max_length=64,
        classification=Classification.INDIRECT_PII,
        rationale=SOURCE_RECORD_RATIONALE,
        examples=["284034"],
    )
    customer_id: CustomerId = column(
        "The resolved customer the record belongs to.",
        classification=Classification.INDIRECT_PII,
        rationale=CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    match_rule: MatchRule = column(
        "Why the record joined its customer: first record, or the rule that matched it."
    )
    record_created_date: Date = column("Creation date of the record in its source.")
