"""What the CRM lab's two models share: fits, metrics, "today", seasons and inputs.

Not a product (see the package): ``lead_scores`` and ``campaign_appetence`` import it.
Each model reads its seed from ``MESH_SEED`` (``get_settings().seed``) when it is
materialised and hands it to every random choice (samples, splits) and every fit here,
so one seed gives the same bits and another seed a different, equally reproducible
sample and fit. Seasons are the mesh's calendar (:data:`contracts.calendar.SEASONS`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from contracts.calendar import SEASONS
from mesh_platform.products.python import DeferredInput, Input

MODEL_THREADS = 1
"""OpenMP threads of the gradient-boosting fits and predictions: one thread is faster
than spinning threads on a shared machine, and results do not depend on it."""

PREDICTION_BATCH_ROWS = 100_000
"""Rows of a design matrix built and scored at a time (:func:`batched_log_odds`)."""

HOLDOUT_SHARE = 0.2
"""Share of the customers (or households) held out from a fit to evaluate it."""


# --- inputs: the columns the two models read of their upstream products ----------------

SENDS = Input(
    "campaigns.campaign_sends",
    "customer_id channel sent_at opens_count clicks_count"
    " subject_type main_highlight secondary_highlight cycle_label",
    order_by="send_id",
    deferred=True,
)
"""Every send with its settings and engagement, in send order: campaign appetence's
learning base (its seeded samples are drawn by position; the send ids themselves, one
distinct string a send, are not loaded). Deferred: read and coded into compact arrays
first, the frame gone before the fits."""
SEND_CLICKS = Input(
    "campaigns.campaign_sends", "customer_id sent_at clicks_count last_clicked_at", deferred=True
)
"""What lead scoring reads of the sends: their date (for "today") and their clicks.
Deferred: read a batch at a time, of which only the clicked sends are kept (the frame
of every send is never held)."""
SEND_BATCH_ROWS = 1_000_000
"""Sends read at a time when the models read them in batches (some 150 MB of frame)."""
Frame = DeferredInput | pd.DataFrame
"""An input as a model receives it: a frame, or a deferred input read when asked."""
BOOKINGS = Input(
    "bookings.bookings",
    "customer_id village_id channel status created_at arrival_date season amount_eur",
    deferred=True,
)
"""The bookings, deferred: each model reads them once and keeps only what it learns
from (the frame is millions of rows at the large scale)."""
RFM = Input(
    "customer_intelligence.rfm_segments",
    "household_id season recency_seasons frequency_seasons amount_eur season_amount_eur"
    " segment segment_rank",
)
MEMBERS = Input("customers.customer_profile", "customer_id household_id", deferred=True)
"""Each customer's household, deferred: read once and reduced to the mapping."""


def utc(values: pd.Series) -> pd.Series:
    """Timestamps as tz-aware UTC (naive values are taken as UTC)."""
    return pd.to_datetime(values, utc=True)


def season_start_year(moments: pd.Series) -> np.ndarray:
    """Start year of the season of each date or timestamp ("2023-24" -> 2023)."""
    stamps = pd.to_datetime(moments)
    return np.asarray(SEASONS.start_year(stamps.dt.year, stamps.dt.month), dtype=np.int64)


def season_start(year: int) -> pd.Timestamp:
    """The first instant (UTC) of the season starting in ``year``."""
    return pd.Timestamp(SEASONS.bounds(SEASONS.label(year))[0], tz="UTC")


def label_year(labels: pd.Series) -> np.ndarray:
    """The start year of each season label (``"2023-24"`` -> 2023)."""
    return np.asarray(labels.astype(str).str.slice(0, 4).astype(np.int64))


def latest_moment(moments: pd.Series) -> pd.Series:
    """The latest of ``moments`` as one row of them (none when every one is missing):
    what :func:`data_today` reads of them, in their own unit, without the rest."""
    return moments[moments == moments.max()].iloc[:1]


def data_today(*moments: pd.Series) -> pd.Timestamp:
    """The latest timestamp present in the data: the products' "today" (reproducible)."""
    latest = [utc(m).max() for m in moments if len(m)]
    latest = [t for t in latest if not pd.isna(t)]
    if not latest:
        raise ValueError("customer_intelligence: no dated event in the inputs to anchor today")
    return max(latest)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def sample_rows(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of at most ``cap`` of ``n`` rows, sorted (all of them when n <= cap)."""
    if n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, size=cap, replace=False))


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | int | None]:
    """ROC AUC, average precision, log loss (and that of the base rate), base rate."""
    rows = int(y.size)
    if rows == 0:
        return {"rows": 0, "base_rate": None, "roc_auc": None, "log_loss": None}
    base = float(y.mean())
    both = 0 < y.sum() < rows
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return {
        "rows": rows,
        "base_rate": round(base, 5),
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if both else None,
        "average_precision": round(float(average_precision_score(y, p)), 4) if both else None,
        "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 5),
        "log_loss_base_rate": round(float(log_loss(y, np.full(rows, base), labels=[0, 1])), 5)
        if both
        else None,
        "brier": round(float(np.mean((p - y) ** 2)), 5),
    }


class _Prior:
    """A constant-probability stand-in when the training data hold a single class."""

    def __init__(self, rate: float) -> None:
        self.rate = min(max(rate, 1e-6), 1 - 1e-6)

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), float(logit(np.array([self.rate]))[0]))


BinaryModel = HistGradientBoostingClassifier | _Prior
"""What :func:`fit_binary` fits."""


def fit_binary(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    categorical: list[bool] | None = None,
    interaction_cst: list[list[int]] | None = None,
    max_iter: int = 200,
) -> HistGradientBoostingClassifier | _Prior:
    """A gradient-boosting classifier seeded with ``seed`` (a constant prior for
    one-class data)."""
    if y.size == 0 or y.min() == y.max():
        return _Prior(float(y.mean()) if y.size else 0.0)
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=max_iter,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=categorical,
        interaction_cst=interaction_cst,
        early_stopping=False,
        random_state=seed,
    )
    with threadpool_limits(limits=MODEL_THREADS):
        return model.fit(x, y)


def log_odds(model: HistGradientBoostingClassifier | _Prior, x: np.ndarray) -> np.ndarray:
    """Log-odds of the positive class."""
    if len(x) == 0:
        return np.zeros(0)
    with threadpool_limits(limits=MODEL_THREADS):
        return np.asarray(model.decision_function(x), dtype=np.float64)


def batched_log_odds(
    model: HistGradientBoostingClassifier | _Prior,
    rows: int,
    matrix: Callable[[slice], np.ndarray],
) -> np.ndarray:
    """Log-odds of the positive class for ``rows`` rows whose design matrix
    ``matrix(part)`` builds for a slice of them, a batch at a time.

    A row's log-odds does not depend on the other rows, so this is the same bits as one
    call on the whole matrix, without ever holding it (nor the copy the classifier makes
    of it to encode its categorical columns): the memory of a prediction no longer
    grows with the number of sends.
    """
    if rows == 0:
        return np.zeros(0)
    return np.concatenate(
        [
            log_odds(model, matrix(slice(start, start + PREDICTION_BATCH_ROWS)))
            for start in range(0, rows, PREDICTION_BATCH_ROWS)
        ]
    )
