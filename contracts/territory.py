"""Contracts of the territory domain (team Market Development).

France's IRIS zones (INSEE's infra-communal statistical units) with the enrichment
variables used to find prospection zones, and the zones predicted as high value,
grouped by department in the three classes of the CRM lab.
"""

from __future__ import annotations

from typing import Literal

from contracts.common import (
    MARKET_DEVELOPMENT,
    WEEKLY,
    Count,
    DepartmentCode,
    IrisCode,
    MoneyEUR,
    Rate,
)
from mesh_platform.contract import DataContract, Tolerance, column

DepartmentClass = Literal["2-101", "101-200", "200-299"]
"""The seed's three classes of departments, by number of IRIS zones predicted as high
value: 2 to 101, 101 to 200, 200 to 299."""


class IrisZones(
    DataContract,
    domain="territory",
    product="iris_zones",
    version="1.0.0",
    owner=MARKET_DEVELOPMENT,
    grain=("iris_code",),
    freshness=WEEKLY,
    tags=("territory", "geography", "enrichment", "open-data"),
    # INSEE's referential lists each zone once (none left out in the simulation): a
    # zone without code or listed twice, 0.5%. The vendor's older vintages, 5%; its rows
    # naming zones of an older geography (0.25% on a tiny world), 1%. A geographic
    # referential: at most 1% of the zones may go.
    tolerance=Tolerance(
        left_out={
            "duplicate": 0.05,
            "missing_value": 0.005,
            "unknown_reference:landing_territory.iris_zones": 0.01,
        },
        volume_drop=0.01,
    ),
):
    """France's IRIS zones with the socio-demographic variables used for prospection.

    Grain: ``iris_code``. Sources: INSEE's IRIS referential and census, the income
    statistics of the Filosofi file (suppressed for small zones, hence nullable),
    and third-party enrichment variables (the seed's Etic Data, 352 variables, of
    which the ones below are published). Aggregated statistics on zones of about
    2,000 inhabitants: no personal data.
    """

    iris_code: IrisCode = column("INSEE code of the IRIS zone.")
    iris_name: str = column("Name of the IRIS zone.", min_length=1, max_length=128)
    iris_type: Literal["H", "A", "D", "Z"] = column(
        "INSEE IRIS type: H housing, A activity, D miscellaneous, Z commune not divided."
    )
    commune_code: str = column(
        "INSEE code of the commune (5 characters).",
        pattern=r"^([0-9]{5}|2[AB][0-9]{3})$",
        examples=["75101"],
    )
    commune_name: str = column("Name of the commune.", min_length=1, max_length=128)
    department_code: DepartmentCode = column("Department of the commune.")
    population: Count = column("Inhabitants (census).")
    households: Count = column("Households (census).")
    median_income_eur: MoneyEUR | None = column(
        "Median disposable income per consumption unit, euros per year; null when suppressed.",
        default=None,
        ge=0,
    )
    share_families_with_children: Rate = column(
        "Share of households that are families with children."
    )
    share_couples_without_children: Rate = column(
        "Share of households that are couples without children."
    )
    share_age_65_plus: Rate = column("Share of inhabitants aged 65 or more.")
    share_executives: Rate = column(
        "Share of working inhabitants who are executives or higher intellectual professions."
    )
    ski_practice_index: float = column(
        "Index of ski practice of the inhabitants (100 = national average).", ge=0
    )
    distance_to_mountain_km: float = column(
        "Road distance to the nearest ski area, in kilometres.", ge=0
    )


class ProspectionZones(
    DataContract,
    domain="territory",
    product="prospection_zones",
    version="1.0.0",
    owner=MARKET_DEVELOPMENT,
    grain=("iris_code",),
    freshness=WEEKLY,
    tags=("territory", "prospection", "prediction"),
):
    """IRIS zones scored for prospection, and their department's class.

    Grain: ``iris_code``: every IRIS zone of ``territory.iris_zones``. Sources:
    ``territory.iris_zones`` and the customer households of
    ``customers.households`` located in each zone, with their five-season revenue
    from ``customer_intelligence.rfm_segments``.

    A classifier (scikit-learn) learns from the zones' enrichment variables which
    zones are *high value* (customer revenue per household in the top quintile of
    the zones having customers); ``potential_score`` is its probability and
    ``predicted_high_value`` is true when it is at least 0.5. Each department is
    put in one of the seed's three classes by its number of zones predicted as high
    value (``department_high_value_zones``): ``2-101`` below 101 (the seed's
    smallest department had 2), ``101-200`` from 101 to 199, ``200-299`` from 200
    (the seed's largest had 299). ``penetration_rate`` = customer households /
    households of the zone (0 for an empty zone).
    """

    iris_code: IrisCode = column("The IRIS zone.", references="territory.iris_zones.iris_code")
    department_code: DepartmentCode = column("Department of the zone.")
    potential_score: Rate = column("Probability that the zone is a high-value zone.")
    predicted_high_value: bool = column("True when potential_score >= 0.5.")
    rank_in_department: int = column(
        "Rank of the zone's potential_score in its department, 1 = highest.", ge=1
    )
    department_high_value_zones: Count = column("Zones of the department predicted as high value.")
    department_class: DepartmentClass = column(
        "Class of the department by its number of high-value zones."
    )
    customer_households: Count = column("Customer households living in the zone.")
    customer_revenue_eur: MoneyEUR = column(
        "Five-season revenue of the zone's customer households, euros taxes included.", ge=0
    )
    penetration_rate: Rate = column("customer_households / households of the zone.")
    model_version: str = column(
        "Version of the zone model.", min_length=1, max_length=64, examples=["iris-2024.1"]
    )
