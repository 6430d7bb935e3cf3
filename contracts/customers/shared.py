"""What the contracts of the customers domain share: value sets and PII rationales."""

from __future__ import annotations

from typing import Annotated, Literal

from mesh_platform.contract import Semantic

SourceCustomerId = Annotated[
    str,
    Semantic(
        "source_customer_id",
        "A customer record's identifier in its source system, as extracted: the key "
        "that finds a person's rows in the landing zone.",
    ),
]

ContactQuality = Literal["valid", "invalid", "missing"]
"""Quality of a contact point (the seed's ``INT_CLIENT_QUALITE_*_VALIDE`` flags):
``valid`` usable, ``invalid`` present in a source but unusable (malformed, unknown
address, number not attributable, e-mail bouncing), ``missing`` in no source."""

ConsentChannel = Literal["email", "sms", "phone", "postal", "advertising"]
"""Channels a customer may be contacted on: e-mail campaigns, SMS, phone calls,
postal mail, and personalised advertising (customer-match audiences on the
advertising platforms)."""

ConsentSource = Literal["web", "call_centre", "agency", "village", "unsubscribe_link", "migration"]
"""Where a consent decision was collected; ``migration`` for decisions carried over
from a former system without their origin."""

Composition = Literal["single", "couple", "family", "group"]
"""Composition of a household, from its adults and children."""

MatchRule = Literal["first", "email", "name_birth_date", "name_mobile_phone"]
"""Why a source record joined its customer: the customer's earliest record, or the
first identity-resolution rule that matched it."""

AddressStatus = Literal["valid", "complete", "partial", "missing"]
"""State of one source record's postal address: ``valid`` (complete, accepted by the
CRM's check, postal code in the country's form), ``complete`` (line 1, postal code,
city and country given, but not valid), ``partial`` (some of them given), ``missing``
(none given)."""

CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the row to one person (pseudonymous), so "
    "indirect PII under GDPR; the join key of every customer-level use (CRM, service)."
)
HOUSEHOLD_RATIONALE = (
    "Household identifier: designates the people living at one address (pseudonymous), "
    "so indirect PII under GDPR; needed for household-level loyalty analysis."
)
CONTACT_RATIONALE = (
    "Contact data of an identified person (direct PII under GDPR); processed to perform "
    "the stay contract (confirmations, service) and, with consent, for marketing."
)
IDENTITY_RATIONALE = (
    "Identifies a person directly (direct PII under GDPR); needed to recognise the "
    "customer across channels and to address documents and messages."
)
LOCATION_RATIONALE = (
    "Coarse location of a person's home: identifies nobody alone but narrows a person "
    "down when combined (indirect PII under GDPR); used for market and territory analysis."
)
SOURCE_RECORD_RATIONALE = (
    "Identifier of a person's record in an operational system (indirect PII "
    "under GDPR); needed to translate source identifiers into clean ones."
)
NAME_KEY_RATIONALE = (
    "A person's name in matching form (direct PII under GDPR, like the name itself); "
    "needed to recognise the same person across source records."
)
