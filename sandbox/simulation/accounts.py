"""Client accounts of the reservation system: who paid and who held each booking.

The reservation system opens an account the first time a person pays for or holds
a booking. A few people end up with a second account (opened by an agency or a
partner), used for their later bookings through those channels: the same person
under two codes, which identity resolution must merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.frames import concat, numbered, pick
from sandbox.simulation.places import MARKETS
from sandbox.simulation.population import Population
from sandbox.simulation.stays import Stays

SECOND_ACCOUNT_SHARE = 0.06
"""Share of repeat payers who got a second account."""


@dataclass(frozen=True)
class Accounts:
    """Accounts (in opening order) and the accounts used by each stay."""

    person: np.ndarray
    code: pl.Series
    created: np.ndarray  # seconds
    second: np.ndarray  # a person's second account
    payer: np.ndarray  # per stay: account index
    holder: np.ndarray  # per stay: account index

    @property
    def n(self) -> int:
        return int(self.person.size)


def build(ctx: Context, pop: Population, stays: Stays) -> Accounts:
    """Open the accounts the stays need."""
    rng = ctx.streams("accounts")
    n_p = pop.persons.n
    # stays are in creation order: the first appearance of a person opens its account
    who = np.concatenate([stays.payer, stays.holder])
    when = np.concatenate([stays.created, stays.created])
    order = np.argsort(when, kind="stable")
    people, first = np.unique(who[order], return_index=True)
    first_time = when[order][first]

    # second accounts: repeat payers, switching at one of their later bookings
    pay_count = np.bincount(stays.payer, minlength=n_p)
    chosen = (pay_count >= 2) & (rng.random(n_p) < SECOND_ACCOUNT_SHARE)
    rank = (
        pl.DataFrame({"p": stays.payer})
        .with_columns(r=pl.int_range(pl.len()).over("p"))
        .get_column("r")
        .to_numpy()
    )
    switch_rank = 1 + np.floor(rng.random(n_p) * np.maximum(pay_count - 1, 1)).astype(np.int64)
    at_switch = chosen[stays.payer] & (rank == switch_rank[stays.payer])
    second_people = stays.payer[at_switch]
    second_time = stays.created[at_switch]

    person = np.concatenate([people, second_people])
    created = np.concatenate([first_time, second_time])
    second = np.concatenate([np.zeros(people.size, bool), np.ones(second_people.size, bool)])
    open_order = np.argsort(created, kind="stable")
    person, created, second = person[open_order], created[open_order], second[open_order]

    primary = np.full(n_p, -1, dtype=np.int64)
    alt = np.full(n_p, -1, dtype=np.int64)
    primary[person[~second]] = np.flatnonzero(~second)
    alt[person[second]] = np.flatnonzero(second)

    via_desk = np.isin(stays.channel, [2, 3]) | (rng.random(stays.n) < 0.3)
    after_switch = chosen[stays.payer] & (rank >= switch_rank[stays.payer]) & via_desk
    payer = np.where(after_switch, alt[stays.payer], primary[stays.payer])
    holder = np.where(stays.holder == stays.payer, payer, primary[stays.holder])

    market = pop.households.market[pop.persons.household[person]]
    numbers = 1_000_000 + np.cumsum(rng.integers(1, 5, person.size))
    code = concat(pick([m.country for m in MARKETS], market), "-", numbered("", numbers, 7))
    return Accounts(
        person=person, code=code, created=created, second=second, payer=payer, holder=holder
    )
