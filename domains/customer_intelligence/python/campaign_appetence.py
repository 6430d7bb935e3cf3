"""The product ``customer_intelligence.campaign_appetence``: each customer's best
campaign settings, their appetence gain and the segment movement they generate.

A gradient-boosting classifier trained on the campaign history (one row per send)
predicts whether a send triggers an action; its per-setting structure gives each
customer's best settings exactly, and a second classifier trained on past segment
transitions gives each household's next segment with the settings received and with
the recommended ones (see :func:`campaign_appetence`). The learning base and the design
matrix are built in ``_send_history``, the segment classifier in ``_segment_moves``,
the movements and their euros in ``_movements``, the uplift evaluation in ``_uplift``,
the fit and metrics in ``_models``; the seed is ``MESH_SEED``, read when the product is
materialised.
"""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import pandas as pd

from contracts.calendar import SEASONS
from contracts.customer_intelligence import CampaignAppetence
from domains.customer_intelligence.python._household_rfm import rfm_by_customer
from domains.customer_intelligence.python._models import (
    BOOKINGS,
    HOLDOUT_SHARE,
    MEMBERS,
    RFM,
    SEND_BATCH_ROWS,
    SENDS,
    BinaryModel,
    Frame,
    batched_log_odds,
    binary_metrics,
    data_today,
    label_year,
    sample_rows,
    sigmoid,
)
from domains.customer_intelligence.python._movements import (
    household_movements,
    movement_totals,
    segment_values,
)
from domains.customer_intelligence.python._segment_moves import (
    fit_segments,
    segment_features,
    segment_probabilities,
    segment_training,
)
from domains.customer_intelligence.python._send_history import (
    CUSTOMER_FEATURES,
    History,
    customer_block,
    design,
    fit_action_model,
    send_log_odds,
)
from domains.customer_intelligence.python._send_log import (
    PROGRAMMES,
    SETTINGS,
    Bookers,
    SendLog,
    code_sends,
    in_send_order,
)
from domains.customer_intelligence.python._uplift import evaluate_uplift
from mesh_platform.privacy.consent import consent_input, keep_consented
from mesh_platform.products.python import (
    Input,
    ProductOutput,
    input_batches,
    python_product,
    read_input,
)
from mesh_platform.settings import get_settings

APPETENCE_MAX_TRAINING_ROWS = 1_500_000
APPETENCE_MAX_EVALUATION_ROWS = 500_000
PREDICTION_CHUNK_ROWS = 1_000_000


