"""The product ``territory.prospection_zones``: the prospection zone model.

``prospection_zones`` scores every IRIS zone of ``territory.iris_zones`` for
prospection. The zones where the group already has customers say what a valuable
zone looks like: a zone is *high value* when the five-season revenue of its customer
households, per household of the zone, is in the top quintile of the zones having
customers. A logistic regression (scikit-learn: median imputation, standardisation,
balanced class weights) learns that label from the zones' enrichment variables and
scores every zone, with or without customers; the probability is the zone's
``potential_score``, and a zone is predicted high value from 0.5. Its out-of-fold
evaluation (stratified five-fold cross-validation on the labelled zones) is published
as materialisation metadata.

Customer households are the households of ``customers.households`` located in the
zone (their ``iris_code``) with a purchase in the five-season window of the latest
season of ``customer_intelligence.rfm_segments`` (a row for that season), and their
revenue is that row's ``amount_eur``. Deterministic: the folds are seeded with
``MESH_SEED`` (read when the product is materialised), and no wall clock is read (the
latest season in the data is the reference).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from contracts.territory import ProspectionZones
from mesh_platform.products.python import Input, ProductOutput, python_product
from mesh_platform.settings import get_settings

HIGH_VALUE_QUANTILE = 0.8
"""Zones whose revenue per household reaches this quantile (of the zones having
customers) are high value: the top quintile."""

THRESHOLD = 0.5
"""A zone is predicted high value when its potential score reaches this probability."""

FOLDS = 5
"""Folds of the out-of-fold evaluation."""

CLASS_BOUNDS = ((200, "200-299"), (101, "101-200"))
"""The seed's department classes, by their lowest number of high-value zones; below
101 a department is in the class ``2-101``."""

FEATURES = (
    "median_income_eur",
    "share_families_with_children",
    "share_couples_without_children",
    "share_age_65_plus",
    "share_executives",
    "ski_practice_index",
    "log_distance_to_mountain_km",
    "log_population",
    "housing_zone",
)
"""Model inputs: the published enrichment variables (the distance and the population
on a log scale) and whether the zone is a housing zone (IRIS type H or Z)."""


def _features(zones: pd.DataFrame) -> pd.DataFrame:
    """The model's input matrix, one row per zone (missing values left to the imputer)."""
    return pd.DataFrame(
        {
            "median_income_eur": pd.to_numeric(zones["median_income_eur"], errors="coerce"),
            "share_families_with_children": zones["share_families_with_children"].astype(float),
            "share_couples_without_children": zones["share_couples_without_children"].astype(float),
            "share_age_65_plus": zones["share_age_65_plus"].astype(float),
            "share_executives": zones["share_executives"].astype(float),
            "ski_practice_index": zones["ski_practice_index"].astype(float),
            "log_distance_to_mountain_km": np.log1p(
                zones["distance_to_mountain_km"].astype(float).clip(lower=0)
            ),
            "log_population": np.log1p(zones["population"].astype(float).clip(lower=0)),
            "housing_zone": zones["iris_type"].isin(["H", "Z"]).astype(float),
        },
        index=zones.index,
    )[list(FEATURES)]


def _model() -> Pipeline:
    return make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(class_weight="balanced", max_iter=1000),
    )


def zone_customers(households: pd.DataFrame, rfm_segments: pd.DataFrame) -> pd.DataFrame:
    """Customer households and their five-season revenue per IRIS zone.

    Args:
        households: ``customers.households`` (``household_id``, ``iris_code``).
        rfm_segments: ``customer_intelligence.rfm_segments`` (``household_id``,
            ``season``, ``amount_eur``).

    Returns:
        One row per zone with customers: ``iris_code``, ``customer_households``,
        ``customer_revenue_eur``.
    """
    columns = ["iris_code", "customer_households", "customer_revenue_eur"]
    if rfm_segments.empty:
        return pd.DataFrame(columns=columns)
    latest = rfm_segments["season"].astype(str).max()
    window = rfm_segments.loc[
        rfm_segments["season"].astype(str) == latest, ["household_id", "amount_eur"]
    ]
    located = households.loc[households["iris_code"].notna(), ["household_id", "iris_code"]]
    buyers = located.merge(window, on="household_id", how="inner")
    out = buyers.groupby("iris_code", as_index=False).agg(
        customer_households=("household_id", "nunique"),
        customer_revenue_eur=("amount_eur", "sum"),
    )
    return out[columns]


def department_class(high_value_zones: pd.Series) -> pd.Series:
    """The seed's class of each department from its number of high-value zones."""
    counts = high_value_zones.to_numpy()
    labels = np.where(
        counts >= CLASS_BOUNDS[0][0],
        CLASS_BOUNDS[0][1],
        np.where(counts >= CLASS_BOUNDS[1][0], CLASS_BOUNDS[1][1], "2-101"),
    )
    return pd.Series(labels, index=high_value_zones.index)


