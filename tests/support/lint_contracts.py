"""Hand-made contracts for the governance lint: a clean set and one bad contract per rule.

None of them is registered in the mesh. :data:`CLEAN` lints clean on its own; each bad
contract, linted together with :data:`CLEAN`, breaks exactly one rule once, as
:data:`BAD_CASES` says (product, column, rule).
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from pydantic import Field

from contracts.common import (
    CRM_IDENTITY,
    RESERVATIONS,
    BookingId,
    CountryCode,
    CustomerId,
    Email,
    HouseholdId,
)
from mesh_platform.contract import (
    AccessLevel,
    Classification,
    DataContract,
    Deprecation,
    Reconciliation,
    column,
)

ContractT = TypeVar("ContractT", bound=type[DataContract])

_RATIONALE = "Links the row to one person; needed to serve the customer."


def in_domain_module(contract: ContractT) -> ContractT:
    """Mark a test contract as declared in ``contracts/<domain>.py``, as the mesh's are."""
    contract.__module__ = f"contracts.{contract.meta().domain}"
    return contract


# --- the clean set ---------------------------------------------------------------------


@in_domain_module
class LintCustomer(
    DataContract,
    domain="customers",
    product="lint_customer",
    version="1.2.0",
    owner=CRM_IDENTITY,
    grain=("customer_id",),
    register=False,
):
    """One row per customer."""

    customer_id: CustomerId = column(
        "The customer.", classification=Classification.INDIRECT_PII, rationale=_RATIONALE
    )
    email: Email = column(
        "Contact e-mail.", classification=Classification.DIRECT_PII, rationale=_RATIONALE
    )
    country: CountryCode = column("Country of residence.")


@in_domain_module
class LintHousehold(
    DataContract,
    domain="customers",
    product="lint_household",
    owner=CRM_IDENTITY,
    grain=("household_id",),
    access=AccessLevel.INTERNAL,
    register=False,
):
    """One row per household (internal to the customers domain)."""

    household_id: HouseholdId = column("The household.")
    members: int = column("Customers in the household.", ge=1)


@in_domain_module
class LintHouseholdMember(
    DataContract,
    domain="customers",
    product="lint_household_member",
    owner=CRM_IDENTITY,
    grain=("household_id", "customer_id"),
    access=AccessLevel.INTERNAL,
    register=False,
):
    """One row per customer of a household: an internal product may reference an internal one."""

    household_id: HouseholdId = column(
        "The household.", references="customers.lint_household.household_id"
    )
    customer_id: CustomerId = column(
        "The customer.",
        classification=Classification.INDIRECT_PII,
        rationale=_RATIONALE,
        references="customers.lint_customer.customer_id",
    )


@in_domain_module
class LintBooking(
    DataContract,
    domain="bookings",
    product="lint_booking",
    version="2.0.1",
    owner=RESERVATIONS,
    grain=("booking_id",),
    register=False,
):
    """One row per booking: a public product referencing a public product of another domain."""

    booking_id: BookingId = column("The booking.")
    customer_id: CustomerId = column(
        "The booking customer.",
        classification=Classification.INDIRECT_PII,
        rationale=_RATIONALE,
        references="customers.lint_customer.customer_id",
    )
    nights: int | None = column("Nights booked.", default=None, ge=1)


CLEAN: dict[str, type[DataContract]] = {
    c.meta().key: c for c in (LintCustomer, LintHousehold, LintHouseholdMember, LintBooking)
}
"""Contracts that break no rule, by ``domain.product``."""


# --- one bad contract per rule -----------------------------------------------------------


@in_domain_module
class NoOwner(DataContract, domain="bookings", product="no_owner", grain=("id",), register=False):
    """One row per thing."""

    id: int = column("Identifier.")


