"""Contracts of the sales domain (team Sales & Revenue).

Sale lines are what was sold, line by line, by every selling system: stays and
their options in the reservation system, extras sold in the villages. The domain
publishes them with clean customer, product and village identifiers, the revenue
by season, village and market, and the omnichannel view of which channels took
part in each booking.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.bookings import BookingChannel, BookingStatus
from contracts.common import (
    DAILY,
    SALES_REVENUE,
    BookingId,
    Count,
    CountryCode,
    CustomerId,
    Date,
    LanguageCode,
    MoneyEUR,
    NonNegativeMoneyEUR,
    ProductId,
    Rate,
    Season,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import (
    Classification,
    DataContract,
    Partitioning,
    Reconciliation,
    Semantic,
    Tolerance,
    column,
)

SaleLineId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z_]{1,31}:[A-Za-z0-9]{1,32}:[0-9]{1,4}$"),
    Semantic(
        "sale_line_id",
        "Identifier of one sale line: source system, transaction number and line number.",
    ),
    Field(examples=["reservations:T0004512345:2"]),
]
"""Identifier of one sale line; the grain of ``sales.sales_lines``."""

_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the purchase to one person (pseudonymous), so "
    "indirect PII under GDPR; needed for revenue per customer and loyalty analysis."
)


class SalesLines(
    DataContract,
    domain="sales",
    product="sales_lines",
    version="1.0.0",
    owner=SALES_REVENUE,
    grain=("sale_line_id",),
    freshness=DAILY,
    tags=("sales", "revenue"),
    # Lines extracted twice (0.05% declared by the simulation): 0.5% allowed. A line
    # naming a product (0.04% simulated) or a site its referential does not know yet,
    # or a payer account opened today, waits for the next build: 1% each. A line
    # without payer, site or product is a broken extract: none allowed.
    tolerance=Tolerance(
        left_out={
            "duplicate": 0.005,
            "unknown_reference:products.product_catalog": 0.01,
            "unknown_reference:resorts.villages": 0.01,
            "unknown_reference:customers.customer_identity_map": 0.01,
        }
    ),
):
    """One row per sale line of every selling system, with clean identifiers.

    Grain: ``sale_line_id`` = ``source_system:transaction_number:line_number``.
    Source: the sale lines extract (the seed's sale table, 752,953 lines), its
    customers translated into resolved customers through
    ``customers.customer_identity_map``. The customer's name and account labels of
    the extract are not republished (data minimisation): join
    ``customers.customer_profile`` on ``payer_customer_id`` under a GDPR purpose.

    Amounts are in euros, taxes included. ``amount_eur`` is what the customer pays
    for the line, net of ``discount_eur`` (list price = amount + discount); a
    ``refund`` line has a negative amount and no discount. A line belongs to a
    booking contract (``booking_id``) when it was sold for a stay; in-village extras
    bought without a contract have none. ``is_cancelled`` is true for the lines of a
    cancelled contract: revenue excludes them. ``season`` is the season (November
    to October) of the stay's arrival date, or of the sale date for a line without
    stay. ``market`` is the payer's market. The ski school columns (``lesson_*``)
    are set on lesson registrations only.
    """

    sale_line_id: SaleLineId = column("Identifier of the line.")
    source_system: str = column(
        "Selling system the line comes from (the seed's SOURCE_LIBELLE), snake_case.",
        pattern=r"^[a-z][a-z_]{1,31}$",
        examples=["reservations", "village_pos"],
    )
    transaction_number: str = column(
        "Transaction number in the selling system (ORI_VENTE_NUM_TRANSACTION).",
        pattern=r"^[A-Za-z0-9]{1,32}$",
        examples=["T0004512345"],
    )
    line_number: int = column(
        "Line number within the transaction (ORI_VENTE_NUM_LIGNE_TRANSACTION).", ge=1
    )
    booking_id: BookingId | None = column(
        "The booking contract the line was sold for (nor_vente_contrat_id); null for "
        "extras bought without a contract.",
        default=None,
        references="bookings.bookings.booking_id",
    )
    seller_id: str = column(
        "Company that sold the line (NOR_VENTE_ENTERPRISE_ID): the group for stays, or a "
        "partner (ski school, spa, excursions) for extras.",
        pattern=r"^[A-Z0-9]{2,12}$",
        examples=["TRIDENT"],
    )
    seller_name: str = column(
        "Name of the selling company (NOR_ENTREPRISE_NOM).", min_length=1, max_length=128
    )
    seller_activity_label: str = column(
        "Business of the selling company (NOR_ENTREPRISE_DOMAINE_LIBELLE).",
        min_length=1,
        max_length=64,
        examples=["Hébergement", "École de ski"],
    )
    sale_type: Literal["sale", "refund"] = column(
        "Kind of line (ORI_VENTE_TYPE_VENTE_CODE): a sale, or a refund of an earlier sale."
    )
    sales_channel: BookingChannel = column(
        "Channel the line was sold on (ORI_VENTE_CANAL_VENTE_CODE)."
    )
    payer_customer_id: CustomerId = column(
        "Customer who pays (nor_vente_client_payer_clean_id).",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    holder_customer_id: CustomerId | None = column(
        "Customer who holds the product, e.g. a pass or lesson in a child's parent's name "
        "(nor_vente_client_detenteur_clean_id); null when the product is not nominative.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    account_code: str | None = column(
        "Customer account of a business sale: travel agency or company account "
        "(ORI_VENTE_CLIENT_COMPTE_CLIENT_CODE); null for individual sales.",
        default=None,
        min_length=1,
        max_length=32,
    )
    market: CountryCode = column("Market of the sale: the payer's market.")
    sale_date: Date = column("Day of the sale (NOR_VENTE_DATE_VENTE_COURT).")
    season: Season = column("Season of the stay's arrival, or of the sale date without stay.")
    amount_eur: MoneyEUR = column(
        "Amount paid for the line, taxes included, net of discount; negative for refunds "
        "(NOR_VENTE_MONTANT_VENTE_TTC)."
    )
    discount_eur: NonNegativeMoneyEUR = column(
        "Discount granted on the line, taxes included (NOR_VENTE_MONTANT_REMISE_TTC)."
    )
    tariff_label: str | None = column(
        "Tariff applied (ORI_VENTE_TARIF_LIBELLE); null when the public tariff.",
        default=None,
        min_length=1,
        max_length=128,
        examples=["Early booking -15%"],
    )
    product_id: ProductId = column(
        "The product sold (NOR_VENTE_PRODUIT_ID).",
        references="products.product_catalog.product_id",
    )
    village_id: VillageId = column(
        "Village the line was sold for or in (the seed's NOR_SITE_NOM).",
        references="resorts.villages.village_id",
    )
    contract_status: BookingStatus | None = column(
        "State of the line's contract at extraction (ORI_CONTRAT_STATUT_CODE); null "
        "without contract.",
        default=None,
    )
    is_cancelled: bool = column("True when the line's contract is cancelled.")
    contract_cancelled_date: Date | None = column(
        "Cancellation day of the contract (NOR_CONTRAT_DATE_ANNULATION_COURT).", default=None
    )
    arrival_date: Date | None = column(
        "First day of the stay (NOR_CONTRAT_DATE_ARRIVEE_COURT); null without stay.",
        default=None,
    )
    departure_date: Date | None = column(
        "Day of departure (NOR_CONTRAT_DATE_DEPART_COURT); null without stay.", default=None
    )
    duration: int | None = column(
        "Duration of what the line sells, in duration_unit (NOR_CONTRAT_DUREE).",
        default=None,
        ge=1,
    )
    duration_unit: Literal["nights", "days", "hours"] | None = column(
        "Unit of duration (ORI_CONTRAT_DUREE_UNITE): nights of a stay, days of a pass or "
        "rental, hours of a lesson.",
        default=None,
    )
    persons: int | None = column(
        "People the line is for (nor_contrat_nb_personnes).", default=None, ge=1
    )
    adults: Count | None = column("Adults the line is for (NOR_CONTRAT_NB_ADULTES).", default=None)
    children: Count | None = column(
        "Children the line is for (NOR_CONTRAT_NB_ENFANTS).", default=None
    )
    lesson_speciality_label: str | None = column(
        "Discipline of a lesson registration (ori_contrat_inscription_specialite_libelle).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Ski alpin", "Snowboard"],
    )
    lesson_type_label: str | None = column(
        "Kind of lesson (ori_contrat_inscription_type_cours_libelle).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Cours collectif", "Cours particulier"],
    )
    lesson_level_label: str | None = column(
        "Level of the registered pupil (ORI_CONTRAT_INSCRIPTION_NIVEAU_CLIENT).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Débutant", "Étoile d'or"],
    )
    lesson_customer_category_label: str | None = column(
        "Category of the pupil (ori_contrat_inscription_cat_client_libelle).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Enfant", "Adulte"],
    )
    lesson_language: LanguageCode | None = column(
        "Language of the lesson (ORI_CONTRAT_INSCRIPTION_CODE_LANG).", default=None
    )


class RevenueBySeason(
    DataContract,
    domain="sales",
    product="revenue_by_season",
    version="1.0.0",
    owner=SALES_REVENUE,
    grain=("season", "village_id", "market"),
    freshness=DAILY,
    tags=("sales", "revenue", "kpi"),
    partitioning=Partitioning(column="season", kind="season"),
    reconciliations=(
        Reconciliation(
            name="bookings_agree_with_the_bookings_domain",
            description="The booking contracts counted in a season are, within 1%, the "
            "bookings domain's bookings of that season that are not cancelled.",
            measure="SUM(bookings)",
            against="bookings.bookings",
            against_measure="COUNTIF(status != 'cancelled')",
            by=("season",),
            tolerance=0.01,
            severity="warn",
            groups="this",
        ),
    ),
):
    """Revenue by season, village and market.

    Grain: (``season``, ``village_id``, ``market``). Partitioned by ``season``.
    Source: ``sales.sales_lines``, lines of cancelled contracts excluded (refunds
    included, as negative amounts). A row exists for every combination with at
    least one line.

    - ``revenue_eur`` = sum of ``amount_eur`` (taxes included, net of discounts and
      refunds); ``discount_eur`` = sum of discounts; ``refunds_eur`` = total refunded
      (positive).
    - ``lines``, ``bookings`` (distinct contracts), ``customers`` (distinct payers).
    - ``revenue_per_customer_eur`` = revenue_eur / customers.
    """

    season: Season = column("The season (November to October).")
    village_id: VillageId = column("The village.", references="resorts.villages.village_id")
    market: CountryCode = column("The payers' market.")
    revenue_eur: MoneyEUR = column("Net revenue, euros taxes included.")
    discount_eur: NonNegativeMoneyEUR = column("Discounts granted, euros taxes included.")
    refunds_eur: NonNegativeMoneyEUR = column("Amount refunded, euros taxes included.")
    lines: int = column("Sale lines counted.", ge=1)
    bookings: Count = column("Distinct booking contracts of the lines.")
    customers: int = column("Distinct paying customers.", ge=1)
    revenue_per_customer_eur: MoneyEUR = column("revenue_eur / customers.")


class ChannelAttribution(
    DataContract,
    domain="sales",
    product="channel_attribution",
    version="1.0.0",
    owner=SALES_REVENUE,
    grain=("booking_id", "channel"),
    freshness=DAILY,
    tags=("sales", "omnichannel", "attribution"),
):
    """Which channels took part in each booking, and the revenue each one earns.

    Grain: (``booking_id``, ``channel``): one row per channel with at least one touch
    in a booking that is not cancelled. Sources: ``bookings.bookings``,
    ``web.web_sessions``, ``telephony.calls`` and ``sales.sales_lines``.

    Touches of a booking:

    - its creation, on the booking's channel, at ``created_at``;
    - each web session of the booking's customer started in the 30 days up to
      ``created_at`` (``web``);
    - each call of the customer started in the 30 days up to ``created_at``
      (``call_centre``);
    - each sale transaction of the booking (distinct ``transaction_number`` of its
      lines) sold on another channel than the booking's, at the sale date's
      midnight UTC (e.g. options added at an agency or at the village).

    Attribution is linear: ``attribution_share`` = the channel's touches / the
    booking's touches (shares of a booking sum to 1) and ``attributed_revenue_eur`` =
    share x the booking's ``amount_eur``. ``is_first_touch`` / ``is_last_touch`` mark
    the channel of the booking's earliest / latest touch (ties broken in the order
    web, call_centre, agency, village). Winning and losing channels are read by
    comparing first-touch and last-touch channels.
    """

    booking_id: BookingId = column("The booking.", references="bookings.bookings.booking_id")
    channel: BookingChannel = column("A channel that took part in the booking.")
    customer_id: CustomerId = column(
        "The booking's holder.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    village_id: VillageId = column(
        "The village of the stay.", references="resorts.villages.village_id"
    )
    booking_date: Date = column("Day (UTC) the booking was created.")
    season: Season = column("Season of the stay's arrival.")
    is_booking_channel: bool = column("True for the channel the booking was created on.")
    touches: int = column("Touches of the booking on this channel.", ge=1)
    first_touch_at: Timestamp = column("Earliest touch on this channel.")
    last_touch_at: Timestamp = column("Latest touch on this channel.")
    is_first_touch: bool = column("True when the booking's earliest touch is on this channel.")
    is_last_touch: bool = column("True when the booking's latest touch is on this channel.")
    channels_count: int = column("Distinct channels that took part in the booking.", ge=1, le=4)
    attribution_share: Rate = column("Share of the booking's touches on this channel.")
    attributed_revenue_eur: NonNegativeMoneyEUR = column(
        "attribution_share x the booking's amount, euros taxes included."
    )
