"""The CRM lab's two models on the simulated world the tests build once (``tiny``), or
on a world built at another scale: ``MESH_TEST_WORLD=.mesh deploy/local/run pytest
tests/domains/test_customer_intelligence_world.py`` checks the ``small`` world the
README's main command builds (on a copy of it).

The hand-made worlds of ``test_customer_intelligence.py`` prove the rules; these tests
read what the whole mesh published: the campaign appetence's totals are recomputed
from its rows, no household's euros exceed what its own probabilities and segment
values allow, the simulation's planted effect of the settings (the ``LIVE`` secondary
highlight doubles the odds of an open and of a click, ``sandbox.simulation.planted``)
is in the campaign history and is found by the model, and the lead scores are
calibrated probabilities with their reliability table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sandbox.simulation.planted import PLANTED_ODDS_RATIO
from tests.support.tiny_mesh import BuiltWorld

pytestmark = pytest.mark.slow

PLANTED_TOLERANCE = 0.5
"""How far the model's predicted effect of the planted setting may be from the effect
observed on the held-out season, relative to it (the tiny world holds a few thousand
held-out sends)."""


def _frame(built_world: BuiltWorld, query: str) -> pd.DataFrame:
    return pd.DataFrame(built_world.rows(query))


@pytest.fixture(scope="module")
def appetence(built_world: BuiltWorld) -> pd.DataFrame:
    rows = _frame(built_world, "SELECT * FROM customer_intelligence.campaign_appetence")
    assert len(rows) > 100, "too few customers in scope to judge the world"
    return rows


@pytest.fixture(scope="module")
def appetence_metadata(built_world: BuiltWorld) -> dict[str, Any]:
    return built_world.materialization_metadata("customer_intelligence.campaign_appetence")


def test_published_totals_are_recomputed_from_the_rows(
    appetence: pd.DataFrame, appetence_metadata: dict[str, Any]
) -> None:
    totals = appetence_metadata["totals"]
    households = appetence.groupby("household_id")
    # one move per household, shared by its rows
    assert (households["generated_move"].nunique() == 1).all()
    assert (households["household_customers"].first() == households.size()).all()
    move = households["generated_move"].first()
    up, avoided = int((move == "UP").sum()), int((move == "DOWN_AVOIDED").sum())
    assert totals["customers"] == len(appetence)
    assert totals["households"] == len(move)
    assert totals["movements_up"] == up
    assert totals["movements_down_avoided"] == avoided
    assert totals["movements_down_caused"] == int((move == "DOWN").sum())
    assert totals["movements_generated"] == up + avoided
    assert totals["movements_share_of_households"] == pytest.approx(
        (up + avoided) / len(move), abs=1e-4
    )
    steps = households["segment_steps"].first()[move == "UP"].value_counts()
    assert totals["up_by_steps"] == {str(s): int(n) for s, n in steps.items()}
    for column in ("expected_gain_eur", "avoided_loss_eur", "expected_amount_change_eur"):
        assert totals[column] == pytest.approx(float(appetence[column].sum()), abs=0.01)
    # the euros counted are the changes of the moves counted
    counted = appetence[appetence["generated_move"] == "UP"]
    assert totals["expected_gain_eur"] == pytest.approx(
        float(counted["expected_amount_change_eur"].clip(lower=0).sum()), abs=0.01
    )
    assert (appetence.loc[appetence["generated_move"] != "UP", "expected_gain_eur"] == 0).all()
    assert (
        appetence.loc[appetence["generated_move"] != "DOWN_AVOIDED", "avoided_loss_eur"] == 0
    ).all()


def test_no_household_gains_more_than_its_probabilities_and_segments_allow(
    appetence: pd.DataFrame, appetence_metadata: dict[str, Any]
) -> None:
    values = appetence_metadata["segment_values_eur"]
    spread = max(values.values()) - min(values.values())
    per_household = appetence.groupby("household_id").agg(
        baseline=("baseline_expected_amount_eur", "first"),
        recommended=("recommended_expected_amount_eur", "first"),
        shift=("probability_shift", "first"),
        change=("expected_amount_change_eur", "sum"),
        gain=("expected_gain_eur", "sum"),
        avoided=("avoided_loss_eur", "sum"),
        customers=("household_customers", "first"),
    )
    cents = 0.01 * per_household["customers"] + 0.01
    bound = per_household["shift"] * spread + cents
    assert (per_household["change"].abs() <= bound).all()
    assert (per_household["gain"] + per_household["avoided"] <= bound).all()
    assert np.allclose(
        per_household["change"], per_household["recommended"] - per_household["baseline"], atol=0.03
    )
    # expected amounts are probability-weighted segment values
    assert per_household["baseline"].between(min(values.values()), max(values.values())).all()
    # a household with no shift of probability moves no euro
    still = per_household["shift"] == 0
    assert (per_household.loc[still, "change"].abs() <= cents[still]).all()


def test_the_planted_effect_is_in_the_campaign_history(built_world: BuiltWorld) -> None:
    """E-mails carrying LIVE are opened more: each recipient's odds are doubled, so the
    odds ratio over all recipients, of unequal appetite, lies between 1 and 2 (a
    marginal odds ratio is pulled towards 1; the simulation's own tests check the
    doubling itself)."""
    rows = _frame(
        built_world,
        "SELECT secondary_highlight = 'LIVE' AS live, COUNT(*) AS sends,"
        " AVG(CASE WHEN opens_count > 0 THEN 1.0 ELSE 0.0 END) AS rate"
        " FROM campaigns.campaign_sends WHERE channel = 'email' GROUP BY 1",
    ).set_index("live")
    assert (rows["sends"] > 1000).all()
    odds = rows["rate"] / (1 - rows["rate"])
    ratio = float(odds.loc[True] / odds.loc[False])
    assert 1.3 <= ratio <= PLANTED_ODDS_RATIO * 1.05


def test_the_model_recovers_the_planted_effect(
    appetence: pd.DataFrame, appetence_metadata: dict[str, Any]
) -> None:
    """On the held-out season, LIVE raises the action rate (observed), the model
    predicts that rise within PLANTED_TOLERANCE, ranks LIVE first among the secondary
    highlights, and recommends it to most customers."""
    uplift = appetence_metadata["uplift_evaluation"]
    assert uplift["model_version"] == appetence_metadata["model_version"]
    assert uplift["held_out_sends"] > 1000
    secondary = uplift["settings"]["secondary_highlight"]["values"]
    live = secondary["LIVE"]
    assert live["observed_effect"] > 0
    assert live["predicted_effect"] > 0
    assert abs(live["predicted_effect"] - live["observed_effect"]) <= (
        PLANTED_TOLERANCE * live["observed_effect"]
    )
    assert max(secondary, key=lambda v: secondary[v]["predicted_effect"]) == "LIVE"
    assert (appetence["secondary_highlight"] == "LIVE").mean() > 0.5
    assert uplift["gain_at_top_decile"] is not None
    assert uplift["qini_coefficient"] is not None


def test_lead_scores_are_calibrated_with_a_reliability_table(built_world: BuiltWorld) -> None:
    metadata = built_world.materialization_metadata("customer_intelligence.lead_scores")
    calibration = metadata["calibration"]
    assert calibration["model_version"] == metadata["model_version"]
    assert calibration["season"] == metadata["evaluation"]["holdout_season"]
    table = calibration["reliability"]
    assert sum(row["rows"] for row in table) == calibration["check_rows"] > 0
    scores = [row["mean_score"] for row in table]
    assert scores == sorted(scores)
    # calibrated on one half of the held-out season's customers, read on the other:
    # no worse than the raw scores, and close to the observed rates
    raw, calibrated = calibration["raw"], calibration["calibrated"]
    assert calibrated["calibration_error"] <= raw["calibration_error"] + 0.005
    assert calibrated["calibration_error"] < 0.05
    assert calibrated["roc_auc"] == pytest.approx(raw["roc_auc"], abs=1e-3)  # ranking kept
    published = _frame(
        built_world,
        "SELECT season, COUNT(DISTINCT village_id) AS villages, MIN(score) AS low,"
        " MAX(score) AS high FROM customer_intelligence.lead_scores GROUP BY season",
    )
    assert len(published) == 2  # the current season and the next: the period
    assert (published["villages"] > 1).all()  # several resorts per period
    assert ((published["low"] >= 0) & (published["high"] <= 1)).all()
