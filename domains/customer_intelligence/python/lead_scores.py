"""The product ``customer_intelligence.lead_scores``: a customer's purchase potential
for each village, this season and the next.

A gradient-boosting classifier trained on past seasons predicts, for a customer and a
village, a booking with an arrival in the season (see :func:`lead_scores`). Its
signals are gathered in ``_lead_signals``, its candidate pairs built from them in
``_lead_candidates`` (a block of customers at a time: a season's candidates are never
held whole), its fit and metrics in ``_models``; its seed is ``MESH_SEED``, read when
the product is materialised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from contracts.calendar import SEASONS
from contracts.customer_intelligence import LeadScores
from domains.customer_intelligence.python._calibration import Calibrator, calibrate
from domains.customer_intelligence.python._lead_candidates import (
    SeasonCandidates,
    customer_numbers,
)
from domains.customer_intelligence.python._lead_signals import (
    LEAD_FEATURES,
    LeadEvents,
    clicked_sends,
    lead_events,
    maturity,
)
from domains.customer_intelligence.python._models import (
    BOOKINGS,
    MEMBERS,
    RFM,
    SEND_BATCH_ROWS,
    SEND_CLICKS,
    BinaryModel,
    Frame,
    batched_log_odds,
    binary_metrics,
    data_today,
    fit_binary,
    sample_rows,
    season_start,
    season_start_year,
    sigmoid,
)
from mesh_platform.privacy.consent import consent_input, keep_consented
from mesh_platform.products.python import (
    Input,
    ProductOutput,
    input_batches,
    python_product,
)
from mesh_platform.settings import get_settings

LEAD_TOP_VILLAGES = 5
"""Villages published per customer and season (``rank_for_customer`` 1..5)."""
LEAD_MAX_TRAINING_ROWS = 1_000_000


def features_log_odds(model: BinaryModel, frame: pd.DataFrame) -> np.ndarray:
    """The model's log-odds for the candidates of ``frame``, a batch of rows' features
    at a time (the same bits as one matrix of every row, never held whole)."""
    columns = frame.columns.get_indexer(pd.Index(LEAD_FEATURES))
    return batched_log_odds(
        model, len(frame), lambda part: frame.iloc[part, columns].to_numpy(float)
    )


def score_deciles(scored: pd.DataFrame) -> np.ndarray:
    """Each row's decile of ``score`` among the rows of its ``season``, 10 = the top tenth,
    equal scores ordered by ``customer_id`` then ``village_id``.

    The rows are ordered by season, score and ids as numbers (each id numbered in the
    sorted order of the ids), never as a sorted copy of the rows: at large, two seasons
    of some seven million scored pairs."""
    season = pd.factorize(scored["season"], sort=True)[0]
    order = np.lexsort(
        (
            pd.factorize(scored["village_id"], sort=True)[0],
            pd.factorize(scored["customer_id"], sort=True)[0],
            scored["score"].to_numpy(),
            season,
        )
    )
    size = np.bincount(season)
    first = np.cumsum(size) - size  # each season's first position in that order
    in_order = season[order]
    decile = np.empty(order.size, dtype=np.int64)
    decile[order] = (np.arange(order.size) - first[in_order]) * 10 // size[in_order] + 1
    return decile


def training_sample(
    seasons: list[SeasonCandidates], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The features and outcomes of the candidates at positions ``rows`` (sorted) of the
    seasons' candidates put one after the other: what the rows of their concatenation
    give, taken from each block of each season in turn, never holding a season whole."""
    x = np.empty((rows.size, len(LEAD_FEATURES)))
    ys = []
    start = taken = 0
    for frame in (block for season in seasons for block in season.frames()):
        own = rows[(rows >= start) & (rows < start + len(frame))] - start
        part = frame.iloc[own]
        x[taken : taken + own.size] = part[list(LEAD_FEATURES)].to_numpy(float)
        ys.append(part["booked"].to_numpy())
        start += len(frame)
        taken += own.size
    if taken != rows.size:
        raise RuntimeError(
            f"customer_intelligence.lead_scores: {rows.size} training rows were drawn from "
            f"the counted candidates, {taken} were found building them"
        )
    return x, np.concatenate(ys)


@dataclass(frozen=True)
class HeldOut:
    """A held-out season's candidates as the evaluation and calibration read them: each
    one's log-odds, outcome and customer (numbered in customer order)."""

    log_odds: np.ndarray
    booked: np.ndarray
    customer: np.ndarray