@in_domain_module
class NoDescription(
    DataContract,
    domain="bookings",
    product="no_description",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    id: int = column("Identifier.")


@in_domain_module
class UndescribedColumn(
    DataContract,
    domain="bookings",
    product="undescribed_column",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    weight: float = Field(ge=0)


@in_domain_module
class BadVersion(
    DataContract,
    domain="bookings",
    product="bad_version",
    version="1.0",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")


@in_domain_module
class UnknownGrain(
    DataContract,
    domain="bookings",
    product="unknown_grain",
    owner=RESERVATIONS,
    grain=("id", "season"),
    register=False,
):
    """One row per thing and season."""

    id: int = column("Identifier.")


@in_domain_module
class NoGrain(
    DataContract, domain="bookings", product="no_grain", owner=RESERVATIONS, register=False
):
    """Rows of things."""

    id: int = column("Identifier.")


@in_domain_module
class UnknownProductReference(
    DataContract,
    domain="bookings",
    product="unknown_product_reference",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    village_id: str = column("The village.", references="resorts.lint_village.village_id")


@in_domain_module
class UnknownColumnReference(
    DataContract,
    domain="bookings",
    product="unknown_column_reference",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    household_id: HouseholdId = column(
        "The household.", references="customers.lint_customer.household_id"
    )


@in_domain_module
class MalformedReference(
    DataContract,
    domain="bookings",
    product="malformed_reference",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    country: CountryCode = column("Country.", references="customers.lint_customer")


@in_domain_module
class PublicReferencesInternal(
    DataContract,
    domain="customers",
    product="public_references_internal",
    owner=CRM_IDENTITY,
    grain=("household_id",),
    register=False,
):
    """One row per household, public, yet pointing at the internal household product."""

    household_id: HouseholdId = column(
        "The household.", references="customers.lint_household.household_id"
    )


@in_domain_module
class PiiWithoutRationale(
    DataContract,
    domain="customers",
    product="pii_without_rationale",
    owner=CRM_IDENTITY,
    grain=("customer_id",),
    register=False,
):
    """One row per customer."""

    customer_id: CustomerId = column(
        "The customer.", classification=Classification.INDIRECT_PII, rationale=_RATIONALE
    )
    phone: str = column("Mobile phone.", classification=Classification.DIRECT_PII)


@in_domain_module
class ReferenceTypeMismatch(
    DataContract,
    domain="bookings",
    product="reference_type_mismatch",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    country: int = column("Country number.", references="customers.lint_customer.country")


@in_domain_module
class UnknownDomain(
    DataContract,
    domain="spa",
    product="treatments",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per spa treatment."""

    id: int = column("Identifier.")


class WrongModule(
    DataContract,
    domain="bookings",
    product="wrong_module",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing, declared outside ``contracts/bookings.py``."""

    id: int = column("Identifier.")


@in_domain_module
class BadProductName(
    DataContract,
    domain="bookings",
    product="BadProductName",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")


@in_domain_module
class BadColumnName(
    DataContract,
    domain="bookings",
    product="bad_column_name",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing."""

    id: int = column("Identifier.")
    bookingDate: str = column("Booking date, camelCase.")  # noqa: N815


@in_domain_module
class UnreadableColumn(
    DataContract,
    domain="bookings",
    product="unreadable_column",
    owner=RESERVATIONS,
    grain=("id",),
    register=False,
):
    """One row per thing, with a column type the contract model cannot read."""

    id: int = column("Identifier.")
    labels: list[str] = column("Free labels.")


@in_domain_module
class DeprecatedForNothing(
    DataContract,
    domain="bookings",
    product="lint_stays_v1",
    version="1.4.0",
    owner=RESERVATIONS,
    grain=("id",),
    deprecation=Deprecation(until=date(2030, 1, 31), replaced_by="bookings.lint_stays"),
    register=False,
):
    """One row per stay, as version 1 published it."""

    id: int = column("Identifier.")


@in_domain_module
class ReconciledWithNothing(
    DataContract,
    domain="bookings",
    product="lint_nights",
    owner=RESERVATIONS,
    grain=("id",),
    reconciliations=(
        Reconciliation(
            name="nights_match",
            description="Nights agree with the stays.",
            measure="SUM(nights)",
            against="bookings.lint_nowhere",
            against_measure="SUM(nights)",
        ),
    ),
    register=False,
):
    """One row per night count."""

    id: int = column("Identifier.")
    nights: int = column("Nights.", ge=0)


BAD_CASES: list[tuple[type[DataContract], str | None, str]] = [
    (NoOwner, None, "missing_owner"),
    (NoDescription, None, "missing_description"),
    (UndescribedColumn, "weight", "missing_description"),
    (BadVersion, None, "invalid_version"),
    (UnknownGrain, "season", "unknown_grain_column"),
    (NoGrain, None, "unknown_grain_column"),
    (UnknownProductReference, "village_id", "unknown_reference"),
    (UnknownColumnReference, "household_id", "unknown_reference"),
    (MalformedReference, "country", "unknown_reference"),
    (PublicReferencesInternal, "household_id", "public_references_internal"),
    (PiiWithoutRationale, "phone", "pii_without_rationale"),
    (ReferenceTypeMismatch, "country", "reference_type_mismatch"),
    (UnknownDomain, None, "domain_mismatch"),
    (WrongModule, None, "domain_mismatch"),
    (BadProductName, None, "product_name"),
    (BadColumnName, "bookingDate", "product_name"),
    (UnreadableColumn, "labels", "unreadable_column"),
    (DeprecatedForNothing, None, "deprecation"),
    (ReconciledWithNothing, None, "reconciliation"),
]
"""Each bad contract with the one finding it produces: (contract, column, rule)."""
