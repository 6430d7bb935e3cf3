"""``customers.households``: the customers living at one postal address, and their stays."""

from __future__ import annotations

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    Count,
    CountryCode,
    CustomerId,
    Date,
    DepartmentCode,
    HouseholdId,
    IrisCode,
    Season,
)
from contracts.customers.shared import (
    CUSTOMER_RATIONALE,
    HOUSEHOLD_RATIONALE,
    LOCATION_RATIONALE,
    Composition,
)
from mesh_platform.contract import Classification, DataContract, column


class Households(
    DataContract,
    domain="customers",
    product="households",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("household_id",),
    freshness=DAILY,
    tags=("crm", "households"),
):
    """One row per household: the customers living at one postal address, and their stays.

    Grain: ``household_id``, every household of ``customers.customer_profile``.
    Sources: ``customers.customer_profile`` (members, address), ``bookings.bookings``
    (stays) and ``territory.iris_zones`` (the IRIS zone of French addresses).

    - ``adults``: the customers of the household (customer records are adults).
    - ``children``: the largest number of children on a booking of a member whose
      arrival falls in the last five seasons (0 without such booking).
    - ``composition``: ``family`` when children > 0, else ``single`` for one adult,
      ``couple`` for two, ``group`` for three or more.
    - A *stay* is a booking of a member in ``bookings.bookings`` that is not
      cancelled and whose arrival date has passed; ``stays``, ``first_stay_season``
      and ``last_stay_season`` (season of the arrival) count and bound them.
    - Address columns are the household's normalised address; ``department_code`` and
      ``iris_code`` are set for addresses in France only (``iris_code`` when the
      address could be geocoded); ``country_code`` is the address country, or the
      market of the reference customer for a household without address.
    """

    household_id: HouseholdId = column(
        "Household identifier.",
        classification=Classification.INDIRECT_PII,
        rationale=HOUSEHOLD_RATIONALE,
    )
    reference_customer_id: CustomerId = column(
        "The household's reference customer: its member created first.",
        classification=Classification.INDIRECT_PII,
        rationale=CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    size: int = column("People in the household: adults + children.", ge=1)
    adults: int = column("Adults: the customers of the household.", ge=1)
    children: Count = column("Children, from the members' bookings of the last five seasons.")
    composition: Composition = column("Composition of the household.")
    market: CountryCode = column("Market of the reference customer.")
    country_code: CountryCode = column("Country of the address (or the market without one).")
    postal_code: str | None = column(
        "Postal code of the address; null without address.",
        default=None,
        min_length=2,
        max_length=10,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
    )
    city: str | None = column(
        "City of the address; null without address.",
        default=None,
        min_length=1,
        max_length=100,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
    )
    department_code: DepartmentCode | None = column(
        "French department of the address, from the postal code; null outside France.",
        default=None,
    )
    iris_code: IrisCode | None = column(
        "INSEE IRIS zone of the address; null outside France or when not geocoded.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
        references="territory.iris_zones.iris_code",
    )
    has_valid_address: bool = column("True when the household's address quality is valid.")
    created_date: Date = column("Creation date of the household's first member.")
    stays: Count = column("Stays of the household's members (bookings not cancelled, arrived).")
    first_stay_season: Season | None = column(
        "Season of the first stay; null without stay.", default=None
    )
    last_stay_season: Season | None = column(
        "Season of the latest stay; null without stay.", default=None
    )
