"""Contracts of the customers domain (team CRM & Identity).

The client master extracts of the source systems (the CRM contact base and the
reservation system's customer records) hold the same people several times, typed
differently. The customers domain resolves them into one clean customer each,
normalises names, addresses, e-mails and phones, groups customers into households
and publishes the contact permissions per channel. Every other domain identifies
people through these products: the source records' identifiers are translated by
``customers.customer_identity_map``.

One module per product (``customers/<product>.py``), and ``shared.py`` for the value sets
and PII rationales they share; every name is importable from ``contracts.customers``.
"""

from contracts.customers.customer_consent import CustomerConsent, consent_for
from contracts.customers.customer_identity_map import CustomerIdentityMap
from contracts.customers.customer_profile import CustomerProfile
from contracts.customers.households import Households
from contracts.customers.identity_resolution import IdentityResolution
from contracts.customers.shared import (
    AddressStatus,
    Composition,
    ConsentChannel,
    ConsentSource,
    ContactQuality,
    MatchRule,
)

__all__ = [
    "AddressStatus",
    "Composition",
    "ConsentChannel",
    "ConsentSource",
    "ContactQuality",
    "CustomerConsent",
    "CustomerIdentityMap",
    "CustomerProfile",
    "Households",
    "IdentityResolution",
    "MatchRule",
    "consent_for",
]
