"""The products domain's products on a hand-made catalogue with worked-out expectations:
product versions, family labels and categories, active products and the ski columns.

Each product runs on what it reads: the de-duplicated catalogue
(products.catalogue_entries) is built from the extract first, then the families and
the catalogue from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import landing_frame, run_product

T = dt.datetime

FAMILIES = [
    {"family_code": "HEB", "family_label": "Hébergement", "category_code": "STAY"},
    {"family_code": "FORF", "family_label": "Forfait ski", "category_code": "SKI_PASS"},
    {"family_code": "PARK", "family_label": "Parking", "category_code": "OTHER"},
]


def product(pid: str, family: str, **extra: Any) -> dict[str, Any]:
    row = {
        "product_id": pid,
        "source_product_code": f"{family}-{pid}",
        "product_label": f"Produit {pid}",
        "family_code": family,
        "family_label": family,
        "season_code": "2023-24",
        "list_price_eur": 100.0,
        "active_flag": "O",
        "updated_at": T(2023, 9, 1),
    }
    row.update(extra)
    return row


CATALOGUE = [
    # two versions of one stay: the newer one wins
    product(
        "P000001",
        "HEB",
        product_label="Hébergement  CLUB  Val Thorens 2023-24",
        updated_at=T(2023, 8, 1),
        sub_family="CLUB",
        village_code="VTH",
        accommodation_capacity_label="2-4 pers.",
        ski_duration_category="stray",
        duration_code=" 7n ",
        duration_label="7 nuits",
        list_price_eur=300.0,
    ),
    product(
        "P000001",
        "HEB",
        product_label=" HÉBERGEMENT CLUB VAL THORENS 2023-24 ",
        updated_at=T(2023, 9, 1),
        sub_family="CLUB",
        village_code="vth",
        accommodation_capacity_label="2-4 pers.",
        ski_duration_category="stray",
        duration_code=" 7n ",
        duration_label="7 nuits",
        list_price_eur=310.0,
    ),
    product(
        "P000002",
        "HEB",
        sub_family="SUITE",
        village_code="CUN",
        season_code="2022-23",
        list_price_eur=500.0,
    ),
    product(
        "P000003",
        "HEB",
        sub_family="SUITE",
        village_code="CUN",
        season_code="2024-25",
        active_flag="N",
        list_price_eur=None,
    ),
    # lift passes: ski area kept, in the current and the next season
    product(
        "P000004",
        "FORF",
        family_label="FORFAIT SKI",
        sub_family="4-6 jours",
        village_code="VTH",
        ski_duration_category="4-6 jours",
        duration_code="6J",
        age_class="ADULTE",
        park_type_family_label="Les 3 Vallées",
        season_code="2024-25",
        updated_at=T(2024, 1, 15),
    ),
    # parking: its covered/outdoor type is not a ski area; sold everywhere ("ALL")
    product(
        "P000005",
        "PARK",
        sub_family="COUVERT",
        village_code="ALL",
        park_type_family_label="COUVERT",
        season_code=None,
        list_price_eur=24.0,
    ),
    # a family missing from the referential: its most frequent spelling, category other
    product("P000006", "SURF", family_label="Surf school", sub_family=None, list_price_eur=50.0),
    product("P000007", "SURF", family_label="Surf school", list_price_eur=None),
    product("P000008", "SURF", family_label="SURF", list_price_eur=70.0),
]


def _extracts() -> dict[str, pd.DataFrame]:
    return {
        "landing_products.catalogue": landing_frame("landing_products.catalogue", CATALOGUE),
        "landing_products.families": landing_frame("landing_products.families", FAMILIES),
    }


def _entries(extracts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return run_product("products.catalogue_entries", landing=extracts)


def _families(extracts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return run_product(
        "products.product_families",
        products={"products.catalogue_entries": _entries(extracts)},
        landing=extracts,
    )


def test_catalogue_entries_keep_the_latest_version_cleaned_and_decide_activity() -> None:
    out = _entries(_extracts()).set_index("product_id")
    assert len(out) == 8
    stay = out.loc["P000001"]
    # the newer version wins; its label trimmed, spaces collapsed, case as typed
    assert stay["label"] == "HÉBERGEMENT CLUB VAL THORENS 2023-24"
    assert stay["list_price_eur"] == pytest.approx(310.0)
    assert (stay["village_id"], stay["duration_code"]) == ("VTH", "7N")
    # every label is kept whatever the family: the published catalogue sorts them out
    assert stay["ski_duration_category_label"] == "stray"
    assert stay["updated_at"] == pd.Timestamp(2023, 9, 1)
    # the latest update (2024-01-15) puts "today" in 2023-24: active = flagged on sale
    # in 2023-24 or 2024-25, or without a season
    assert stay["is_active"]
    assert not out.loc["P000002", "is_active"]  # 2022-23: past
    assert not out.loc["P000003", "is_active"]  # withdrawn
    assert out.loc["P000004", "is_active"]  # next season
    assert out.loc["P000005", "is_active"]  # no season
    assert pd.isna(out.loc["P000003", "list_price_eur"])
    # "ALL" is not a village; the parking's type stays in the park column
    assert pd.isna(out.loc["P000005", "village_id"])
    assert out.loc["P000005", "park_label"] == "COUVERT"
    assert out.loc["P000008", "family_label"] == "SURF"
    assert pd.isna(out.loc["P000006", "sub_family_label"])


def test_families_count_products_and_take_the_referentials_labels() -> None:
    out = _families(_extracts()).set_index("family_code")
    assert sorted(out.index) == ["FORF", "HEB", "PARK", "SURF"]
    heb = out.loc["HEB"]
    assert (heb["family_label"], heb["category"]) == ("Hébergement", "stay")
    # three stays (P000001 once); the latest update (2024-01-15) puts "today" in
    # 2023-24: active = flagged on sale in 2023-24 or 2024-25
    assert (heb["products"], heb["active_products"]) == (3, 1)
    assert (heb["sub_families"], heb["villages"]) == (2, 2)
    # mean of the prices given: (310 + 500) / 2
    assert heb["average_list_price_eur"] == pytest.approx(405.0)
    assert out.loc["FORF", "active_products"] == 1
    # no season: on sale whatever the season; "ALL" is not a village
    assert (out.loc["PARK", "active_products"], out.loc["PARK", "villages"]) == (1, 0)
    surf = out.loc["SURF"]
    assert (surf["family_label"], surf["category"], surf["products"]) == (
        "Surf school",
        "other",
        3,
    )
    assert surf["average_list_price_eur"] == pytest.approx(60.0)


def test_catalog_keeps_one_version_and_the_columns_of_each_kind() -> None:
    extracts = _extracts()
    out = run_product(
        "products.product_catalog",
        products={
            "products.catalogue_entries": _entries(extracts),
            "products.product_families": _families(extracts),
        },
    ).set_index("product_id")
    assert len(out) == 8
    stay = out.loc["P000001"]
    assert stay["label"] == "HÉBERGEMENT CLUB VAL THORENS 2023-24"
    assert stay["list_price_eur"] == pytest.approx(310.0)
    assert (stay["family_label"], stay["category"], stay["village_id"]) == (
        "Hébergement",
        "stay",
        "VTH",
    )
    assert (stay["duration_code"], stay["accommodation_capacity_label"]) == ("7N", "2-4 pers.")
    # a ski column on a stay is dropped
    assert pd.isna(stay["ski_duration_category_label"])
    assert stay["is_active"]

    ski = out.loc["P000004"]
    assert (ski["ski_duration_category_label"], ski["park_family_type_label"]) == (
        "4-6 jours",
        "Les 3 Vallées",
    )
    assert (ski["age_class_label"], ski["family_label"]) == ("ADULTE", "Forfait ski")
    assert ski["is_active"]

    parking = out.loc["P000005"]
    assert pd.isna(parking["park_family_type_label"])
    assert parking["sub_family_label"] == "COUVERT"
    assert pd.isna(parking["village_id"])

    assert not out.loc["P000002", "is_active"]  # 2022-23: past
    assert not out.loc["P000003", "is_active"]  # withdrawn
    assert pd.isna(out.loc["P000003", "list_price_eur"])
    assert (out.loc["P000006", "category"], out.loc["P000006", "family_label"]) == (
        "other",
        "Surf school",
    )
    assert pd.isna(out.loc["P000006", "sub_family_label"])
