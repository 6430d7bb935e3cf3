"""Contracts of the products domain (team Offer & Pricing).

The catalogue of everything the group sells: stays in each village and their
options, ski passes, ski school lessons, equipment rental, activities, transport
and insurance, organised in families. Sale lines name their product by its
``product_id``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.common import (
    DAILY,
    OFFER_PRICING,
    Count,
    MoneyEUR,
    ProductId,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import AccessLevel, DataContract, Semantic, Tolerance, column

FamilyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9]{2,8}$"),
    Semantic("product_family_code", "Code of a product family of the catalogue."),
    Field(examples=["SKIPASS"]),
]
"""Code of a product family; the grain of ``products.product_families``."""

ProductCategory = Literal[
    "stay",
    "ski_pass",
    "ski_school",
    "equipment_rental",
    "activity",
    "transport",
    "insurance",
    "other",
]
"""The group-level category of a family, the same for all its products."""


class CatalogueEntries(
    DataContract,
    domain="products",
    product="catalogue_entries",
    version="1.0.0",
    owner=OFFER_PRICING,
    grain=("product_id",),
    access=AccessLevel.INTERNAL,
    freshness=DAILY,
    tags=("catalogue", "offer"),
    tier="silver",
    # The extract holds an older version of a few products (0.1% of the rows on a tiny
    # world): 2% allowed. A row without product or family code is a broken extract:
    # none allowed. A catalogue referential: at most 10% of its products may go.
    tolerance=Tolerance(left_out={"duplicate": 0.02}, volume_drop=0.1),
):
    """One row per product of the catalogue extract, in its latest version, cleaned.

    Grain: ``product_id``. Internal to the products domain: the single place where
    the catalogue extract is de-duplicated and cleaned, read by
    ``products.product_families`` (the families and their sizes) and
    ``products.product_catalog`` (the published catalogue). Other domains read those
    products, never this one.

    The extract holds an older and a newer version of a few products: the most
    recently updated one is kept (ties: the smaller label as typed). Records without
    a product or a family are left out. Codes are trimmed and in upper case; labels
    are trimmed with their spaces collapsed, in the catalogue's language and spelling,
    null when empty. The ski, lesson and accommodation labels are kept whatever the
    product's family: the published catalogue keeps each for its kind of product.
    ``is_active``: flagged on sale (``O``) in the current or the next season, or
    without a season; the current season is the one of the latest update in the
    catalogue (the latest date in the data, not the wall clock, so that builds are
    reproducible).
    """

    product_id: ProductId = column("Product identifier (INT_PRODUIT_CORRESPONDANCE_ID).")
    label: str = column(
        "Product label (nor_produit_libelle), cleaned.", min_length=1, max_length=200
    )
    family_code: FamilyCode = column("The product's family code (ORI_PRODUIT_FAMILLE).")
    family_label: str | None = column(
        "The family's label as this record types it (ori_famille_libelle); the family "
        "referential's label wins in the published products.",
        default=None,
        min_length=1,
    )
    sub_family_label: str | None = column(
        "Sub-family (ori_produit_sous_famille); null when the record has none.",
        default=None,
        min_length=1,
    )
    village_id: VillageId | None = column(
        "Village the product is sold in; null for products sold in every village (no "
        "code, or the catalogue's ``ALL``).",
        default=None,
        references="resorts.villages.village_id",
    )
    ski_duration_category_label: str | None = column(
        "Duration category of a ski product (NOR_SKI_CAT_DUREE_LIBELLE).",
        default=None,
        min_length=1,
    )
    duration_code: str | None = column(
        "Duration code (ORI_PRODUIT_DUREE_CODE), spaces removed, upper case, as typed "
        "otherwise (the published catalogue keeps well-formed codes only).",
        default=None,
        min_length=1,
    )
    duration_label: str | None = column(
        "Duration label (ORI_PRODUIT_DUREE_LIBELLE).", default=None, min_length=1
    )
    age_class_label: str | None = column(
        "Age class the product is priced for (ORI_PRODUIT_FORM_CLASSE_AGE).",
        default=None,
        min_length=1,
    )
    park_label: str | None = column(
        "The extract's park/type column (NOR_PARK_TYPE_FAMILLE_LIBELLE): the ski area of "
        "a lift pass, the covered/outdoor type of a parking product.",
        default=None,
        min_length=1,
    )
    accommodation_capacity_label: str | None = column(
        "Capacity of an accommodation (NOR_HEB_NB_PERS_LIBELLE).", default=None, min_length=1
    )
    ski_school_label: str | None = column(
        "Ski school giving a lesson (NOR_SKI_COURS_ECOLE_LIBELLE).", default=None, min_length=1
    )
    lesson_type_label: str | None = column(
        "Kind of lesson (NOR_SKI_COURS_TYPE_LIBELLE).", default=None, min_length=1
    )
    lesson_group_label: str | None = column(
        "Lesson group of a ski lesson (NOR_SKI_COURS_GUSSE_LIBELLE).", default=None, min_length=1
    )
    list_price_eur: MoneyEUR | None = column(
        "Public price, euros taxes included; null when the catalogue has none (or a negative one).",
        default=None,
        ge=0,
    )
    is_active: bool = column("True when the product is on sale in the current or next season.")
    updated_at: Timestamp = column(
        "Latest update of the product in the catalogue (the version kept)."
    )


class ProductFamilies(
    DataContract,
    domain="products",
    product="product_families",
    version="1.0.0",
    owner=OFFER_PRICING,
    grain=("family_code",),
    freshness=DAILY,
    tags=("catalogue", "offer"),
    # The family referential may list a family twice (none in the simulation); with ten
    # families one duplicate is 10%. A family without a code: none allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.1}),
):
    """One row per product family of the catalogue, with its size.

    Grain: ``family_code``. Source: the catalogue extract (the seed's product table,
    40,494 products: ``ORI_PRODUIT_FAMILLE``, ``ori_famille_libelle``,
    ``ori_produit_sous_famille``) and the family referential that gives each family
    its category. Counts are over the catalogue's products of the family: all of
    them, the active ones (on sale in the current or next season), their distinct
    sub-families and the distinct villages of village-specific products.
    ``average_list_price_eur`` is the mean list price of the products having one.
    """

    family_code: FamilyCode = column("Family code (the seed's ORI_PRODUIT_FAMILLE).")
    family_label: str = column(
        "Family label (the seed's ori_famille_libelle).",
        min_length=1,
        max_length=64,
        examples=["Forfaits"],
    )
    category: ProductCategory = column("Group-level category of the family.")
    products: int = column("Products of the family.", ge=1)
    active_products: Count = column("Products of the family on sale now or next season.")
    sub_families: Count = column("Distinct sub-families of the family.")
    villages: Count = column("Distinct villages of the family's village-specific products.")
    average_list_price_eur: MoneyEUR | None = column(
        "Mean list price of the family's products having one, euros taxes included; null "
        "when none has.",
        default=None,
        ge=0,
    )


class ProductCatalog(
    DataContract,
    domain="products",
    product="product_catalog",
    version="1.0.0",
    owner=OFFER_PRICING,
    grain=("product_id",),
    freshness=DAILY,
    tags=("catalogue", "offer"),
):
    """One row per product of the catalogue.

    Grain: ``product_id``. Sources: the catalogue extract (the seed's product table,
    40,494 products, whose ``INT_PRODUIT_CORRESPONDANCE_ID`` reconciles the selling
    systems' product codes into ``product_id``) and ``products.product_families``
    (family label and category). Labels are trimmed and spaces collapsed; the
    descriptive labels are kept in the catalogue's language (French), as consumers
    filter on them. The ski columns are set for ski products only (passes, lessons,
    rental); ``accommodation_capacity_label`` for stays only. ``village_id`` is set
    for products sold in one village only (stays, most extras), null for products
    sold everywhere (transport, insurance).
    """

    product_id: ProductId = column("Product identifier (INT_PRODUIT_CORRESPONDANCE_ID).")
    label: str = column(
        "Product label (nor_produit_libelle).",
        min_length=1,
        max_length=200,
        examples=["Forfait 6 jours Vallée des Belleville adulte"],
    )
    family_code: FamilyCode = column(
        "The product's family (ORI_PRODUIT_FAMILLE).",
        references="products.product_families.family_code",
    )
    family_label: str = column(
        "Label of the family (ori_famille_libelle).", min_length=1, max_length=64
    )
    category: ProductCategory = column("Group-level category, from the family.")
    sub_family_label: str | None = column(
        "Sub-family (ori_produit_sous_famille); null when the family has none.",
        default=None,
        min_length=1,
        max_length=64,
    )
    village_id: VillageId | None = column(
        "Village the product is sold in; null for products sold in every village.",
        default=None,
        references="resorts.villages.village_id",
    )
    ski_duration_category_label: str | None = column(
        "Duration category of a ski product (NOR_SKI_CAT_DUREE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Séjour", "Journée"],
    )
    duration_code: str | None = column(
        "Duration code (ORI_PRODUIT_DUREE_CODE).",
        default=None,
        pattern=r"^[A-Z0-9]{1,8}$",
        examples=["6J"],
    )
    duration_label: str | None = column(
        "Duration label (ORI_PRODUIT_DUREE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["6 jours"],
    )
    age_class_label: str | None = column(
        "Age class the product is priced for (ORI_PRODUIT_FORM_CLASSE_AGE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Adulte", "Enfant 5-12 ans"],
    )
    park_family_type_label: str | None = column(
        "Ski area family of a lift pass (NOR_PARK_TYPE_FAMILLE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["3 Vallées"],
    )
    accommodation_capacity_label: str | None = column(
        "Capacity of an accommodation (NOR_HEB_NB_PERS_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["4 personnes"],
    )
    ski_school_label: str | None = column(
        "Ski school giving a lesson (NOR_SKI_COURS_ECOLE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
    )
    lesson_type_label: str | None = column(
        "Kind of lesson (NOR_SKI_COURS_TYPE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
        examples=["Cours collectif"],
    )
    lesson_group_label: str | None = column(
        "Lesson group of a ski lesson (NOR_SKI_COURS_GUSSE_LIBELLE).",
        default=None,
        min_length=1,
        max_length=64,
    )
    list_price_eur: MoneyEUR | None = column(
        "Public price, euros taxes included; null for products priced on request.",
        default=None,
        ge=0,
    )
    is_active: bool = column("True when the product is on sale in the current or next season.")
