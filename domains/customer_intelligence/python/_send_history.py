"""The campaign history as campaign appetence learns from it.

Not a product (see the package): the machinery of ``campaign_appetence``. The
learning base is one entry per send, its settings coded as integers
(:mod:`._send_log`); each customer's engagement (actions on every send, opens of
e-mails) before each season and now, overall and per setting value
(:func:`customer_history`); and the action model's design matrix, additive across
settings (:func:`design`, :func:`design_layout`, :func:`customer_block`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from domains.customer_intelligence.python._household_rfm import HouseholdRFM
from domains.customer_intelligence.python._models import (
    BinaryModel,
    batched_log_odds,
    fit_binary,
    logit,
)
from domains.customer_intelligence.python._send_log import PROGRAMMES, SETTINGS, SendLog

CUSTOMER_PRIOR_WEIGHT = 10.0
"""Pseudo-sends pulling a customer's past action rate towards the base rate."""
VALUE_PRIOR_WEIGHT = 5.0
"""Pseudo-sends pulling a customer's rate on one setting value towards their own rate."""
CUSTOMER_FEATURES = (
    "prior_action_logit",
    "prior_open_logit",
    "prior_sends_log",
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
)


_NONE = np.zeros(0, dtype=np.int64)
"""No customer: a history whose per-value lifts are counted later, if at all."""


@dataclass(frozen=True)
class Signal:
    """One engagement signal of each customer, before each season and now.

    ``prior[c, s]`` is the signal's rate for customer c over its eligible sends of the
    seasons before s (s = n_seasons: every season), smoothed towards the base rate;
    ``send_lift[k]`` the lift (log-odds ratio) of each kept send's value of setting k
    over its customer's own rate, from the seasons before the send's (the sends kept
    are the history's ``kept``); ``value_lift[k][i, v]`` the same lift for every value
    v, of the i-th customer whose per-value lifts are kept (the history's ``valued``),
    from the seasons before the history's ``as_of`` one (n_seasons: every season,
    "now"; the held-out one for the uplift evaluation).
    """

    sends: np.ndarray  # (C, S+1) eligible sends before season s
    prior: np.ndarray  # (C, S+1)
    send_lift: dict[str, np.ndarray]
    value_lift: dict[str, np.ndarray]  # (customers valued, values)


@dataclass(frozen=True)
class SeasonRows:
    """Each season's sends (positions, in send order) and, of the sends whose lifts are
    kept, the indices (into ``kept``) of each season's."""

    kept: np.ndarray
    sends: list[np.ndarray]
    kept_in: list[np.ndarray]


def season_rows(log: SendLog, kept: np.ndarray) -> SeasonRows:
    """The sends of each season, and which of the ``kept`` sends (sorted positions) fall
    in each: computed once for every signal. Each season's sends are found in send order
    and stored in 32 bits a season at a time: the order a stable sort by season gives,
    without its 64-bit positions of every send (at the large world, half a gigabyte)."""
    dtype = np.int32 if log.rows <= np.iinfo(np.int32).max else np.int64
    bounds = np.concatenate([[0], np.cumsum(np.bincount(log.season, minlength=log.n_seasons))])
    by_season = np.empty(log.rows, dtype=dtype)
    for season in range(log.n_seasons):
        by_season[bounds[season] : bounds[season + 1]] = np.flatnonzero(log.season == season)
    kept_season = log.season[kept]
    return SeasonRows(
        kept=kept,
        sends=[by_season[bounds[s] : bounds[s + 1]] for s in range(log.n_seasons)],
        kept_in=[np.flatnonzero(kept_season == s) for s in range(log.n_seasons)],
    )


def signal(
    log: SendLog,
    hit: np.ndarray,
    eligible: np.ndarray,
    as_of: int,
    rows: SeasonRows,
    *,
    valued: np.ndarray | None = None,
) -> Signal:
    """The customer history of one signal (``hit`` among the ``eligible`` sends);
    ``as_of`` is the season index whose per-value lifts are kept (n_seasons: now), for
    the customers ``valued`` (codes; default: every customer), ``rows`` each season's
    sends and the sends whose own lifts are kept (:func:`_lifts`).

    The counts are counted, a season at a time, as integers (in 32 bits): the same
    values as sums of unit weights, without a float per send (at the large world, 70
    million sends, two such arrays held 1.1 GB), and the same rates.
    """
    n_customers, width = int(log.customers.size), log.n_seasons + 1
    hit = (hit != 0) & eligible
    sends = np.zeros((n_customers, width), dtype=np.int32)  # column 0: before the first season
    hits = np.zeros((n_customers, width), dtype=np.int32)
    for season, in_season in enumerate(rows.sends):
        customer = log.customer[in_season]
        sends[:, season + 1] = np.bincount(customer[eligible[in_season]], minlength=n_customers)
        hits[:, season + 1] = np.bincount(customer[hit[in_season]], minlength=n_customers)
    np.cumsum(sends, axis=1, out=sends)
    np.cumsum(hits, axis=1, out=hits)
    base = float(np.count_nonzero(hit) / max(float(np.count_nonzero(eligible)), 1.0))
    prior = (hits + CUSTOMER_PRIOR_WEIGHT * base) / (sends + CUSTOMER_PRIOR_WEIGHT)
    del hits  # in the prior now
    send_lift, value_lift = _lifts(
        log, hit, eligible, prior=prior, as_of=as_of, rows=rows, valued=valued
    )
    return Signal(sends=sends, prior=prior, send_lift=send_lift, value_lift=value_lift)


