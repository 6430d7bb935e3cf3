"""The next-segment classifier of campaign appetence.

Not a product (see the package): the machinery of ``campaign_appetence``. A
classifier learns the season-to-season segment transitions of the households
(:func:`segment_training`, :func:`fit_segments`) from their RFM and their action rate
on the campaigns, and gives each household's probability of every next segment
(:func:`segment_probabilities`) and the most probable one (:func:`most_probable_segment`).
"""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score
from threadpoolctl import threadpool_limits

from contracts.customer_intelligence import Segment
from domains.customer_intelligence.python._models import HOLDOUT_SHARE, MODEL_THREADS, label_year

SEGMENTS: tuple[str, ...] = get_args(Segment)
SEGMENT_FEATURES = (
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
    "season_amount_log",
    "action_rate",
    "sends_log",
)


def segment_training(
    segments: pd.DataFrame, household_sends: pd.DataFrame, last_year: int
) -> pd.DataFrame:
    """Household-season rows S -> the segment in S+1 (OUT when not segmented), with the
    features of S and the household's observed action rate on the sends of S."""
    seg = segments.assign(year=label_year(segments["season"]))
    years = set(seg["year"])
    now = seg[seg["year"].add(1).isin(years) & (seg["year"] < last_year)]
    nxt = seg[["household_id", "year", "segment"]].assign(year=seg["year"] - 1)
    rows = now.merge(
        nxt.rename(columns={"segment": "next_segment"}), on=["household_id", "year"], how="left"
    )
    rows["next_segment"] = rows["next_segment"].fillna("OUT")
    return segment_features(rows, household_sends)


def segment_features(rows: pd.DataFrame, household_sends: pd.DataFrame) -> pd.DataFrame:
    """The classifier's features of household-season rows, joined to the household's
    sends of the season (its action rate on them unless given)."""
    rows = rows.merge(household_sends, on=["household_id", "year"], how="left")
    rows["sends"] = rows["sends"].fillna(0)
    if "action_rate" not in rows:
        rows["action_rate"] = (rows["actions"] / rows["sends"]).where(rows["sends"] > 0)
    return rows.assign(
        segment_rank=rows["segment_rank"].astype(float),
        frequency_seasons=rows["frequency_seasons"].astype(float),
        recency_seasons=rows["recency_seasons"].astype(float),
        amount_log=np.log1p(rows["amount_eur"].astype(float).clip(lower=0)),
        season_amount_log=np.log1p(rows["season_amount_eur"].astype(float).clip(lower=0)),
        sends_log=np.log1p(rows["sends"].astype(float)),
    )


def fit_segments(
    training: pd.DataFrame, rng: np.random.Generator, seed: int
) -> tuple[HistGradientBoostingClassifier | None, dict[str, Any]]:
    """The next-segment classifier (seeded with ``seed``), fitted on 80% of the
    households drawn with ``rng``; its accuracy on the others, next to that of
    predicting each segment's most frequent destination."""
    if training["next_segment"].nunique() < 2:
        return None, {"rows": len(training), "accuracy": None}
    households = training["household_id"].unique()
    held = set(households[rng.random(households.size) < HOLDOUT_SHARE])
    test = training["household_id"].isin(held).to_numpy()
    fit, check = training[~test], training[test]
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_leaf_nodes=15, random_state=seed
    )
    with threadpool_limits(limits=MODEL_THREADS):
        model.fit(fit[list(SEGMENT_FEATURES)].to_numpy(float), fit["next_segment"].to_numpy())
    metrics: dict[str, Any] = {"rows": len(training), "holdout_rows": len(check)}
    if len(check):
        with threadpool_limits(limits=MODEL_THREADS):
            predicted = model.predict(check[list(SEGMENT_FEATURES)].to_numpy(float))
        usual = fit.groupby("segment")["next_segment"].agg(lambda s: s.value_counts().index[0])
        metrics["accuracy"] = round(float(accuracy_score(check["next_segment"], predicted)), 4)
        metrics["accuracy_most_frequent_move"] = round(
            float(accuracy_score(check["next_segment"], check["segment"].map(usual).fillna("OUT"))),
            4,
        )
    return model, metrics


def segment_probabilities(
    model: HistGradientBoostingClassifier | None, rows: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The classes (segments and OUT, sorted) and each row's probability of each next
    class; without a model, the current segment with probability 1."""
    if model is None or not len(rows):
        classes = np.asarray(sorted({*SEGMENTS, "OUT"}), dtype=object)
        proba = (rows["segment"].to_numpy()[:, None] == classes[None, :]).astype(float)
        return classes, proba
    with threadpool_limits(limits=MODEL_THREADS):
        proba = model.predict_proba(rows[list(SEGMENT_FEATURES)].to_numpy(float))
    return np.asarray(model.classes_, dtype=object), np.asarray(proba, dtype=np.float64)


def most_probable_segment(classes: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """The most probable next segment of each row (leaving the base is not a segment:
    OUT is excluded from the choice)."""
    allowed = np.isin(classes, SEGMENTS)
    return np.asarray(classes[np.where(allowed[None, :], proba, -1.0).argmax(axis=1)])