def held_out(model: BinaryModel, season: SeasonCandidates) -> HeldOut:
    """The model's log-odds and the outcomes of a season's candidates, a block at a
    time: the features are let go block by block."""
    odds, booked, customer = [], [], []
    first = 0
    for frame in season.frames():
        odds.append(features_log_odds(model, frame))
        booked.append(frame["booked"].to_numpy(np.int8))
        customer.append(customer_numbers(frame["customer_id"].to_numpy(), first))
        first += int(frame["customer_id"].nunique())
    return HeldOut(np.concatenate(odds), np.concatenate(booked), np.concatenate(customer))


@python_product(
    LeadScores,
    inputs={
        "sales": Input(
            "sales.sales_lines",
            "payer_customer_id sale_date season amount_eur village_id is_cancelled arrival_date",
            deferred=True,
        ),
        "bookings": BOOKINGS,
        "sessions": Input(
            "web.web_sessions",
            ("customer_id", "started_at", "village_id", "searched_arrival_date"),
            deferred=True,
        ),
        "affinities": Input(
            "web.customer_affinities", ("customer_id", "favourite_village_id"), deferred=True
        ),
        "calls": Input(
            "telephony.calls",
            ("customer_id", "started_at", "call_type", "village_id"),
            deferred=True,
        ),
        "sends": SEND_CLICKS,
        "villages": Input("resorts.villages", ("village_id", "village_type", "is_operating")),
        "segments": replace(RFM, deferred=True),
        "members": MEMBERS,
        "consent": consent_input(LeadScores),
    },
)
def lead_scores(
    *,
    sales: Frame,
    bookings: Frame,
    sessions: Frame,
    affinities: Frame,
    calls: Frame,
    sends: Frame,
    villages: pd.DataFrame,
    segments: Frame,
    members: Frame,
    consent: Frame,
) -> ProductOutput:
    """Purchase potential of each customer for each village, this season and the next.

    A seeded gradient-boosting classifier learns, over past seasons T, whether a
    candidate (customer, village) pair gets a booking (not cancelled) with an arrival
    in T, from the features known at the start of T: the customer's past stays (in
    this village and overall), web sessions, dated searches and sales calls about the
    village in the past year, campaign clicks, affinity for the village's type,
    the village's share of the stays of the last complete season, and the household's
    RFM segment of T-1. It is fitted on the past seasons but the last complete one,
    which is held out: its ranking is measured there, and its log-odds are calibrated
    there into probabilities (Platt scaling, fitted on half of the season's customers
    and read on the other half, then refitted on the whole season; see
    ``_calibration``). The published scores are that model, calibrated, applied with
    the features known today (the latest event in the data), so the model evaluated is
    the model published. The customer's household comes from
    ``customers.customer_profile``. Only the customers holding the consent the contract
    declares are published; the others' rows are left out
    (:func:`~mesh_platform.privacy.consent.keep_consented`).

    Every input but the villages is deferred: read once, one at a time, into the
    signals it gives (:func:`lead_events`; the sends a batch at a time).
    """
    seed = get_settings().seed
    sent = clicked_sends(input_batches(sends, rows=SEND_BATCH_ROWS))
    ev = lead_events(
        sales=sales,
        bookings=bookings,
        sessions=sessions,
        affinities=affinities,
        calls=calls,
        sends=sent.clicked,
        villages=villages,
        segments=segments,
        members=members,
    )
    today = data_today(*ev.latest, sent.latest)
    del sent  # the events keep the clicks
    current = int(season_start_year(pd.Series([today]))[0])
    seasons = sorted(int(y) for y in ev.stays["season_year"].unique() if y < current)
    train_seasons = seasons[1:] if len(seasons) > 1 else seasons
    rng = np.random.default_rng(seed)

    evaluation: dict[str, Any] = {"holdout_season": None}
    calibration: dict[str, Any] = {"method": None, "reason": "fewer than two past seasons"}
    calibrator: Calibrator = sigmoid
    fitted_seasons = train_seasons[:-1] if len(train_seasons) >= 2 else train_seasons
    fitted = [
        candidates
        for t in fitted_seasons
        if (candidates := SeasonCandidates(ev, t, season_start(t), None)).rows
    ]
    if not fitted:
        fitted = [SeasonCandidates(ev, current, today, None)]
    rows = sample_rows(sum(candidates.rows for candidates in fitted), LEAD_MAX_TRAINING_ROWS, rng)
    x, y = training_sample(fitted, rows)
    del fitted  # the fitted seasons' candidates are in the sample: let go
    training_rows = len(y)
    training_rate = round(float(pd.Series(y).mean()), 5) if len(y) else None
    model = fit_binary(x, y, seed=seed)
    del x, y
    if len(train_seasons) >= 2:
        held_season = train_seasons[-1]
        held = held_out(model, SeasonCandidates(ev, held_season, season_start(held_season), None))
        p_held = sigmoid(held.log_odds)
        evaluation = {
            "holdout_season": SEASONS.label(held_season),
            **binary_metrics(held.booked, p_held),
        }
        if held.booked.size:
            top = p_held >= np.quantile(p_held, 0.9)
            rate = held.booked.mean()
            evaluation["top_decile_lift"] = (
                round(float(held.booked[top].mean() / rate), 3) if rate else None
            )
            calibrator, calibration = calibrate(
                held.log_odds, held.booked, held.customer, rng, seed
            )
            calibration["season"] = SEASONS.label(held_season)
        del held, p_held  # evaluated and calibrated: let go before today's candidates

    operating = set(villages.loc[villages["is_operating"].astype(bool), "village_id"].astype(str))

    def top_villages(events: LeadEvents, year: int) -> Iterator[pd.DataFrame]:
        """The season's candidates scored, each customer's best villages only (ranked by
        score, ties by village), without their features: a block of customers'
        candidates is held at a time, and its best rows are given."""
        label = SEASONS.label(year)
        for candidates in SeasonCandidates(events, year, today, operating).frames():
            score = calibrator(features_log_odds(model, candidates))
            # the features let go once scored: only the pairs and their scores are sorted
            frame = candidates[["customer_id", "village_id"]].assign(score=score)
            del candidates, score
            frame = frame.sort_values(
                ["customer_id", "score", "village_id"],
                ascending=[True, False, True],
                ignore_index=True,
            )
            frame["rank_for_customer"] = frame.groupby("customer_id").cumcount() + 1
            best = frame[frame["rank_for_customer"] <= LEAD_TOP_VILLAGES]
            del frame
            best.insert(2, "season", label)
            yield best

    # the blocks' best rows, ordered by season (their labels sort as their years),
    # customer and rank, put together once: the signals only the features read are let
    # go first
    blocks = [best for year in (current, current + 1) for best in top_villages(ev, year)]
    ev = ev.once_scored()
    scored = pd.concat(blocks, ignore_index=True)
    del blocks
    amounts = ev.stays[ev.stays["created_at"] <= today]
    customer_mean = amounts.groupby("customer_id")["amount_eur"].mean()
    village_mean = amounts.groupby("village_id")["amount_eur"].mean()
    overall = float(amounts["amount_eur"].mean()) if len(amounts) else 0.0
    expected = (
        scored["customer_id"]
        .map(customer_mean)
        .fillna(scored["village_id"].map(village_mean))
        .fillna(overall)
    )
    scored["predicted_revenue_eur"] = (scored["score"] * expected).clip(lower=0).round(2)
    scored["maturity"] = maturity(ev, scored, today)
    del ev, amounts, expected  # every signal read: let go before the deciles' sort
    scored["decile"] = score_deciles(scored)
    version = f"lead-hgb-{today:%Y.%m.%d}"
    metadata = {
        "model": "HistGradientBoostingClassifier",
        "model_version": version,
        "seed": seed,
        "today": today.isoformat(),
        "features": list(LEAD_FEATURES),
        "training_seasons": [SEASONS.label(y) for y in fitted_seasons],
        "training_rows": training_rows,
        "training_base_rate": training_rate,
        "evaluation": evaluation,
        "calibration": {"model_version": version, **calibration},
        "scored_rows": len(scored),
    }
    # the scored rows move into the two parts (publishing orders the columns as the
    # contract does)
    out, left_out = keep_consented(LeadScores, scored, consent)
    del scored
    # the two constant columns set on both parts once they are split: two columns of
    # every scored row fewer to move through the consent filter
    for part in (out, left_out):
        part["model_version"] = version
        part["scored_at"] = today
    metadata["left_out_without_consent"] = len(left_out)
    return ProductOutput(out, metadata, left_out=left_out if len(left_out) else None)
