"""Contracts of the campaigns domain (team CRM Marketing).

The campaign history is the e-mail and SMS router's send log: one row per message
sent to one customer, with its opens, clicks and unsubscription. The campaign
attributes the CRM lab's appetence model learns from (main and secondary highlight,
subject type, cycle) are carried on every send, so that the history is usable
without a second referential.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.common import (
    CRM_MARKETING,
    DAILY,
    WEEKLY,
    CampaignId,
    Count,
    CustomerId,
    LanguageCode,
    MoneyEUR,
    Rate,
    Season,
    Timestamp,
)
from mesh_platform.contract import Classification, DataContract, Semantic, Tolerance, column

SendId = Annotated[
    str,
    StringConstraints(pattern=r"^SD[0-9]{10}$"),
    Semantic("send_id", "Identifier of one message sent to one customer by the campaign router."),
    Field(examples=["SD0001234567"]),
]
"""Identifier of one campaign send; the grain of ``campaigns.campaign_sends``."""

Channel = Literal["email", "sms"]
"""The medium of a send (the seed's ``ORI_CAMPAGNE_TEL_OU_EMAIL``)."""

MainHighlight = Literal["NEWS", "VIDEO", "EVENT"]
"""What a message puts forward first (the seed's "mise en avant principale":
NEWS, VIDEO, EVENEMENT)."""

SecondaryHighlight = Literal["SOCIAL", "MAP", "LIVE", "WEATHER"]
"""The secondary block of a message (the seed's "mise en avant annexe": RS for
social networks, PLAN for the piste map, LIVE for the webcams, METEO for the weather)."""

SubjectType = Literal["SENSATION", "EXCLAMATION", "QUESTION", "SKIER", "RESORT_NAME", "TIME"]
"""The kind of words a subject line uses (the seed's "type d'objet": SENSATION,
EXCLAMMATIF, QUESTION, SKIER, the destination's name, TEMPS for time and urgency words)."""

CycleLabel = Literal["ANNUAL", "STAY", "POWDER_ALARM"]
"""The programme a campaign belongs to: the annual marketing calendar, the stay cycle
(mails triggered by a booking: before, during and after the stay) or the powder alarm
(the fresh-snow alert)."""

RegisterLabel = Literal["PROMOTIONAL", "INFORMATIONAL", "RELATIONAL"]
"""The register (tone and intent) of a campaign."""

_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the row to one person (pseudonymous), so "
    "indirect PII under GDPR; needed to measure engagement per individual."
)


