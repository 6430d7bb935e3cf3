"""``customers.customer_consent``: whether each customer may be contacted on each channel."""

from __future__ import annotations

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    CustomerId,
    Date,
)
from contracts.customers.shared import (
    CUSTOMER_RATIONALE,
    ConsentChannel,
    ConsentSource,
)
from mesh_platform.contract import (
    Classification,
    Consent,
    DataContract,
    Purpose,
    Tolerance,
    column,
)


class CustomerConsent(
    DataContract,
    domain="customers",
    product="customer_consent",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("customer_id", "channel"),
    freshness=DAILY,
    tags=("gdpr", "consent", "crm"),
    # The identity map is built from the same CRM extract, so every record has its
    # customer: a record left out means the map is stale; none allowed.
    tolerance=Tolerance(),
):
    """Whether each customer may be contacted on each channel, and since when.

    Grain: (``customer_id``, ``channel``): every customer of
    ``customers.customer_profile`` has exactly one row per channel (five rows).
    Sources: the central opt-in flags of the client master extracts (the seed's
    ``*_OPT_IN_CENTRAL`` columns: e-mail, mobile, the two landlines, postal address,
    and the advertising opt-in of the preference centre) with the dates and origins
    of the decisions, and the quality flags of ``customers.customer_profile``.

    - ``opted_in``: the customer's latest decision on the channel is an opt-in (when
      resolved records disagree, the most recent decision wins; no decision = false).
      ``sms`` uses the mobile's opt-in, ``phone`` the mobile's or a landline's,
      ``postal`` the address's, ``advertising`` the preference centre's.
    - ``is_valid``: the channel's contact point is ``valid`` in the profile (e-mail;
      mobile for sms; mobile or a landline for phone; address for postal; e-mail or
      mobile for advertising, the keys of customer-match audiences).
    - ``is_contactable`` = ``opted_in`` and ``is_valid``: the only flag a campaign,
      call list or audience may select on.
    """

    customer_id: CustomerId = column(
        "The customer.",
        classification=Classification.INDIRECT_PII,
        rationale=CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    channel: ConsentChannel = column("The contact channel.")
    opted_in: bool = column("True when the customer's latest decision is an opt-in.")
    is_valid: bool = column("True when the channel's contact point is valid.")
    is_contactable: bool = column("opted_in and is_valid: the customer may be contacted.")
    consent_date: Date | None = column(
        "Date of the latest opt-in or opt-out decision; null when none was recorded.",
        default=None,
    )
    source: ConsentSource | None = column(
        "Where the latest decision was collected; null when none was recorded.", default=None
    )


def consent_for(
    purpose: Purpose, *channels: ConsentChannel, applies_to: str | None = None
) -> Consent:
    """The consent a product's customers must hold, in this register: valid
    (``is_contactable``) on one of ``channels`` for ``purpose``, on the rows
    ``applies_to`` selects (a GoogleSQL condition; every row by default)."""
    return Consent(
        purpose=purpose,
        channels=channels,
        source=CustomerConsent.meta().key,
        register_customer="customer_id",
        register_channel="channel",
        register_flag="is_contactable",
        applies_to=applies_to,
    )
