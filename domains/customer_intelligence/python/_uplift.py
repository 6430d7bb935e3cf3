"""Campaign appetence evaluated as uplift, on a held-out season of campaign history.

Not a product (see the package): the machinery of ``campaign_appetence``. The action
model is fitted again on the sends of the seasons before the latest one, with the
features known then, and judged on the latest season's sends (:func:`evaluate_uplift`).
A campaign master's settings are the same for all its recipients and are not chosen
for them, so in the held-out season some sends *happen* to carry the value the model
recommends to their customer for a setting and others do not: a natural experiment.
For each (send, setting) the model predicts the uplift of the recommended value over
the other values; ranking those units by it, the actions of the sends that carried the
recommended value are compared with those of the sends that did not (the uplift and
Qini curves), and for every value of every setting the observed difference in action
rate is set against the model's predicted one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from contracts.calendar import SEASONS
from domains.customer_intelligence.python._household_rfm import HouseholdRFM
from domains.customer_intelligence.python._models import log_odds, sigmoid
from domains.customer_intelligence.python._send_history import (
    customer_block,
    design,
    fit_action_model,
    send_log_odds,
)
from domains.customer_intelligence.python._send_log import SETTINGS, SendLog

CURVE_SHARES = tuple(round(0.1 * k, 1) for k in range(1, 11))
"""Top shares of the ranked units at which the uplift and Qini curves are read."""


def _rate(hits: np.ndarray, mask: np.ndarray) -> float | None:
    n = int(mask.sum())
    return float(hits[mask].mean()) if n else None


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 5)


def uplift_curve(
    score: np.ndarray, treated: np.ndarray, outcome: np.ndarray
) -> list[dict[str, Any]]:
    """The uplift and Qini curves of units ranked by ``score`` (highest first, ties in
    input order): at each top share, the treated and control units, their action
    rates, the uplift (treated rate - control rate) and the Qini value (treated actions
    - control actions x treated / control units, over all units)."""
    order = np.argsort(-score, kind="stable")
    t, y = treated[order].astype(bool), outcome[order].astype(float)
    n = t.size
    points = []
    for share in CURVE_SHARES:
        top = np.zeros(n, dtype=bool)
        top[: round(share * n)] = True
        n_t, n_c = int((top & t).sum()), int((top & ~t).sum())
        y_t, y_c = float(y[top & t].sum()), float(y[top & ~t].sum())
        rate_t, rate_c = (y_t / n_t if n_t else None), (y_c / n_c if n_c else None)
        qini = (y_t - y_c * n_t / n_c) / n if n_c and n else None
        points.append(
            {
                "top_share": share,
                "treated_units": n_t,
                "control_units": n_c,
                "treated_action_rate": None if rate_t is None else round(rate_t, 5),
                "control_action_rate": None if rate_c is None else round(rate_c, 5),
                "uplift": _difference(rate_t, rate_c),
                "qini": None if qini is None else round(qini, 6),
            }
        )
    return points


def qini_coefficient(points: list[dict[str, Any]]) -> float | None:
    """Area between the Qini curve and the straight line of a random ranking, read at
    the curve's shares (0 for a ranking no better than chance)."""
    if any(p["qini"] is None for p in points):
        return None
    total = points[-1]["qini"]
    return round(sum((p["qini"] - p["top_share"] * total) / len(points) for p in points), 6)


def evaluate_uplift(
    log: SendLog,
    rfm: HouseholdRFM,
    *,
    fit_rows: np.ndarray,
    eval_rows: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """The uplift evaluation of the action model on the latest season of campaign
    history, held out: ``fit_rows`` (sends of the earlier seasons, sorted) train a model
    of the same form, ``eval_rows`` (sends of the latest season, sorted) judge it.

    Its customer history is its own, as of the held-out season, with the lifts of these
    sends only and the per-value lifts of their customers only; the training sends'
    lifts are let go once their design is built, before the fit."""
    held = log.n_seasons - 1
    if log.n_seasons < 2 or not fit_rows.size or not eval_rows.size:
        return {"held_out_season": None, "reason": "fewer than two seasons of sends"}
    customers, who = np.unique(log.customer[eval_rows], return_inverse=True)
    model, history = fit_action_model(
        log, rfm, fit_rows, eval_rows, seed=seed, as_of=held, valued=customers
    )
    raw = send_log_odds(model, log, history, rfm, eval_rows)
    outcome = log.action[eval_rows]
    n = customers.size
    at = np.full(n, held)
    block = customer_block(history, customers, at, rfm, at)
    zero = {name: np.zeros(n, dtype=np.int64) for name in (*SETTINGS, "cycle")}

    def term(name: str, value: int) -> np.ndarray:
        codes = {**zero, name: np.full(n, value, dtype=np.int64)}
        lifts = history.value_lifts(customers, codes)
        return log_odds(model, design(block, codes, lifts, np.zeros(n, dtype=np.int64)))

    scores, treated, outcomes = [], [], []
    settings: dict[str, Any] = {}
    for name, values in SETTINGS.items():
        terms = np.column_stack([term(name, v) for v in range(len(values))])[who]
        code = log.codes[name][eval_rows]
        rows = np.arange(code.size)
        # probability of each held-out send had it carried each value of the setting
        proba = sigmoid(raw[:, None] + terms - terms[rows, code][:, None])
        best = terms.argmax(axis=1)
        others = (proba.sum(axis=1) - proba[rows, best]) / max(len(values) - 1, 1)
        score = proba[rows, best] - others
        follows = code == best
        scores.append(score)
        treated.append(follows)
        outcomes.append(outcome)
        by_value = {}
        for v, value in enumerate(values):
            carried = code == v
            by_value[value] = {
                "sends": int(carried.sum()),
                "action_rate": _difference(_rate(outcome, carried), 0.0),
                "observed_effect": _difference(_rate(outcome, carried), _rate(outcome, ~carried)),
                "predicted_effect": round(
                    float((proba[~carried, v] - proba[~carried, code[~carried]]).mean()), 5
                )
                if (~carried).any()
                else None,
                "recommended_share": round(float((best == v).mean()), 4),
            }
        settings[name] = {
            "follows_recommendation_share": round(float(follows.mean()), 4),
            "observed_uplift": _difference(_rate(outcome, follows), _rate(outcome, ~follows)),
            "predicted_uplift": round(
                float((proba[~follows, best[~follows]] - proba[~follows, code[~follows]]).mean()),
                5,
            )
            if (~follows).any()
            else None,
            "values": by_value,
        }
    curve = uplift_curve(np.concatenate(scores), np.concatenate(treated), np.concatenate(outcomes))
    return {
        "held_out_season": SEASONS.label(log.first_year + held),
        "training_sends": int(fit_rows.size),
        "held_out_sends": int(eval_rows.size),
        "held_out_customers": int(n),
        "held_out_action_rate": round(float(outcome.mean()), 5),
        "units": "one (send, setting) pair per held-out send and setting",
        "gain_at_top_decile": curve[0]["uplift"],
        "uplift_all_units": curve[-1]["uplift"],
        "qini_coefficient": qini_coefficient(curve),
        "curve": curve,
        "settings": settings,
    }