class CampaignSends(
    DataContract,
    domain="campaigns",
    product="campaign_sends",
    version="1.0.0",
    owner=CRM_MARKETING,
    grain=("send_id",),
    freshness=DAILY,
    tags=("crm", "campaigns", "engagement"),
    # Sends to CRM records erased since (absent from the identity map) cannot be
    # attributed: 0.2% of the simulated sends, 1% allowed. A send of a campaign the
    # master does not list is a broken extract: none allowed.
    tolerance=Tolerance(left_out={"unknown_reference:customers.customer_identity_map": 0.01}),
):
    """One row per campaign message sent to one customer, with what the customer did with it.

    Grain: ``send_id``. Source: the campaign router's send log, opens and clicks
    (the seed's campaign table, 7,060,577 sends, 2,437,522 opens and 311,029 clicks),
    with the customer resolved to the clean customer identifier of
    ``customers.customer_profile``. Opens and clicks are counted until the product is
    built; SMS opens are not tracked (``opens_count`` is 0 and ``is_opener`` false).
    A click without a recorded open is possible (images blocked by the mail client).
    ``is_opener`` is true exactly when ``opens_count`` > 0, ``last_opened_at`` is set
    exactly when ``is_opener`` is true, and ``last_clicked_at`` exactly when
    ``clicks_count`` > 0. The campaign attributes (template, subject, highlights,
    cycle, register, theme) are the campaign's and are the same on all its sends.
    """

    send_id: SendId = column("Identifier of this send.")
    campaign_id: CampaignId = column(
        "Campaign master identifier (the seed's INT_CAMPAGNE_MASTER_ID); "
        "the grain of campaigns.campaign_engagement."
    )
    customer_id: CustomerId = column(
        "The recipient, as a resolved customer (the seed's NOR_CAMPAGNE_CLIENT_CLEAN_ID).",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    template_name: str = column(
        "Name of the message template (the seed's NOR_CAMPAGNE_TEMPLATE_NOM).",
        min_length=1,
        max_length=128,
        examples=["WINTER_EARLY_BOOKING_V2"],
    )
    subject: str = column(
        "Subject line of an e-mail, or the first words of an SMS (NOR_CAMPAGNE_OBJET).",
        min_length=1,
        max_length=255,
        examples=["Fresh snow this weekend!"],
    )
    subject_type: SubjectType = column(
        "Kind of words the subject uses, from the campaign's subject classification."
    )
    campaign_number: int = column(
        "Running number of the campaign in the CRM plan (NOR_CAMPAGNE_NUMERO_CAMPAGNE).",
        ge=1,
        examples=[412],
    )
    language_code: LanguageCode = column(
        "Language of the version sent (NOR_CAMPAGNE_DETAIL_LANGUE_CODE)."
    )
    sent_at: Timestamp = column("When the message was sent (NOR_CAMPAGNE_DETAIL_DATE_ENVOI).")
    channel: Channel = column("Medium of the send: e-mail or SMS (ORI_CAMPAGNE_TEL_OU_EMAIL).")
    opens_count: Count = column(
        "Number of times the message was opened (NOR_CAMPAGNE_NB_OUVERTURES); 0 for SMS."
    )
    is_opener: bool = column(
        "True when the recipient opened the message at least once (NOR_CAMPAGNE_OUVREUR_FLAG)."
    )
    last_opened_at: Timestamp | None = column(
        "Last open (NOR_CAMPAGNE_DATE_DERNIERE_OUV); null when never opened.", default=None
    )
    clicks_count: Count = column(
        "Number of tracked link clicks in the message (NOR_CAMPAGNE_NB_CLIQUES)."
    )
    last_clicked_at: Timestamp | None = column(
        "Last click (NOR_CAMPAGNE_DATE_DERNIER_CLIC); null when never clicked.", default=None
    )
    is_unsubscribed: bool = column(
        "True when the recipient unsubscribed from this message (NOR_CAMPAGNE_DESABONNE_FLAG)."
    )
    main_highlight: MainHighlight = column("What the message puts forward first.")
    secondary_highlight: SecondaryHighlight = column("The message's secondary block.")
    cycle_label: CycleLabel = column(
        "Programme of the campaign (REF_CAMPAGNE_CYCLE_LIBELLE): ANNUAL, STAY or POWDER_ALARM."
    )
    register_label: RegisterLabel = column(
        "Register of the campaign (REF_CAMPAGNE_REGISTRE_LIBELLE)."
    )
    theme_label: str = column(
        "Theme of the campaign (REF_CAMPAGNE_THEME_LIBELLE), from the CRM referential.",
        min_length=1,
        max_length=64,
        examples=["SKI", "EVENTS", "SUMMER"],
    )


class CampaignEngagement(
    DataContract,
    domain="campaigns",
    product="campaign_engagement",
    version="1.0.0",
    owner=CRM_MARKETING,
    grain=("campaign_id",),
    freshness=DAILY,
    tags=("crm", "campaigns", "engagement", "kpi"),
):
    """Engagement and attributed bookings of each campaign.

    Grain: ``campaign_id``. Source: ``campaigns.campaign_sends`` aggregated per
    campaign, and ``bookings.bookings`` for attribution. Rates are per send:
    ``open_rate`` = openers / sends (null for SMS campaigns, whose opens are not
    tracked), ``click_rate`` = clickers / sends, ``click_to_open_rate`` = openers who
    clicked / openers (null without openers; a click without a recorded open has no
    open to be a share of), ``unsubscribe_rate`` = unsubscribes / sends.
    Attribution is last touch: a booking that is not cancelled is attributed to the
    most recent send its customer received in the seven days before the booking was
    created, so a booking counts for at most one campaign.
    """

    campaign_id: CampaignId = column("Campaign master identifier.")
    campaign_number: int = column("Running number of the campaign in the CRM plan.", ge=1)
    template_name: str = column("Name of the message template.", min_length=1, max_length=128)
    channel: Channel = column("Medium of the campaign: every send of a campaign uses one.")
    cycle_label: CycleLabel = column("Programme of the campaign.")
    register_label: RegisterLabel = column("Register of the campaign.")
    theme_label: str = column("Theme of the campaign.", min_length=1, max_length=64)
    season: Season = column("Season of the first send (November to October).")
    first_sent_at: Timestamp = column("First send of the campaign.")
    last_sent_at: Timestamp = column("Last send of the campaign.")
    sends: int = column("Messages sent.", ge=1)
    recipients: int = column("Distinct customers who received the campaign.", ge=1)
    openers: Count = column("Sends opened at least once.")
    opens: Count = column("Total opens, repeated opens included.")
    clickers: Count = column("Sends clicked at least once.")
    clicks: Count = column("Total tracked clicks.")
    unsubscribes: Count = column("Sends followed by an unsubscription.")
    open_rate: Rate | None = column(
        "openers / sends; null for SMS campaigns (opens not tracked).", default=None
    )
    click_rate: Rate = column("clickers / sends.")
    click_to_open_rate: Rate | None = column(
        "openers who clicked / openers; null when no send was opened.", default=None
    )
    unsubscribe_rate: Rate = column("unsubscribes / sends.")
    bookings_attributed: Count = column(
        "Bookings attributed to the campaign (last touch, seven days after a send)."
    )
    revenue_attributed_eur: MoneyEUR = column(
        "Total amount of the attributed bookings, in euros taxes included.", ge=0
    )


class ReturnRateAnimated(
    DataContract,
    domain="campaigns",
    product="return_rate_animated",
    version="1.0.0",
    owner=CRM_MARKETING,
    grain=("season", "animated"),
    freshness=WEEKLY,
    tags=("crm", "campaigns", "retention", "kpi"),
):
    """Return rate of households reached by CRM campaigns ("animated") versus not.

    Grain: (``season``, ``animated``). For a season S, the base is every household
    with at least one purchase in the previous season S-1 (the seasons of purchase of
    ``customer_intelligence.rfm_segments``: from ``sales.sales_lines``, households
    from ``customers.households``). A household is *animated* when at
    least one of its members received at least one campaign send (e-mail or SMS,
    ``campaigns.campaign_sends``) dated within season S-1; it *returns* when it
    makes at least one purchase in season S. ``return_rate`` = returning households
    / households. The seed's finding: CRM boosts the year-on-year return rate.
    """

    season: Season = column("The season of return S.")
    previous_season: Season = column("The base season S-1, in which the households bought.")
    animated: bool = column(
        "True for households that received at least one campaign send during S-1."
    )
    households: int = column("Households that bought in S-1 (the base).", ge=1)
    returning_households: Count = column("Households of the base that bought again in S.")
    return_rate: Rate = column("returning_households / households.")
    sends_per_household: float = column(
        "Average number of sends received during S-1 per household of the group "
        "(0 for the not-animated group).",
        ge=0,
    )
