"""The twelve domains of the mesh, in one place."""

from __future__ import annotations

DOMAINS: tuple[str, ...] = (
    "customers",
    "bookings",
    "sales",
    "products",
    "resorts",
    "reviews",
    "campaigns",
    "web",
    "telephony",
    "media",
    "customer_intelligence",
    "territory",
)