def _lifts(
    log: SendLog,
    hit: np.ndarray,
    eligible: np.ndarray,
    *,
    prior: np.ndarray,
    as_of: int,
    rows: SeasonRows,
    valued: np.ndarray | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per setting, the own lifts of the sends ``rows.kept`` and the per-value lifts, at
    season index ``as_of``, of the customers ``valued`` (codes; default: every
    customer; none when empty), over the customers' own rates ``prior``. The seasons
    after both ``as_of`` (when values are asked) and the last kept send's are never
    accumulated.

    Per setting, the counts per customer and value are accumulated season by season (a
    running sum adds the seasons in the order a cumulative sum would, so the rates are
    the same bits): only one season's (customers, values) table is held at a time, never
    the whole (customers, seasons, values) cube."""
    n_customers, width = int(log.customers.size), log.n_seasons + 1
    kept, kept_in = rows.kept, rows.kept_in
    send_lift: dict[str, np.ndarray] = {}
    value_lift: dict[str, np.ndarray] = {}
    values_asked = valued is None or valued.size > 0
    last = max([as_of if values_asked else 0, *(s for s in range(width - 1) if kept_in[s].size)])
    for name, values in {**SETTINGS, "cycle": PROGRAMMES}.items():
        n_values = len(values)
        count = np.zeros((n_customers, n_values))
        won = np.zeros((n_customers, n_values))
        lifted = np.empty(kept.size)
        for slot in range(last + 1):  # the rates before season ``slot`` (width - 1: every one)
            read = slot < width - 1 and kept_in[slot].size > 0
            asked = slot == as_of and values_asked
            if asked or read:
                lift = _lift(won, count, prior[:, slot, None])
            if asked:
                value_lift[name] = lift if valued is None else lift[valued]
            if read:
                own_rows = kept[kept_in[slot]]
                lifted[kept_in[slot]] = lift.ravel()[
                    log.customer[own_rows] * n_values + log.codes[name][own_rows]
                ]
            if slot == last:  # no later season's lifts are asked
                break
            sends_in = rows.sends[slot]
            index = log.customer[sends_in] * n_values + log.codes[name][sends_in]
            count += np.bincount(index[eligible[sends_in]], minlength=count.size).reshape(
                count.shape
            )
            won += np.bincount(index[hit[sends_in]], minlength=won.size).reshape(won.shape)
        send_lift[name] = lifted
        if not values_asked:
            value_lift[name] = np.zeros((0, n_values))
    return send_lift, value_lift


def _lift(won: np.ndarray, count: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The lift of each customer's rate on each value (``won`` of ``count``, smoothed
    towards their own rate ``own``, one column) over their own rate, in log-odds.

    :func:`logit` of the rates minus :func:`logit` of ``own``, the same operations on the
    same values, so the same bits; computed in the rates' own array, and ``own``'s
    log-odds once a customer, not once a value: two (customers, values) tables held at
    a time, not six."""
    rate = won + VALUE_PRIOR_WEIGHT * own
    denominator = count + VALUE_PRIOR_WEIGHT
    rate /= denominator
    np.clip(rate, 1e-6, 1 - 1e-6, out=rate)
    np.subtract(1, rate, out=denominator)
    rate /= denominator
    del denominator
    np.log(rate, out=rate)
    rate -= logit(own)
    return rate


@dataclass(frozen=True)
class History:
    """A customer's past actions (every send) and opens (e-mails: SMS opens are not
    tracked); opens are frequent enough to reveal preferences that actions alone,
    a few per customer, cannot."""

    action: Signal
    open: Signal
    kept: np.ndarray
    """The sends (sorted positions) whose own lifts are kept: those a design is built for."""
    as_of: int
    """The season index of the per-value lifts (:meth:`value_lifts`); n_seasons: now."""
    valued: np.ndarray
    """Per customer code, the row of its per-value lifts; -1 when they were not kept."""

    def _at(self, rows: np.ndarray) -> np.ndarray:
        """Where the given sends' own lifts are.

        Raises:
            ValueError: a send whose lifts were not kept.
        """
        at = np.searchsorted(self.kept, rows).clip(max=max(self.kept.size - 1, 0))
        if rows.size and (not self.kept.size or (self.kept[at] != rows).any()):
            raise ValueError(
                "customer_intelligence.campaign_appetence: a design asked for sends whose "
                "lifts the history did not keep"
            )
        return at

    def send_lifts(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Per setting, the (action, open) lifts of the given sends' own values.

        Raises:
            ValueError: a send whose lifts were not kept.
        """
        at = self._at(rows)
        return {
            k: np.column_stack([self.action.send_lift[k][at], self.open.send_lift[k][at]])
            for k in self.action.send_lift
        }

    def keeping(self, rows: np.ndarray) -> History:
        """The same history with the own lifts of the given sends only (sorted positions,
        each kept here): once a sample's design is built, its lifts are let go.

        Raises:
            ValueError: a send whose lifts were not kept.
        """
        at = self._at(rows)
        action, opened = (
            replace(s, send_lift={k: v[at] for k, v in s.send_lift.items()})
            for s in (self.action, self.open)
        )
        return History(action=action, open=opened, kept=rows, as_of=self.as_of, valued=self.valued)

    def valuing(self, log: SendLog, valued: np.ndarray | None) -> History:
        """The same history with the per-value lifts (as of its ``as_of`` season) of the
        customers ``valued`` (codes; None: every customer) in place of its own: counted
        again from ``log``, the history it was built from, in the same order, so the same
        bits as :func:`customer_history` asked for them. A model is fitted on a history
        without them, and they are counted once its design is let go (at the large
        world, the lifts of the 591,005 customers in scope are 234 MiB)."""
        valued, row = _valued_rows(log, valued)
        rows = season_rows(log, self.kept[:0])
        action, opened = (
            replace(
                own,
                value_lift=_lifts(
                    log,
                    (hit != 0) & eligible,
                    eligible,
                    prior=own.prior,
                    as_of=self.as_of,
                    rows=rows,
                    valued=valued,
                )[1],
            )
            for own, (hit, eligible) in zip((self.action, self.open), _engagement(log), strict=True)
        )
        return History(action=action, open=opened, kept=self.kept, as_of=self.as_of, valued=row)

    def value_lifts(
        self, customer: np.ndarray, codes: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Per setting, the (action, open) lifts of the given customers' given values,
        from the seasons before the history's ``as_of`` one.

        Raises:
            ValueError: a customer whose per-value lifts were not kept.
        """
        row = self.valued[customer]
        if (row < 0).any():
            raise ValueError(
                "customer_intelligence.campaign_appetence: a design asked for customers "
                "whose per-value lifts the history did not keep"
            )
        action, opened = self.action.value_lift, self.open.value_lift
        return {
            k: np.column_stack([action[k][row, codes[k]], opened[k][row, codes[k]]]) for k in action
        }


def customer_history(
    log: SendLog,
    kept: np.ndarray | None = None,
    *,
    as_of: int | None = None,
    valued: np.ndarray | None = None,
) -> History:
    """Every customer's actions (on every send) and opens (of e-mails) over time. Each
    send's own lifts are kept for the sends ``kept`` only (default: every send): the
    designs of the samples a model is fitted and judged on, not the millions of sends
    around them; the per-value lifts are those known at season index ``as_of``
    (default ``n_seasons``: now; the uplift evaluation's history is another one, as of
    its held-out season, so neither holds the other's lifts), for the customers
    ``valued`` only (codes; default: every customer; none when empty, see
    :meth:`History.valuing`): those the model is asked about setting by setting, not
    every customer (at the large world, every customer's lifts are some 1.1 GB)."""
    as_of = log.n_seasons if as_of is None else as_of
    kept = np.arange(log.rows) if kept is None else np.unique(kept)
    rows = season_rows(log, kept)
    valued, row = _valued_rows(log, valued)
    action, opened = (
        signal(log, hit, eligible, as_of, rows, valued=valued) for hit, eligible in _engagement(log)
    )
    return History(action=action, open=opened, kept=kept, as_of=as_of, valued=row)


def _engagement(log: SendLog) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The two signals' hits and eligible sends: actions on every send, opens of
    e-mails (SMS opens are not tracked)."""
    return (log.action, np.ones(log.rows, dtype=bool)), (log.opened, log.channel == 0)


def _valued_rows(log: SendLog, valued: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
    """The customers ``valued`` (sorted codes; None: every customer) and, per customer
    code, the row of its per-value lifts (-1 when they are not kept)."""
    n_customers = int(log.customers.size)
    if valued is None:
        return None, np.arange(n_customers)
    valued = np.unique(valued.astype(np.int64))
    row = np.full(n_customers, -1)
    row[valued] = np.arange(valued.size)
    return valued, row


def send_design(log: SendLog, history: History, rfm: HouseholdRFM, rows: np.ndarray) -> np.ndarray:
    """The design matrix of the given sends as they were received, with the customer's
    features known before each send's season."""
    customer, season = log.customer[rows], log.season[rows]
    block = customer_block(history, customer, season, rfm, season)
    codes = {k: v[rows] for k, v in log.codes.items()}
    return design(block, codes, history.send_lifts(rows), log.channel[rows])


def fit_action_model(
    log: SendLog,
    rfm: HouseholdRFM,
    fit_rows: np.ndarray,
    eval_rows: np.ndarray,
    *,
    seed: int,
    as_of: int | None = None,
    valued: np.ndarray | None = None,
) -> tuple[BinaryModel, History]:
    """The action model fitted on the sends ``fit_rows`` as they were received, additive
    across settings (:func:`design_layout`), and the customer history it was built on
    (:func:`customer_history` as of ``as_of``), keeping the own lifts of the sends
    ``eval_rows`` only, those it is judged on, and the per-value lifts of the customers
    ``valued`` only (default: every customer).

    The training sends' lifts are let go once their design is built, before the fit; the
    per-value lifts are counted once the fit and its design are let go
    (:meth:`History.valuing`): the two are never held at once.
    """
    history = customer_history(
        log, kept=np.concatenate([fit_rows, eval_rows]), as_of=as_of, valued=_NONE
    )
    x = send_design(log, history, rfm, fit_rows)
    history = history.keeping(eval_rows)
    categorical, groups = design_layout()
    model = fit_binary(
        x, log.action[fit_rows], seed=seed, categorical=categorical, interaction_cst=groups
    )
    del x
    return model, history.valuing(log, valued)


def send_log_odds(
    model: BinaryModel, log: SendLog, history: History, rfm: HouseholdRFM, rows: np.ndarray
) -> np.ndarray:
    """The model's log-odds of action for the given sends as they were received, a
    batch of sends at a time."""
    return batched_log_odds(
        model, rows.size, lambda part: send_design(log, history, rfm, rows[part])
    )


def design(
    customer_block: np.ndarray,
    codes: dict[str, np.ndarray],
    lifts: dict[str, np.ndarray],
    channel: np.ndarray,
) -> np.ndarray:
    """The model's design matrix: the customer block, then for each setting its code and
    the customer's two lifts for it, then the programme, the channel and their lifts."""
    rows, width = customer_block.shape
    matrix = np.empty((rows, width + 3 * len(SETTINGS) + 4))  # filled in place: no copies
    matrix[:, :width] = customer_block
    for name in SETTINGS:
        matrix[:, width] = codes[name]
        matrix[:, width + 1 : width + 3] = lifts[name]
        width += 3
    matrix[:, width] = codes["cycle"]
    matrix[:, width + 1] = channel
    matrix[:, width + 2 :] = lifts["cycle"]
    return matrix


def design_layout() -> tuple[list[bool], list[list[int]]]:
    """Categorical columns, and the interaction constraints that keep the model additive
    across settings: a tree may combine the customer's features with ONE setting block.
    The log-odds is then a sum of one term per setting (given the customer), so the best
    value of each setting does not depend on the others and is found exactly."""
    n_customer = len(CUSTOMER_FEATURES)
    categorical = [False] * n_customer
    groups: list[list[int]] = []
    position = n_customer
    for _ in SETTINGS:
        categorical += [True, False, False]
        groups.append([*range(n_customer), position, position + 1, position + 2])
        position += 3
    categorical += [True, True, False, False]
    groups.append([*range(n_customer), *range(position, position + 4)])
    return categorical, groups


def customer_block(
    history: History,
    customer: np.ndarray,
    season: np.ndarray,
    rfm: HouseholdRFM,
    rfm_slot: np.ndarray,
) -> np.ndarray:
    """Customer features: past action and open rates (log-odds), past sends, household
    RFM."""
    return np.column_stack(
        [
            logit(history.action.prior[customer, season]),
            logit(history.open.prior[customer, season]),
            np.log1p(history.action.sends[customer, season]),
            rfm.at(customer, rfm_slot),
        ]
    )
