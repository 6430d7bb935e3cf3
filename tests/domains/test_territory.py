"""The territory domain's products on hand-made zones with worked-out expectations: the
IRIS referential joined to the vendor's enrichment, and the prospection zone model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from domains.territory.python.prospection_zones import (
    department_class,
    prospection_zones,
    zone_customers,
)
from mesh_platform.products.python import split_output
from mesh_platform.settings import get_settings
from tests.support.products import landing_frame, run_product


def zone(code: str, department: str, **extra: Any) -> dict[str, Any]:
    row = {
        "iris_code": code,
        "iris_name": f"Zone {code}",
        "iris_type": "H",
        "commune_code": code[:5],
        "commune_name": f"Commune {code[:5]}",
        "department_code": department,
        "population": 2000,
        "households": 900.4,
    }
    row.update(extra)
    return row


def enrichment(iris: str, **extra: Any) -> dict[str, Any]:
    row = {
        "iris": iris,
        "median_income_eur": 24000.0,
        "share_families_with_children": 0.3,
        "share_couples_without_children": 0.25,
        "share_age_65_plus": 0.2,
        "share_executives": 0.2,
        "ski_practice_index": 100.0,
        "distance_to_mountain_km": 300.0,
        "vintage": "2023-S2",
    }
    row.update(extra)
    return row


def test_iris_zones_join_the_vendors_codes_and_fill_its_gaps() -> None:
    zones = [
        zone("010010101", "01"),
        zone("010010102", "01", households=0.4),
        zone("732570101", "73"),
        zone("2A0040000", "2A", iris_type="Z"),
    ]
    vendor = [
        # departments 01-09 lost their leading zero in the vendor's file
        enrichment(
            "10010101", share_executives=0.4, ski_practice_index=120.0, median_income_eur=None
        ),
        enrichment(
            "732570101", share_executives=0.1, ski_practice_index=300.0, distance_to_mountain_km=5.0
        ),
        enrichment("2A0040000", share_executives=0.3),
        enrichment("10019901"),  # a zone of an older geography: dropped
    ]
    out = run_product(
        "territory.iris_zones",
        landing={
            "landing_territory.iris_zones": landing_frame("landing_territory.iris_zones", zones),
            "landing_territory.iris_enrichment": landing_frame(
                "landing_territory.iris_enrichment", vendor
            ),
        },
    ).set_index("iris_code")
    assert sorted(out.index) == ["010010101", "010010102", "2A0040000", "732570101"]
    ain = out.loc["010010101"]
    assert (ain["share_executives"], ain["ski_practice_index"]) == (0.4, 120.0)
    assert pd.isna(ain["median_income_eur"])  # suppressed: stays null
    assert ain["households"] == 900
    # not covered by the vendor: the mean of its department's zones, income unknown
    gap = out.loc["010010102"]
    assert (gap["share_executives"], gap["ski_practice_index"]) == (0.4, 120.0)
    assert pd.isna(gap["median_income_eur"])
    assert gap["households"] == 0
    savoie = out.loc["732570101"]
    assert (savoie["distance_to_mountain_km"], savoie["median_income_eur"]) == (5.0, 24000.0)
    assert out.loc["2A0040000", "commune_code"] == "2A004"


# --- prospection zones --------------------------------------------------------------


def _territory(n_zones: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Zones in three departments; the share of executives drives customer revenue."""
    rng = np.random.default_rng(7)
    departments = np.array(["73", "75", "2A"])[np.arange(n_zones) % 3]
    executives = np.linspace(0.05, 0.65, n_zones)
    zones = pd.DataFrame(
        {
            "iris_code": [f"{730000000 + i:09d}" for i in range(n_zones)],
            "iris_name": [f"Zone {i}" for i in range(n_zones)],
            "iris_type": "H",
            "commune_code": "73001",
            "commune_name": "Commune",
            "department_code": departments,
            "population": 2000,
            "households": 1000,
            "median_income_eur": 18000 + 30000 * executives,
            "share_families_with_children": rng.uniform(0.2, 0.4, n_zones),
            "share_couples_without_children": rng.uniform(0.2, 0.3, n_zones),
            "share_age_65_plus": rng.uniform(0.1, 0.3, n_zones),
            "share_executives": executives,
            "ski_practice_index": rng.uniform(50, 150, n_zones),
            "distance_to_mountain_km": rng.uniform(10, 600, n_zones),
        }
    )
    households: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for i, code in enumerate(zones["iris_code"]):
        for k in range(1 + i % 3):
            household = f"HH{i:05d}{k:03d}"
            households.append({"household_id": household, "iris_code": code})
            segments.append(
                {
                    "household_id": household,
                    "season": "2023-24",
                    "amount_eur": 1000.0 + 20000.0 * executives[i] ** 2,
                }
            )
    # a household of an older season only, and one outside France (no zone)
    households.append({"household_id": "HH99999001", "iris_code": zones["iris_code"][0]})
    segments.append({"household_id": "HH99999001", "season": "2022-23", "amount_eur": 1e6})
    households.append({"household_id": "HH99999002", "iris_code": None})
    segments.append({"household_id": "HH99999002", "season": "2023-24", "amount_eur": 1e6})
    return zones, pd.DataFrame(households), pd.DataFrame(segments)


