"""Calibrated probabilities for lead scoring, and the reliability table that shows it.

Not a product (see the package): the machinery of ``lead_scores``. A gradient-boosting
classifier ranks well but its probabilities drift from the observed rates (it learns
on past seasons whose booking rate differs from the next one's). :func:`calibrate`
fits a logistic map of its log-odds (Platt scaling: two parameters, monotone, so the
ranking is kept) on one half of the customers of a held-out season, and reads the
reliability of the calibrated scores on the other half (:func:`reliability_table`);
the map published is then refitted on the whole season.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from domains.customer_intelligence.python._models import binary_metrics, sigmoid

RELIABILITY_BINS = 10
"""Bins of the reliability table: deciles of the calibrated score."""

Calibrator = Callable[[np.ndarray], np.ndarray]
"""Log-odds of the classifier -> calibrated probability."""


def platt(log_odds: np.ndarray, outcome: np.ndarray, seed: int) -> Calibrator:
    """The logistic map ``sigmoid(a * log_odds + b)`` fitted to the outcomes (the
    identity map ``sigmoid`` when they hold a single class)."""
    if outcome.size == 0 or outcome.min() == outcome.max():
        return sigmoid
    fit = LogisticRegression(C=1e6, random_state=seed).fit(log_odds[:, None], outcome)
    slope, intercept = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    return lambda x: sigmoid(slope * x + intercept)


def reliability_table(score: np.ndarray, outcome: np.ndarray) -> list[dict[str, Any]]:
    """Rows binned by deciles of the score (ties kept together): per bin, its rows, the
    mean score and the observed rate, which a calibrated score makes equal."""
    if score.size == 0:
        return []
    edges = np.unique(np.quantile(score, np.linspace(0, 1, RELIABILITY_BINS + 1)))
    bins = np.clip(np.searchsorted(edges, score, side="right") - 1, 0, max(edges.size - 2, 0))
    table = []
    for b in np.unique(bins):
        rows = bins == b
        table.append(
            {
                "bin": int(b) + 1,
                "rows": int(rows.sum()),
                "mean_score": round(float(score[rows].mean()), 5),
                "observed_rate": round(float(outcome[rows].mean()), 5),
            }
        )
    return table


def calibration_error(table: list[dict[str, Any]]) -> float | None:
    """Expected calibration error: the rows-weighted mean gap between the mean score and
    the observed rate of the bins."""
    total = sum(row["rows"] for row in table)
    if not total:
        return None
    gap = sum(row["rows"] * abs(row["mean_score"] - row["observed_rate"]) for row in table)
    return round(gap / total, 5)


def calibrate(
    log_odds: np.ndarray,
    outcome: np.ndarray,
    customer: np.ndarray,
    rng: np.random.Generator,
    seed: int,
) -> tuple[Calibrator, dict[str, Any]]:
    """The calibration map fitted on a held-out season, and its evaluation: fitted on
    half of the season's customers (drawn with ``rng``, one draw a customer in the
    order of ``customer``, each row's customer as any sortable key), read on the other
    half (raw and calibrated metrics, the reliability tables), then refitted on the
    whole season."""
    ids, code = np.unique(customer, return_inverse=True)
    check = (rng.random(ids.size) < 0.5)[code]
    half = platt(log_odds[~check], outcome[~check], seed)
    raw, calibrated = sigmoid(log_odds[check]), half(log_odds[check])
    raw_table = reliability_table(raw, outcome[check])
    table = reliability_table(calibrated, outcome[check])
    report = {
        "method": "Platt scaling of the log-odds, fitted on half of the held-out "
        "season's customers, read on the other half",
        "check_rows": int(check.sum()),
        "raw": {
            **binary_metrics(outcome[check], raw),
            "calibration_error": calibration_error(raw_table),
        },
        "calibrated": {
            **binary_metrics(outcome[check], calibrated),
            "calibration_error": calibration_error(table),
        },
        "reliability": table,
    }
    return platt(log_odds, outcome, seed), report