def _choose_programmes(
    count: np.ndarray, rec_sum: np.ndarray, hypothetical: np.ndarray, share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The set of programmes that gives each customer the highest mean probability.

    Args:
        count: (customers, programmes) sends received per programme.
        rec_sum: (customers, programmes) summed probabilities of those sends with the
            best settings.
        hypothetical: (customers, programmes) probability of one more send of each
            programme with the best settings (for programmes never received).
        share: (programmes,) share of each programme among all sends.

    Returns:
        The best mean probability and, per customer, which programmes belong to the
        best set. The candidates are the programmes as received, and the annual mails
        with or without stay-cycle mails and powder alarms; a programme never received
        enters at its share of the customer's sends. The set as received is a
        candidate, so the best mean is never below the sends as received.
    """
    received = count > 0
    total = count.sum(axis=1, keepdims=True)
    weight = np.where(received, count, share[None, :] * total)
    value = np.where(received, rec_sum, hypothetical * weight)
    annual, stay, powder = (PROGRAMMES.index(p) for p in ("ANNUAL", "STAY", "POWDER_ALARM"))
    options = [received]
    for with_stay in (False, True):
        for with_powder in (False, True):
            chosen = np.zeros(len(PROGRAMMES), dtype=bool)
            chosen[annual] = True
            chosen[stay], chosen[powder] = with_stay, with_powder
            options.append(np.broadcast_to(chosen, received.shape))
    means = np.column_stack(
        [
            (value * chosen).sum(axis=1) / np.maximum((weight * chosen).sum(axis=1), 1e-12)
            for chosen in options
        ]
    )
    pick = means.argmax(axis=1)
    rows = np.arange(len(pick))
    return means[rows, pick], np.stack(options, axis=1)[rows, pick]


def _household_sends(log: SendLog, household: pd.Series) -> pd.DataFrame:
    """Sends and actions per household (of each customer code, missing when none) and
    season start year, by household id and year; households are grouped by integer
    code, and the sends counted into one cell per household and season, a batch of
    sends at a time (counts add up exactly): no per-send frame is ever built, nor a
    grouping of one, nor a per-send array of cells (at the large world, tens of
    millions)."""
    codes, ids = pd.factorize(household, sort=True)  # sorted: the ids' order
    seasons = max(log.n_seasons, 1)
    cells = len(ids) * seasons
    sends = np.zeros(cells, dtype=np.int64)
    actions = np.zeros(cells, dtype=np.int64)
    for start in range(0, log.rows, SEND_BATCH_ROWS):
        batch = slice(start, start + SEND_BATCH_ROWS)
        send_code = codes[log.customer[batch]]
        known = send_code >= 0
        cell = send_code[known].astype(np.int64) * seasons + log.season[batch][known]
        sends += np.bincount(cell, minlength=cells)
        actions += np.bincount(cell[log.action[batch][known] == 1], minlength=cells)
    held = np.flatnonzero(sends)  # in household then season order, as a grouping's
    return pd.DataFrame(
        {
            "household_id": np.asarray(ids, dtype=object)[held // seasons],
            "year": log.first_year + (held % seasons).astype(np.int64),
            "sends": sends[held].astype(np.int64),
            "actions": actions[held].astype(np.int64),
        }
    )


def _scored(
    model: BinaryModel, history: History, block: np.ndarray, log: SendLog, in_scope: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The customers ``in_scope`` (a mask of customer codes) scored: each setting's best
    value, their sends' summed probabilities as received (baseline) and per programme
    with the best settings, their sends per programme, and the probability of one more
    send of each programme with the best settings. What it holds (the sends in scope,
    the terms of every setting value) is let go when it returns."""
    scope = np.flatnonzero(in_scope)
    n_scope = scope.size

    def at_values(setting_values: dict[str, np.ndarray], cycle: np.ndarray) -> np.ndarray:
        def matrix(batch: slice) -> np.ndarray:
            codes = {k: v[batch] for k, v in {**setting_values, "cycle": cycle}.items()}
            lifts = history.value_lifts(scope[batch], codes)
            return design(block[batch], codes, lifts, np.zeros(codes["cycle"].size, dtype=np.int64))

        return batched_log_odds(model, n_scope, matrix)

    reference = {name: np.zeros(n_scope, dtype=np.int64) for name in SETTINGS}
    annual = np.zeros(n_scope, dtype=np.int64)
    term: dict[str, np.ndarray] = {}
    best: dict[str, np.ndarray] = {}
    for name, values in SETTINGS.items():
        term[name] = np.column_stack(
            [
                at_values({**reference, name: np.full(n_scope, v, dtype=np.int64)}, annual)
                for v in range(len(values))
            ]
        )
        best[name] = term[name].argmax(axis=1)

    # baseline: the sends as received; recommended: the same sends with the best settings
    position = np.full(log.customers.size, -1)
    position[scope] = np.arange(n_scope)
    rows = np.flatnonzero(in_scope[log.customer])
    who = position[log.customer[rows]]
    base_sum = np.zeros(n_scope)
    rec_sum = np.zeros((n_scope, len(PROGRAMMES)))
    count = np.zeros((n_scope, len(PROGRAMMES)))
    for start in range(0, rows.size, PREDICTION_CHUNK_ROWS):
        part, where = (
            rows[start : start + PREDICTION_CHUNK_ROWS],
            who[start : start + PREDICTION_CHUNK_ROWS],
        )
        codes = {k: v[part] for k, v in log.codes.items()}

        def chunk_design(
            batch: slice, part: np.ndarray = part, where: np.ndarray = where
        ) -> np.ndarray:
            batch_codes = {k: v[part[batch]] for k, v in log.codes.items()}
            lifts = history.value_lifts(log.customer[part[batch]], batch_codes)
            return design(block[where[batch]], batch_codes, lifts, log.channel[part[batch]])

        raw = batched_log_odds(model, part.size, chunk_design)
        uplift = sum(term[k][where, best[k][where]] - term[k][where, codes[k]] for k in SETTINGS)
        base_sum += np.bincount(where, weights=sigmoid(raw), minlength=n_scope)
        cell = where * len(PROGRAMMES) + codes["cycle"]
        rec_sum += np.bincount(
            cell, weights=sigmoid(raw + uplift), minlength=n_scope * len(PROGRAMMES)
        ).reshape(n_scope, -1)
        count += np.bincount(cell, minlength=n_scope * len(PROGRAMMES)).reshape(n_scope, -1)
    hypothetical = np.column_stack(
        [
            sigmoid(at_values(best, np.full(n_scope, c, dtype=np.int64)))
            for c in range(len(PROGRAMMES))
        ]
    )
    return best, base_sum, rec_sum, count, hypothetical


def _learning_base(sends: Frame, bookings: Frame) -> tuple[SendLog, pd.Timestamp]:
    """The sends coded into compact arrays, and the data's "today".

    The bookings are read first and kept as their customers and times only
    (:class:`Bookers`). The sends are read and coded a batch at a time
    (:func:`code_sends`): the platform's frame of every send is never held. A frame
    passed as it is (a direct call) is put in send order first.

    The send times' Series are held in reference cycles (pandas caches its ``.dt``
    accessor on the Series it reads), which only the cycle collector frees: it runs
    here, or the last batches' times would stay beside the fits."""
    if isinstance(sends, pd.DataFrame):
        sends = in_send_order(sends)
    bookers = Bookers(read_input(bookings))  # the bookings' frame let go
    log, latest = code_sends(input_batches(sends, rows=SEND_BATCH_ROWS), bookers)
    gc.collect()
    return log, data_today(pd.Series(latest), bookers.latest)


def _household_of(members: Frame, households: Frame) -> pd.Series:
    """Each customer's household, by customer id (both as text), for the households
    ``customers.households`` holds; the two frames read here and let go."""
    held = set(read_input(households)["household_id"])
    frame = read_input(members)
    known = frame[frame["household_id"].isin(held)]
    return known.set_index(known["customer_id"].astype(str))["household_id"].astype(str)


@python_product(
    CampaignAppetence,
    inputs={
        "sends": SENDS,
        "bookings": BOOKINGS,
        "segments": replace(RFM, deferred=True),
        "members": MEMBERS,
        "households": Input(
            "customers.households", ("household_id", "size", "stays"), deferred=True
        ),
        "consent": consent_input(CampaignAppetence),
    },
)
def campaign_appetence(
    *,
    sends: Frame,
    bookings: Frame,
    segments: Frame,
    members: Frame,
    households: Frame,
    consent: Frame,
) -> ProductOutput:
    """Each customer's best campaign settings, their appetence gain and the segment move.

    The learning base is every send; its label is an action (click, second open, or a
    booking of the customer within seven days). A seeded gradient-boosting classifier
    learns the probability of an action from the customer's features known before the
    send's season (past action rate and, per setting value, the customer's lift over
    it; the household's RFM of the previous season) and the send's settings (main and
    secondary highlight, subject type, send day and time slot in Paris time,
    programme and channel). Interaction constraints keep its log-odds a sum of one term
    per setting, so each customer's best value of each setting is found exactly, and
    replacing a send's settings by the best ones can only raise its probability.

    Recommended probability: the customer's sends as received with the best settings,
    then with stay-cycle mails and powder alarms each kept, dropped or (when never
    received) added at their share of all sends, whichever set gives the highest mean
    probability. A second classifier, trained on past season-to-season transitions,
    gives each household's distribution of next segments twice: fed with its
    customers' baseline probabilities as its action rate, and with their recommended
    ones; the movement and the euros the settings generate compare the two (see
    ``_movements`` and the contract). The same action model, refitted on the seasons
    before the latest one, is evaluated as uplift on the latest one (``_uplift``).
    Customers are those with a send whose household has a segment in the latest
    season (the others have no segment to move from) and who hold the consent the
    contract declares (the settings reach no one else; the others are left out,
    :func:`~mesh_platform.privacy.consent.keep_consented`); their household comes from
    ``customers.customer_profile``.
    """
    seed = get_settings().seed
    rng = np.random.default_rng(seed)
    log, today = _learning_base(sends, bookings)
    household_of = _household_of(members, households)
    rfm_rows = read_input(segments)
    segment_year = label_year(rfm_rows["season"])
    latest = int(segment_year.max())
    current = rfm_rows[segment_year == latest]
    width = max(log.n_seasons, latest - log.first_year + 1) + 1
    rfm = rfm_by_customer(rfm_rows, household_of, log.customers, log.first_year, width)
    # each customer's household: held as the sends' customers', not by customer id; the
    # segments are read again for the segment model, neither held through the fits
    scope_households = pd.Series(log.customers).map(household_of)
    del rfm_rows, segment_year, household_of

    # the action model: customers split 80/20, sends sampled within each side
    held_customer = rng.random(log.customers.size) < HOLDOUT_SHARE
    held_rows = held_customer[log.customer]
    fit_rows = np.flatnonzero(~held_rows)
    fit_rows = fit_rows[sample_rows(fit_rows.size, APPETENCE_MAX_TRAINING_ROWS, rng)]
    eval_rows = np.flatnonzero(held_rows)
    eval_rows = eval_rows[sample_rows(eval_rows.size, APPETENCE_MAX_EVALUATION_ROWS, rng)]
    del held_customer, held_rows  # a flag per send
    # the uplift evaluation's samples: the earlier seasons to fit, the latest to judge
    held = log.n_seasons - 1
    before = np.flatnonzero(log.season < held)
    before = before[sample_rows(before.size, APPETENCE_MAX_TRAINING_ROWS, rng)]
    after = np.flatnonzero(log.season == held)
    after = after[sample_rows(after.size, APPETENCE_MAX_EVALUATION_ROWS, rng)]
    # the uplift evaluation first, on a history of its own, let go before the main one
    held_out = evaluate_uplift(log, rfm, fit_rows=before, eval_rows=after, seed=seed)
    del before, after

    # customers in scope: the only ones the main model is asked about setting by setting
    segment_of = current.set_index("household_id")["segment"]
    in_segment = scope_households.isin(set(segment_of.index)).to_numpy()
    candidates = pd.DataFrame(
        {
            "customer_id": log.customers[in_segment],
            "household_id": scope_households[in_segment].to_numpy(),
        }
    )
    kept, left_out = keep_consented(CampaignAppetence, candidates, consent)
    in_scope = in_segment & pd.Series(log.customers).isin(set(kept["customer_id"])).to_numpy()
    del candidates, kept  # not held through the fit (at large, a million ids each)
    scope = np.flatnonzero(in_scope)
    n_scope = scope.size

    # the main model, on a history of its own (every season)
    model, history = fit_action_model(log, rfm, fit_rows, eval_rows, seed=seed, valued=scope)
    evaluation = binary_metrics(
        log.action[eval_rows], sigmoid(send_log_odds(model, log, history, rfm, eval_rows))
    )
    history = history.keeping(eval_rows[:0])  # the scoring reads no send's own lifts

    # the customers in scope: their features now (every season) and their best settings
    now = np.full(n_scope, log.n_seasons)
    block = customer_block(history, scope, now, rfm, np.full(n_scope, latest - log.first_year + 1))

    best, base_sum, rec_sum, count, hypothetical = _scored(model, history, block, log, in_scope)
    del history, block  # every customer's per-value lifts: done with
    sends_total = count.sum(axis=1)
    baseline = base_sum / sends_total
    share = np.bincount(log.codes["cycle"], minlength=len(PROGRAMMES)) / max(log.rows, 1)
    best_mean, chosen_set = _choose_programmes(count, rec_sum, hypothetical, share)
    recommended = np.maximum(best_mean, baseline)
    gain = np.clip(recommended - baseline, 0.0, 1.0)

    # each household's next segment with the settings received and the recommended ones
    household_sends = _household_sends(log, scope_households)
    seg_model, seg_metrics = fit_segments(
        segment_training(read_input(segments), household_sends, latest), rng, seed
    )
    scope_ids = log.customers[scope]
    scope_household = scope_households.to_numpy()[scope]
    rates = (
        pd.DataFrame(
            {
                "household_id": scope_household,
                "scope_sends": sends_total,
                "baseline": base_sum,
                "recommended": recommended * sends_total,
            }
        )
        .groupby("household_id", sort=True)
        .agg(
            household_customers=("scope_sends", "size"),
            scope_sends=("scope_sends", "sum"),
            baseline=("baseline", "sum"),
            recommended=("recommended", "sum"),
        )
        .reset_index()
    )
    now_rows = rates.merge(current.assign(year=latest), on="household_id", how="left")
    classes, p_base = segment_probabilities(
        seg_model,
        segment_features(
            now_rows.assign(action_rate=now_rows["baseline"] / now_rows["scope_sends"]),
            household_sends,
        ),
    )
    _, p_rec = segment_probabilities(
        seg_model,
        segment_features(
            now_rows.assign(action_rate=now_rows["recommended"] / now_rows["scope_sends"]),
            household_sends,
        ),
    )
    seg_values = segment_values(current, classes)
    moves = household_movements(now_rows, classes, p_base, p_rec, seg_values).assign(
        household_customers=now_rows["household_customers"].to_numpy(),
        current_segment=now_rows["segment"].to_numpy(),
    )
    row = pd.DataFrame({"household_id": scope_household}).merge(
        moves, on="household_id", how="left"
    )
    per_customer = 1.0 / row["household_customers"].to_numpy()

    version = f"appetence-hgb-{today:%Y.%m.%d}"
    out = pd.DataFrame(
        {
            "customer_id": scope_ids,
            "household_id": scope_household,
            "season": SEASONS.label(latest),
            **{
                name: np.asarray(values, dtype=object)[best[name]]
                for name, values in SETTINGS.items()
            },
            "powder_alarm_useful": chosen_set[:, PROGRAMMES.index("POWDER_ALARM")],
            "stay_cycle_mails_useful": chosen_set[:, PROGRAMMES.index("STAY")],
            "baseline_action_probability": baseline,
            "recommended_action_probability": recommended,
            "appetence_gain": gain,
            "current_segment": row["current_segment"].to_numpy(),
            "baseline_segment": row["baseline_segment"].to_numpy(),
            "predicted_segment": row["predicted_segment"].to_numpy(),
            "segment_steps": row["segment_steps"].to_numpy(int),
            "generated_move": row["generated_move"].to_numpy(),
            "probability_shift": row["probability_shift"].to_numpy(),
            "baseline_expected_amount_eur": row["baseline_expected_amount_eur"].round(2),
            "recommended_expected_amount_eur": row["recommended_expected_amount_eur"].round(2),
            "household_customers": row["household_customers"].to_numpy(int),
            "expected_amount_change_eur": np.round(row["change"].to_numpy() * per_customer, 2)
            + 0.0,
            "expected_gain_eur": np.round(row["gain"].to_numpy() * per_customer, 2),
            "avoided_loss_eur": np.round(row["avoided"].to_numpy() * per_customer, 2),
            "model_version": version,
            "scored_at": today,
        }
    )
    metadata = {
        "model": "HistGradientBoostingClassifier (additive across settings)",
        "model_version": version,
        "seed": seed,
        "today": today.isoformat(),
        "learning_base_sends": log.rows,
        "action_rate": round(float(log.action.mean()), 5) if log.rows else None,
        "training_rows": int(fit_rows.size),
        "features": [
            *CUSTOMER_FEATURES,
            *(f"{k} with its action and open lifts" for k in SETTINGS),
            "programme and channel with their action and open lifts",
        ],
        "evaluation": {"split": "20% of customers held out", **evaluation},
        "uplift_evaluation": {"model_version": version, **held_out},
        "segment_model": seg_metrics,
        "segment_values_eur": {
            str(c): round(float(v), 2) for c, v in zip(classes, seg_values, strict=True)
        },
        "totals": movement_totals(out),
        "left_out_without_consent": len(left_out),
    }
    return ProductOutput(out, metadata, left_out=left_out if len(left_out) else None)
