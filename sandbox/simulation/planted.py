"""The planted effect of the campaign settings: a truth for the appetence model to find.

Besides each person's own preferences (which only move a send's chances against the
other recipients of the same master, since every master is calibrated to the seed's
rates), one setting has a real effect that is the same for everyone and known: a
message whose secondary highlight is ``LIVE`` (the webcams) multiplies the odds of an
open and the odds of a click by :data:`PLANTED_ODDS_RATIO` (2), against any other
secondary highlight, every other setting and the recipient being equal.
:mod:`sandbox.simulation.campaigns` applies it after the calibration, to every open
probability and every click probability (clicks after an open, clicks without a
recorded open, SMS clicks), centred on the share of the sends that carry ``LIVE``
(clicks after an open further, :func:`click_centre`, their opens being already raised)
so that the open and click rates stay near the seed's 35% and 4.4%.

Masters draw their settings independently of their audiences, so the campaign history
is a randomised experiment on it: the CRM lab's appetence model must find that
``LIVE`` raises the actions, and by about as much as the held-out season shows
(``tests/domains/test_customer_intelligence_world.py``). Over recipients of unequal
appetite the odds ratio observed in the data is pulled towards 1 (a marginal odds
ratio), between 1 and 2.
"""

from __future__ import annotations

import numpy as np

from sandbox.simulation.population import SECONDARY_HIGHLIGHTS

PLANTED_SECONDARY_HIGHLIGHT = SECONDARY_HIGHLIGHTS.index("LIVE")
"""The secondary highlight that carries the planted effect (the webcams)."""
PLANTED_ODDS_RATIO = 2.0
"""Odds ratio of an open, and of a click, on a message with the planted highlight, against
any other."""


def planted_effect(p: np.ndarray, treated: bool, centre: float) -> np.ndarray:
    """Open or click probabilities ``p`` with the planted effect: odds multiplied by
    ``PLANTED_ODDS_RATIO ** (1 - centre)`` on a message with the planted highlight and
    divided by ``PLANTED_ODDS_RATIO ** centre`` otherwise, so the two always differ by
    the odds ratio; ``centre`` (the share of the sends that carry it, or
    :func:`click_centre`) keeps the mean rate where the calibration put it.

    >>> live = planted_effect(np.array([0.2]), True, 0.25)
    >>> other = planted_effect(np.array([0.2]), False, 0.25)
    >>> round(float(live[0] / (1 - live[0]) / (other[0] / (1 - other[0]))), 6)
    2.0
    """
    power = (1.0 - centre) if treated else -centre
    odds = p / np.maximum(1.0 - p, 1e-12) * PLANTED_ODDS_RATIO**power
    return np.asarray(odds / (1.0 + odds))


def click_centre(open_rate: float, live_share: float) -> float:
    """The centre of the planted effect on clicks after an open: the opens of the
    messages with the planted highlight are already more frequent, so their clicks are
    centred further for the clicks per send to stay where the calibration put them
    (exact for rare clicks)."""
    p = np.array([open_rate])
    live = float(planted_effect(p, True, live_share)[0]) / open_rate
    other = float(planted_effect(p, False, live_share)[0]) / open_rate
    return float(
        np.log2(live_share * live * PLANTED_ODDS_RATIO + (1 - live_share) * other)
        / np.log2(PLANTED_ODDS_RATIO)
    )