def test_zone_customers_sum_the_latest_windows_revenue() -> None:
    households = pd.DataFrame(
        {
            "household_id": ["HH1", "HH2", "HH3", "HH4"],
            "iris_code": ["751010101", "751010101", "751010101", None],
        }
    )
    segments = pd.DataFrame(
        {
            "household_id": ["HH1", "HH2", "HH3", "HH1", "HH4"],
            "season": ["2023-24", "2023-24", "2022-23", "2022-23", "2023-24"],
            "amount_eur": [1000.0, 500.0, 9999.0, 7777.0, 42.0],
        }
    )
    out = zone_customers(households, segments)
    assert out.to_dict("records") == [
        {"iris_code": "751010101", "customer_households": 2, "customer_revenue_eur": 1500.0}
    ]


def test_department_classes_follow_the_seeds_bounds() -> None:
    counts = pd.Series([0, 2, 100, 101, 199, 200, 299, 350])
    assert list(department_class(counts)) == [
        "2-101",
        "2-101",
        "2-101",
        "101-200",
        "101-200",
        "200-299",
        "200-299",
        "200-299",
    ]


def test_prospection_zones_score_every_zone_and_rank_it_in_its_department() -> None:
    zones, households, segments = _territory()
    zones.loc[0, "households"] = 0  # an empty zone (customers, no census household)
    zones.loc[1, "households"] = 1  # more customer households than census ones
    out = run_product(
        "territory.prospection_zones",
        products={
            "territory.iris_zones": zones,
            "customers.households": households,
            "customer_intelligence.rfm_segments": segments,
        },
    ).set_index("iris_code")
    assert len(out) == len(zones)
    assert out["potential_score"].between(0, 1).all()
    assert (out["predicted_high_value"] == (out["potential_score"] >= 0.5)).all()

    # customers: 1, 2 or 3 households per zone with the latest season's window revenue
    first = out.loc[zones["iris_code"][0]]
    assert first["customer_households"] == 1  # the older season's household left out
    assert first["customer_revenue_eur"] == pytest.approx(1000 + 20000 * 0.05**2)
    assert first["penetration_rate"] == 0  # no census household
    assert out.loc[zones["iris_code"][1], "penetration_rate"] == 1  # capped at 1
    assert out.loc[zones["iris_code"][2], "penetration_rate"] == pytest.approx(3 / 1000)

    # the model learnt that executives mean revenue
    rich = out.loc[zones.loc[zones["share_executives"] > 0.5, "iris_code"], "potential_score"]
    poor = out.loc[zones.loc[zones["share_executives"] < 0.2, "iris_code"], "potential_score"]
    assert rich.mean() > 0.5 > poor.mean()

    for department, group in out.groupby("department_code"):
        ordered = group.sort_values("rank_in_department")
        assert list(ordered["rank_in_department"]) == list(range(1, len(group) + 1))
        assert ordered["potential_score"].is_monotonic_decreasing, department
        high = int(group["predicted_high_value"].sum())
        assert set(group["department_high_value_zones"]) == {high}
        assert set(group["department_class"]) == {"2-101"}
    assert set(out["model_version"]) == {"iris-logit-2023-24"}


def test_prospection_zones_are_deterministic_and_report_their_evaluation() -> None:
    zones, households, segments = _territory()
    inputs = {"iris_zones": zones, "households": households, "rfm_segments": segments}
    first, metadata = split_output(prospection_zones(**inputs))
    second, _ = split_output(prospection_zones(**inputs))
    pd.testing.assert_frame_equal(first, second)
    assert metadata["training_zones"] == len(zones)
    assert metadata["seed"] == get_settings().seed
    # the top quintile of the zones with customers
    assert metadata["high_value_zones_in_training"] == len(zones) // 5
    assert metadata["cv_roc_auc"] > 0.75
