"""How operational extracts get dirty: case, accents, spaces, phone formats, broken e-mails.

Each function takes clean columns and a random generator and returns the column as
a source system would have typed it. Every variation stays *resolvable*: upper
case, accents stripped and spaces collapsed give the clean value back, and a
phone number in any local format normalises to the same E.164 number given the
contact's country.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.simulation.frames import select_by, with_nulls


def strip_accents(series: pl.Series) -> pl.Series:
    """The column without diacritics (``Hélène`` -> ``Helene``)."""
    return series.str.normalize("NFKD").str.replace_all(r"\p{M}", "")


def ascii_slug(series: pl.Series, sep: str = "") -> pl.Series:
    """Lower-case ASCII letters only, words joined by ``sep`` (for e-mails and URLs)."""
    out = strip_accents(series).str.to_lowercase()
    out = out.str.replace_all(r"[^a-z]+", " ").str.strip_chars()
    return out.str.replace_all(" ", sep, literal=True)


def vary_case(
    series: pl.Series,
    rng: np.random.Generator,
    upper: float = 0.0,
    lower: float = 0.0,
    title: float = 0.0,
) -> pl.Series:
    """Some values in UPPER, lower or Title case; the rest untouched."""
    return vary_case_by(series, rng.random(series.len()), upper, lower, title)


def vary_case_by(
    series: pl.Series, u: np.ndarray, upper: float = 0.0, lower: float = 0.0, title: float = 0.0
) -> pl.Series:
    """:func:`vary_case` with its uniform draws given (one a row): rows can be varied a
    part at a time, with the draws made for all of them at once."""
    s = series
    up = pl.Series(u < upper)
    lo = pl.Series((u >= upper) & (u < upper + lower))
    ti = pl.Series((u >= upper + lower) & (u < upper + lower + title))
    return pl.select(
        pl.when(up)
        .then(s.str.to_uppercase())
        .when(lo)
        .then(s.str.to_lowercase())
        .when(ti)
        .then(s.str.to_titlecase())
        .otherwise(s)
    ).to_series()


def drop_accents(series: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """Accents stripped on a share of the rows (keyboards and old systems)."""
    return drop_accents_where(series, rng.random(series.len()) < share)


def drop_accents_where(series: pl.Series, stripped: np.ndarray) -> pl.Series:
    """Accents stripped on the rows ``stripped`` marks."""
    mask = pl.Series(stripped)
    return pl.select(pl.when(mask).then(strip_accents(series)).otherwise(series)).to_series()


def stray_spaces(series: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """Leading, trailing or doubled spaces on a share of the rows."""
    u = rng.random(series.len())
    lead = pl.Series(u < share / 3)
    trail = pl.Series((u >= share / 3) & (u < 2 * share / 3))
    double = pl.Series((u >= 2 * share / 3) & (u < share))
    return pl.select(
        pl.when(lead)
        .then(pl.lit(" ") + series)
        .when(trail)
        .then(series + pl.lit("  "))
        .when(double)
        .then(series.str.replace(" ", "  ", literal=True))
        .otherwise(series)
    ).to_series()


def _pairs(national: pl.Series) -> pl.Series:
    """Digits grouped by two from the left: ``0612345678`` -> ``06 12 34 56 78``."""
    return national.str.replace_all(r"(\d\d)", "$1 ").str.strip_chars(" ")


def _threes(national: pl.Series) -> pl.Series:
    return national.str.replace_all(r"(\d\d\d)", "$1 ").str.strip_chars(" ")


def phone_formats(
    dial: pl.Series,
    trunk: pl.Series,
    nsn: pl.Series,
    rng: np.random.Generator,
    garbage: float = 0.01,
) -> pl.Series:
    """A phone number typed in assorted local and international formats.

    ``dial`` is the country calling code, ``trunk`` the national prefix ("0" or
    ""), ``nsn`` the national significant number. The E.164 form is
    ``+{dial}{nsn}``; every variant below normalises back to it knowing the
    contact's country, except the ``garbage`` share (placeholders, truncated numbers).
    """
    n = nsn.len()
    national = trunk + nsn
    variants: list[pl.Expr | pl.Series] = [
        pl.lit("+") + dial + nsn,
        pl.lit("+")
        + dial
        + pl.lit(" ")
        + nsn.str.slice(0, 1)
        + pl.lit(" ")
        + _pairs(nsn.str.slice(1)),
        national,
        _pairs(national),
        _pairs(national).str.replace_all(" ", ".", literal=True),
        pl.lit("00") + dial + nsn,
        pl.lit("+") + dial + pl.lit(" (") + trunk + pl.lit(")") + _threes(nsn),
        nsn,
        _threes(national).str.replace_all(" ", "-", literal=True),
        pl.lit("+") + dial + pl.lit("-") + nsn,
    ]
    weights = np.array([0.22, 0.10, 0.22, 0.18, 0.06, 0.05, 0.04, 0.05, 0.05, 0.03])
    which = np.searchsorted(np.cumsum(weights / weights.sum()), rng.random(n), side="right")
    which = np.minimum(which, len(variants) - 1)
    out = select_by(which, variants)
    junk = rng.random(n) < garbage
    if junk.any():
        placeholders = pl.Series(["N/A", "0000000000", "00", "-", "?", "0600000000", ""])
        filler = placeholders.gather(rng.integers(0, placeholders.len(), n))
        truncated = out.str.slice(0, 5)
        pick_trunc = pl.Series(rng.random(n) < 0.4)
        bad = pl.select(pl.when(pick_trunc).then(truncated).otherwise(filler)).to_series()
        out = pl.select(pl.when(pl.Series(junk)).then(bad).otherwise(out)).to_series()
    return out


def break_emails(emails: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """Syntactically invalid e-mails on a share of the rows (typos, placeholders)."""
    n = emails.len()
    broken = rng.random(n) < share
    if not broken.any():
        return emails
    kind = rng.integers(0, 6, n)
    variants: list[pl.Expr | pl.Series] = [
        emails,
        emails.str.replace("@", "", literal=True),
        emails.str.replace("@", "@@", literal=True),
        emails.str.replace(r"\.[a-z]+$", ""),
        emails.str.replace(".", " ", literal=True),
        emails.str.replace("@", " at ", literal=True),
        pl.Series(["pas d'email"] * n),
    ]
    return select_by(np.where(broken, kind + 1, 0), variants)


def messy_emails(emails: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """Valid but untidy e-mails: capitals and surrounding spaces (lower/trim cleans them)."""
    u = rng.random(emails.len())
    upper = pl.Series(u < share / 2)
    padded = pl.Series((u >= share / 2) & (u < share))
    first_cap = emails.str.slice(0, 1).str.to_uppercase() + emails.str.slice(1)
    return pl.select(
        pl.when(upper).then(first_cap).when(padded).then(emails + pl.lit(" ")).otherwise(emails)
    ).to_series()


def blank(series: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """Nulls on a share of the rows."""
    return with_nulls(series, rng.random(series.len()) < share)
