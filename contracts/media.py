"""Contracts of the media domain (team Paid Media).

Paid media spend and results by day, campaign and market, and the audience
suppression list that stops booking ads to customers who have already booked and
moves them to in-resort offers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.common import (
    DAILY,
    HOURLY,
    PAID_MEDIA,
    BookingId,
    Count,
    CountryCode,
    CustomerId,
    Date,
    MoneyEUR,
    Rate,
    VillageId,
)
from contracts.customers.customer_consent import consent_for
from mesh_platform.contract import (
    Classification,
    DataContract,
    Privacy,
    Semantic,
    Tolerance,
    column,
)

MediaCampaignId = Annotated[
    str,
    StringConstraints(pattern=r"^MC[0-9]{5}$"),
    Semantic("media_campaign_id", "Identifier of a paid media campaign across platforms."),
    Field(examples=["MC00017"]),
]
"""Identifier of a paid media campaign (distinct from CRM campaign ids)."""

Audience = Literal["booking_ads", "in_resort_offers"]
"""Advertising audiences: ads that sell a stay, and offers for a stay already booked."""


class MediaSpend(
    DataContract,
    domain="media",
    product="media_spend",
    version="1.0.0",
    owner=PAID_MEDIA,
    grain=("spend_date", "media_campaign_id", "country_code"),
    freshness=DAILY,
    tags=("media", "marketing", "cost"),
    # Rows the platforms report twice (0.3% declared by the simulation, 0.27% measured
    # on a tiny world): 1% allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.01}),
):
    """Daily spend and results of every paid media campaign, per market.

    Grain: (``spend_date``, ``media_campaign_id``, ``country_code``). Source: the
    advertising platforms' daily reports (Google Marketing Platform, social
    networks), converted to euros at the day's rate. ``conversions`` and
    ``conversion_value_eur`` are the platform-reported bookings and their amount.
    A campaign has one platform, channel, target and content, repeated on its
    rows. ``ctr`` = clicks / impressions and ``cost_per_conversion_eur`` = spend /
    conversions are null when their denominator is 0.
    """

    spend_date: Date = column("Day of delivery.")
    media_campaign_id: MediaCampaignId = column("The media campaign.")
    campaign_name: str = column(
        "Name of the media campaign on the platform.",
        min_length=1,
        max_length=128,
        examples=["FR_WINTER_SKI_PROSPECTING"],
    )
    platform: Literal["google_ads", "display_video_360", "meta", "tiktok"] = column(
        "Advertising platform that delivered the campaign."
    )
    channel: Literal["paid_search", "display", "paid_social", "video"] = column(
        "Media channel of the campaign."
    )
    target: Literal["prospect", "customer"] = column(
        "Who the campaign targets: prospects or known customers."
    )
    content: Literal["booking", "in_resort_offer", "brand"] = column(
        "What the ads push: a stay to book, an offer during a booked stay, or the brand."
    )
    country_code: CountryCode = column("Market (country) the spend was delivered in.")
    spend_eur: MoneyEUR = column("Media cost of the day, in euros.", ge=0)
    impressions: Count = column("Ads displayed.")
    clicks: Count = column("Clicks on the ads.")
    conversions: float = column(
        "Bookings the platform attributes to the day's ads; modelled, so it may be fractional.",
        ge=0,
    )
    conversion_value_eur: MoneyEUR = column(
        "Amount of the reported bookings, euros taxes included.", ge=0
    )
    ctr: Rate | None = column("clicks / impressions; null without impressions.", default=None)
    cost_per_conversion_eur: MoneyEUR | None = column(
        "spend_eur / conversions; null without conversions.", default=None, ge=0
    )


class AudienceSuppression(
    DataContract,
    domain="media",
    product="audience_suppression",
    version="1.0.0",
    owner=PAID_MEDIA,
    grain=("customer_id", "audience", "reason", "valid_from"),
    freshness=HOURLY,
    tags=("media", "audiences", "activation", "gdpr"),
    # A row that puts a customer into an audience needs the advertising consent;
    # suppressions need none (they keep people out).
    privacy=Privacy(
        consent=consent_for("marketing", "advertising", applies_to="action = 'in_resort_offer'")
    ),
):
    """Customers to leave out of, or move into, advertising audiences, and until when.

    Grain: (``customer_id``, ``audience``, ``reason``, ``valid_from``). Sources:
    ``bookings.bookings`` and ``customers.customer_consent``.

    - ``already_booked``: a customer with a confirmed, not cancelled booking whose
      stay has not ended gets, from the booking date to the departure date,
      ``suppress`` on ``booking_ads`` (no more ads selling a stay already bought)
      and, when the customer holds a valid advertising consent, ``in_resort_offer``
      on ``in_resort_offers`` (offers for the stay: activities, upgrades).
      ``booking_id`` and ``village_id`` name the stay. Overlapping periods of one
      customer's bookings are merged into one row naming the latest departure's booking.
    - ``no_consent``: a customer without a valid advertising consent gets
      ``suppress`` on both audiences from the day the consent is missing or was
      withdrawn, open-ended (``valid_to`` null).

    A row applies on days ``valid_from`` <= day <= ``valid_to`` (or from
    ``valid_from`` on when ``valid_to`` is null). Platforms receive the list of
    rows valid today.
    """

    customer_id: CustomerId = column(
        "The customer concerned.",
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Resolved customer identifier: links the row to one person (pseudonymous), "
            "so indirect PII under GDPR; needed to activate the audience lists."
        ),
        references="customers.customer_profile.customer_id",
    )
    audience: Audience = column("The advertising audience the row acts on.")
    valid_from: Date = column("First day the action applies.")
    valid_to: Date | None = column(
        "Last day the action applies (departure day); null when open-ended.", default=None
    )
    action: Literal["suppress", "in_resort_offer"] = column(
        "suppress: leave the audience; in_resort_offer: enter it for in-resort offers."
    )
    reason: Literal["already_booked", "no_consent"] = column("Why the action is taken.")
    booking_id: BookingId | None = column(
        "The booking that triggered the row; null for no_consent.",
        default=None,
        references="bookings.bookings.booking_id",
    )
    village_id: VillageId | None = column(
        "Village of the booked stay, to choose the in-resort offers; null for no_consent.",
        default=None,
        references="resorts.villages.village_id",
    )