def _score(
    features: pd.DataFrame, labels: pd.Series, labelled: pd.Series, seed: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit on the labelled zones, score every zone; evaluation out of fold (folds drawn
    with ``seed``)."""
    y = labels[labelled].astype(int).to_numpy()
    x = features[labelled]
    positives = int(y.sum())
    metrics: dict[str, Any] = {
        "training_zones": len(y),
        "high_value_zones_in_training": positives,
        "threshold": THRESHOLD,
    }
    if positives == 0 or positives == len(y):
        # one class only: nothing to learn, no zone stands out
        metrics["model"] = "none (a single class among the zones with customers)"
        return np.zeros(len(features)), metrics
    model = _model()
    folds = min(FOLDS, positives, len(y) - positives)
    if folds >= 2:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        out_of_fold = cross_val_predict(_model(), x, y, cv=splitter, method="predict_proba")[:, 1]
        metrics["cv_folds"] = folds
        metrics["cv_roc_auc"] = round(float(roc_auc_score(y, out_of_fold)), 4)
        metrics["cv_average_precision"] = round(float(average_precision_score(y, out_of_fold)), 4)
        metrics["cv_accuracy"] = round(float(np.mean((out_of_fold >= THRESHOLD) == y)), 4)
    model.fit(x, y)
    coefficients = model[-1].coef_[0]
    metrics["model"] = "logistic regression (median imputation, standardised, balanced)"
    metrics["coefficients"] = {
        name: round(float(c), 4) for name, c in zip(FEATURES, coefficients, strict=True)
    }
    return np.asarray(model.predict_proba(features)[:, 1]), metrics


@python_product(
    ProspectionZones,
    inputs={
        "iris_zones": "territory.iris_zones",
        "households": Input(
            "customers.households", ("household_id", "department_code", "iris_code")
        ),
        "rfm_segments": Input(
            "customer_intelligence.rfm_segments", ("household_id", "season", "amount_eur")
        ),
    },
)
def prospection_zones(
    iris_zones: pd.DataFrame, households: pd.DataFrame, rfm_segments: pd.DataFrame
) -> ProductOutput:
    """Score every IRIS zone for prospection and class its department (see the module)."""
    zones = iris_zones.sort_values("iris_code").reset_index(drop=True)
    customers = zone_customers(households, rfm_segments)
    zones = zones.merge(customers, on="iris_code", how="left")
    zones["customer_households"] = zones["customer_households"].fillna(0).astype(int)
    zones["customer_revenue_eur"] = zones["customer_revenue_eur"].fillna(0.0).astype(float)
    census = zones["households"].astype(float)

    labelled = (zones["customer_households"] > 0) & (census > 0)
    revenue_per_household = zones["customer_revenue_eur"] / census.where(census > 0)
    cut = revenue_per_household[labelled].quantile(HIGH_VALUE_QUANTILE) if labelled.any() else 0
    labels = labelled & (revenue_per_household >= cut)

    seed = get_settings().seed
    scores, metrics = _score(_features(zones), labels, labelled, seed)
    scores = np.clip(scores, 0.0, 1.0)
    latest = str(rfm_segments["season"].astype(str).max()) if len(rfm_segments) else "none"

    out = pd.DataFrame(
        {
            "iris_code": zones["iris_code"],
            "department_code": zones["department_code"],
            "potential_score": scores,
            "predicted_high_value": scores >= THRESHOLD,
            "customer_households": zones["customer_households"],
            "customer_revenue_eur": zones["customer_revenue_eur"].clip(lower=0),
            "penetration_rate": np.where(
                census > 0,
                np.minimum(zones["customer_households"] / census.where(census > 0), 1),
                0,
            ),
            "model_version": f"iris-logit-{latest}",
        }
    )
    out = out.sort_values(
        ["department_code", "potential_score", "iris_code"], ascending=[True, False, True]
    )
    out["rank_in_department"] = out.groupby("department_code").cumcount() + 1
    per_department = out.groupby("department_code")["predicted_high_value"].transform("sum")
    out["department_high_value_zones"] = per_department.astype(int)
    out["department_class"] = department_class(out["department_high_value_zones"])
    out["penetration_rate"] = out["penetration_rate"].astype(float).fillna(0.0)

    metrics.update(
        {
            "seed": seed,
            "reference_season": latest,
            "zones": len(out),
            "predicted_high_value_zones": int(out["predicted_high_value"].sum()),
            "departments_by_class": {
                str(k): int(v)
                for k, v in out.drop_duplicates("department_code")["department_class"]
                .value_counts()
                .sort_index()
                .items()
            },
        }
    )
    return ProductOutput(out.sort_values("iris_code").reset_index(drop=True), metrics)
