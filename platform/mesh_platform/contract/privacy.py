"""What a contract declares about privacy beyond its columns' classifications.

A product used to contact or target people declares the :class:`Consent` its
customers must hold; the platform derives a blocking in-warehouse check from it
(``consent__<column>``, :mod:`mesh_platform.privacy.consent`). A product that
aggregates personal data declares the smallest group it publishes
(``min_group_size``): the governance lint accepts an aggregate of a PII column as
anonymous only when the query keeps groups that large
(:mod:`mesh_platform.privacy.pii_lineage`).

Example:
    >>> consent = Consent(purpose="marketing", channels=("email",),
    ...                   source="customers.customer_consent")
    >>> Privacy(consent=consent).consent.channels
    ('email',)
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Purpose = Literal["marketing", "profiling", "service", "analytics"]
"""Why personal data is processed: contacting people to sell (``marketing``), scoring
them (``profiling``), serving their bookings (``service``), measuring (``analytics``)."""


class Consent(BaseModel):
    """The consent every customer of a product must hold when the product is built.

    The register is a product with one row per customer and channel saying whether the
    customer may be contacted on it: a row of the product passes when its customer has
    a row of the register, on one of ``channels``, whose ``register_flag`` is true.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: Purpose = Field(description="Why the product's customers are processed.")
    channels: tuple[str, ...] = Field(
        min_length=1, description="Channels the product is used on; consent on one is enough."
    )
    source: str = Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="The consent register, domain.product.",
    )
    column: str = Field("customer_id", description="This product's customer column.")
    register_customer: str = Field("customer_id", description="The register's customer column.")
    register_channel: str | None = Field(
        "channel", description="The register's channel column (none: one row per customer)."
    )
    register_flag: str | None = Field(
        "is_contactable",
        description="The register's column that is true when consented (none: a row is one).",
    )
    applies_to: str | None = Field(
        None,
        description="A GoogleSQL condition on the product's rows the consent applies to "
        "(default: every row), e.g. rows that put a customer into an audience.",
    )

    def describe(self) -> str:
        """The promise, for people."""
        where = f" ({self.applies_to})" if self.applies_to else ""
        channels = " or ".join(self.channels)
        flag = f" ({self.register_flag})" if self.register_flag else ""
        return (
            f"every {self.column}{where} holds a valid {channels} consent in {self.source}"
            f"{flag} for {self.purpose}"
        )


class Privacy(BaseModel):
    """A product's privacy declarations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    consent: Consent | None = Field(
        None, description="The consent the product's customers must hold."
    )
    min_group_size: int | None = Field(
        None, ge=2, description="The smallest group of people an aggregate row may describe."
    )
