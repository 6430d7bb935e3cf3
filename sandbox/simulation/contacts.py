"""How the simulated people are reached: e-mail addresses built from their names, and
national phone numbers by market (drawn by :mod:`sandbox.simulation.population`)."""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.simulation.dirt import ascii_slug
from sandbox.simulation.frames import concat, numbered, pick, where
from sandbox.simulation.people import EMAIL_DOMAINS
from sandbox.simulation.places import MARKETS
from sandbox.simulation.randomness import choose


def emails(
    rng: np.random.Generator, first: pl.Series, last: pl.Series, market: np.ndarray
) -> pl.Series:
    """Unique clean e-mails built from the names (``marie.dupont@orange.fr``)."""
    n = first.len()
    f = ascii_slug(first)
    la = ascii_slug(last)
    pattern = choose(rng, [0.45, 0.15, 0.12, 0.1, 0.1, 0.08], n)
    digits = pl.Series(rng.integers(1, 99, n)).cast(pl.String)
    local = pl.select(
        pl.when(pl.Series(pattern == 0))
        .then(f + pl.lit(".") + la)
        .when(pl.Series(pattern == 1))
        .then(f + la)
        .when(pl.Series(pattern == 2))
        .then(f.str.slice(0, 1) + pl.lit(".") + la)
        .when(pl.Series(pattern == 3))
        .then(la + pl.lit(".") + f)
        .when(pl.Series(pattern == 4))
        .then(f + pl.lit("_") + la)
        .otherwise(f + la + digits)
    ).to_series()
    domain = pl.Series([""] * n)
    for i, m in enumerate(MARKETS):
        sel = market == i
        domains = EMAIL_DOMAINS[m.country]
        d = pick([x for x, _ in domains], choose(rng, [w for _, w in domains], n))
        domain = where(sel, d, domain)
    email = concat(local, "@", domain)
    # the same address never belongs to two people: number the repeats
    repeat = (
        pl.DataFrame({"e": email})
        .with_columns(k=pl.int_range(pl.len()).over("e"))
        .get_column("k")
        .to_numpy()
    )
    suffix = pl.Series(repeat + 100).cast(pl.String)
    # "marie.dupont100@..": three-digit suffixes never collide with the two-digit pattern
    return where(repeat > 0, concat(local, suffix, "@", domain), email)


def national_numbers(rng: np.random.Generator, market: np.ndarray, *, mobile: bool) -> pl.Series:
    """National significant numbers by market (``612345678`` for a French mobile)."""
    n = market.size
    out = pl.Series([""] * n)
    for i, m in enumerate(MARKETS):
        sel = market == i
        lead = m.mobile_lead if mobile else m.landline_lead
        total = m.mobile_digits if mobile else m.landline_digits
        first = pick(tuple(lead), rng.integers(0, len(lead), n))
        rest = numbered("", rng.integers(0, 10 ** (total - 1), n, dtype=np.int64), total - 1)
        out = where(sel, first + rest, out)
    return out
