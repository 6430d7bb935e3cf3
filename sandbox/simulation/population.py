"""The hidden truth about customers: households, the adults in them, their tastes and value.

Nothing here is written as such: the extracts of :mod:`customers` render these
people as two source systems saw them, and every other source family draws its
behaviour from the same people.

Household value is heavy-tailed: a small loyal core comes back every season and
spends more per stay (about 3% of households make about 33% of revenue over five
seasons), most households come once or twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.contacts import emails, national_numbers
from sandbox.simulation.context import Context
from sandbox.simulation.frames import concat, pick, where
from sandbox.simulation.people import CITIES, NAMES, STREETS
from sandbox.simulation.places import MARKETS
from sandbox.simulation.randomness import choose
from sandbox.simulation.territory import Territory
from sandbox.simulation.timeline import DAY, epoch_day

LANGUAGES = ("fr", "en", "de", "it", "es", "nl", "pt", "zh")
HOUSEHOLD_KINDS = ("SINGLE", "COUPLE", "FAMILY")
VALUE_CLASSES = ("CORE", "REGULAR", "OCCASIONAL", "RARE")

# campaign settings a person may prefer (see campaigns)
MAIN_HIGHLIGHTS = ("NEWS", "VIDEO", "EVENEMENT")
SECONDARY_HIGHLIGHTS = ("RS", "PLAN", "LIVE", "METEO")
SUBJECT_TYPES = ("SENSATION", "EXCLAMMATIF", "QUESTION", "SKIER", "DESTINATION", "TEMPS")
TIME_SLOTS = ("MORNING", "AFTERNOON", "EVENING")

_MARKET_SPEND = {"CH": 1.35, "US": 1.2, "GB": 1.1, "CN": 1.15, "BR": 0.95, "BE": 1.05, "DE": 1.05}
_MARKET_MOUNTAIN = {"CN": -0.25, "BR": -0.3, "US": -0.15, "ES": -0.1, "CH": 0.1, "GB": 0.05}

BOOKING_ONLY_SHARE = 0.04
"""Share of people known only to the reservation system (agency bookings, no CRM record)."""


@dataclass(frozen=True)
class Households:
    """One row per household (people sharing one postal address)."""

    kind: np.ndarray
    adults: np.ndarray
    children: np.ndarray
    market: np.ndarray  # index into MARKETS
    language: np.ndarray  # index into LANGUAGES
    iris: np.ndarray  # index into the territory's zones, -1 outside France
    address1: pl.Series
    address2: pl.Series
    postal_code: pl.Series
    city: pl.Series
    value_class: np.ndarray
    base_rate: np.ndarray  # stays per season before calibration
    spend: np.ndarray  # multiplier of what a stay costs
    pref_mountain: np.ndarray
    pref_winter: np.ndarray
    acquired: np.ndarray  # season index of the first stay window; -1: before the period
    churned: np.ndarray  # season index from which the household no longer comes
    first_person: np.ndarray  # index of its first adult

    @property
    def n(self) -> int:
        return int(self.kind.size)


@dataclass(frozen=True)
class Persons:
    """One row per adult."""

    household: np.ndarray
    rank: np.ndarray  # 0 for the household's first adult
    female: np.ndarray
    first_name: pl.Series
    last_name: pl.Series
    birth_day: np.ndarray  # epoch day
    email: pl.Series  # clean, lower case; null when none
    email_state: np.ndarray  # 0 none, 1 valid, 2 typed invalid, 3 valid syntax but dead
    crm_birth_hidden: np.ndarray  # the CRM lacks the birth date (the e-mail then matches)
    booking_email_hidden: np.ndarray  # the reservation system lacks the e-mail
    booking_birth_hidden: np.ndarray  # the reservation system lacks the birth date
    mobile: pl.Series  # national significant number, null when none
    landline: pl.Series
    landline2: pl.Series
    in_crm: np.ndarray
    email_opt_in: np.ndarray
    sms_opt_in: np.ndarray
    postal_opt_in: np.ndarray
    ads_opt_in: np.ndarray
    engagement: np.ndarray  # appetite for CRM messages, standard score
    pref_main: np.ndarray
    pref_secondary: np.ndarray
    pref_subject: np.ndarray
    pref_weekday: np.ndarray
    pref_slot: np.ndarray
    crm_created: np.ndarray  # seconds

    @property
    def n(self) -> int:
        return int(self.household.size)


@dataclass(frozen=True)
class CrmRecords:
    """Rows of the CRM contact base: every CRM person once, plus duplicates."""

    person: np.ndarray
    contact_id: np.ndarray  # raw CRM id (integer)
    created: np.ndarray  # seconds
    duplicate: np.ndarray  # a second record of the same person
    has_email: np.ndarray  # the record carries the person's e-mail
    email_opt_in: np.ndarray  # consent recorded on this record at creation
    sms_opt_in: np.ndarray
    erased: np.ndarray  # deleted on request (GDPR) before the extraction
    erased_at: np.ndarray  # seconds, -1 when not erased

    @property
    def n(self) -> int:
        return int(self.person.size)


@dataclass(frozen=True)
class Population:
    """Households, persons and the CRM records that describe them."""

    households: Households
    persons: Persons
    crm: CrmRecords
    reachable: np.ndarray  # per household: some member can receive e-mail campaigns

    def market_of_person(self) -> np.ndarray:
        return np.asarray(self.households.market[self.persons.household])


def _sizes(ctx: Context) -> tuple[int, int]:
    contacts = ctx.scale.contacts
    n_persons = round(contacts / (1 - BOOKING_ONLY_SHARE + 0.012))
    n_crm = round(n_persons * (1 - BOOKING_ONLY_SHARE))
    return n_persons, n_crm


def build(ctx: Context, territory: Territory) -> Population:
    """Draw the households and persons of the world."""
    n_persons, n_crm = _sizes(ctx)
    households = _households(ctx, territory, n_persons)
    persons = _persons(ctx, households, n_persons, n_crm)
    crm = _crm_records(ctx, persons, ctx.scale.contacts)
    reachable_person = persons.in_crm & persons.email_opt_in & (persons.email_state == 1)
    reachable = (
        np.bincount(
            persons.household, weights=reachable_person.astype(np.float64), minlength=households.n
        )
        > 0
    )
    return Population(households=households, persons=persons, crm=crm, reachable=reachable)


def _households(ctx: Context, territory: Territory, n_persons: int) -> Households:
    rng = ctx.streams("population.households")
    guess = n_persons  # at least one adult each: enough households to draw from
    kind = choose(rng, [0.24, 0.36, 0.40], guess)
    adults = np.where(
        kind == 0, 1, np.where(kind == 1, 2, np.where(rng.random(guess) < 0.88, 2, 1))
    )
    cum = np.cumsum(adults)
    n = int(np.searchsorted(cum, n_persons) + 1)
    kind, adults = kind[:n], adults[:n].copy()
    adults[-1] -= int(cum[n - 1] - n_persons)
    if adults[-1] == 1 and kind[-1] == 1:
        kind[-1] = 0
    children = np.where(kind == 2, choose(rng, [0.40, 0.43, 0.14, 0.03], n) + 1, 0)
    market = choose(rng, [m.weight for m in MARKETS], n)
    language = np.zeros(n, dtype=np.int64)
    for i, m in enumerate(MARKETS):
        sel = market == i
        langs = [LANGUAGES.index(code) for code, _ in m.languages]
        language[sel] = np.array(langs)[choose(rng, [w for _, w in m.languages], int(sel.sum()))]

    value_class = choose(rng, [0.04, 0.16, 0.40, 0.40], n)
    base_rate = np.array([2.5, 0.7, 0.30, 0.12])[value_class] * rng.lognormal(0, 0.5, n)
    spend = rng.lognormal(0, 0.75, n) * np.array([2.2, 1.2, 1.0, 0.9])[value_class]
    market_codes = [m.country for m in MARKETS]
    spend *= np.array([_MARKET_SPEND.get(c, 1.0) for c in market_codes])[market]

    # where French households live: the wealthier, the more affluent the zone
    iris = np.full(n, -1, dtype=np.int64)
    french = market == 0
    tercile = np.digitize(np.log(spend), np.quantile(np.log(spend), [0.5, 0.85]))
    for t, beta in enumerate((0.2, 0.6, 1.0)):
        sel = french & (tercile == t)
        weights = territory.households * np.exp(beta * territory.affluence)
        iris[sel] = choose(rng, weights, int(sel.sum()))
    aff = np.where(iris >= 0, territory.affluence[np.maximum(iris, 0)], 0.0)
    spend *= np.exp(0.12 * aff)

    mountain_dept = np.where(iris >= 0, territory.mountain[np.maximum(iris, 0)], False)
    pref_mountain = rng.beta(2.0, 2.0, n)
    pref_mountain += np.array([_MARKET_MOUNTAIN.get(c, 0.0) for c in market_codes])[market]
    pref_mountain += np.where(mountain_dept, 0.2, 0.0) + np.where(kind == 2, 0.05, 0.0)
    pref_mountain = np.clip(pref_mountain, 0.02, 0.98)
    pref_winter = np.clip(0.15 + 0.7 * pref_mountain + rng.normal(0, 0.12, n), 0.03, 0.97)

    n_seasons = ctx.timeline.n_seasons
    acquired = np.where(rng.random(n) < 0.5, -1, rng.integers(0, n_seasons, n))
    hazard = np.array([0.04, 0.10, 0.25, 0.40])[value_class]
    lifetime = rng.geometric(hazard)
    churned = np.maximum(acquired, 0) + lifetime

    address1, address2, postal, city = _addresses(ctx, territory, market, language, iris)
    first_person = np.concatenate([[0], np.cumsum(adults)[:-1]])
    return Households(
        kind=kind,
        adults=adults,
        children=children,
        market=market,
        language=language,
        iris=iris,
        address1=address1,
        address2=address2,
        postal_code=postal,
        city=city,
        value_class=value_class,
        base_rate=base_rate,
        spend=spend,
        pref_mountain=pref_mountain,
        pref_winter=pref_winter,
        acquired=acquired,
        churned=churned,
        first_person=first_person,
    )


def _addresses(
    ctx: Context,
    territory: Territory,
    market: np.ndarray,
    language: np.ndarray,
    iris: np.ndarray,
) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """Unique street addresses: (line 1, postal code) never repeats between households."""
    rng = ctx.streams("population.addresses")
    n = market.size
    postal = pl.Series([""] * n)
    city = pl.Series([""] * n)
    french = iris >= 0
    postal = where(french, territory.postal_code.gather(np.maximum(iris, 0)), postal)
    city = where(french, territory.commune_name.gather(np.maximum(iris, 0)), city)
    for i, m in enumerate(MARKETS):
        if m.country == "FR":
            continue
        sel = market == i
        cities = CITIES[m.country]
        pick_city = rng.integers(0, len(cities), n)
        postal = where(sel, pick([c for _, c in cities], pick_city), postal)
        city = where(sel, pick([name for name, _ in cities], pick_city), city)
    # street culture follows the language (Belgian Dutch speakers, Swiss French...)
    culture = pick(LANGUAGES, language)
    # rank of each household within its postal code gives a unique (street, number)
    key = pl.DataFrame({"postal": postal, "culture": culture, "o": rng.integers(0, 1000, n)})
    ranked = key.with_columns(
        r=pl.int_range(pl.len()).over("postal", "culture"),
        o=pl.col("o").first().over("postal", "culture"),
    )
    rank = ranked.get_column("r").to_numpy()
    offset = ranked.get_column("o").to_numpy()
    line1 = pl.Series([""] * n)
    for lang in LANGUAGES:
        sel = (culture == lang).to_numpy()
        if not sel.any():
            continue
        streets = STREETS[lang]
        s = len(streets.streets)
        street = pick(streets.streets, (rank + offset) % s)
        number = pl.Series((rank // s) * 3 + 1 + rng.integers(0, 3, n)).cast(pl.String)
        text = concat(number, " ", street) if streets.number_first else concat(street, " ", number)
        line1 = where(sel, text, line1)
    extra = rng.random(n)
    flat = pl.Series(rng.integers(1, 60, n)).cast(pl.String)
    building = pick(("A", "B", "C", "D"), rng.integers(0, 4, n))
    line2 = pl.select(
        pl.when(pl.Series(extra < 0.12))
        .then(pl.lit("Appartement ") + flat)
        .when(pl.Series(extra < 0.18))
        .then(pl.lit("Bâtiment ") + building)
        .when(pl.Series(extra < 0.21))
        .then(pl.lit("Résidence Les Pins"))
        .otherwise(None)
    ).to_series()
    return line1, line2, postal, city


def _persons(ctx: Context, hh: Households, n: int, n_crm: int) -> Persons:
    rng = ctx.streams("population.persons")
    household = np.repeat(np.arange(hh.n), hh.adults)
    rank = np.arange(n) - hh.first_person[household]
    kind = hh.kind[household]
    first_female = rng.random(hh.n) < 0.52
    female = np.where(rank == 0, first_female[household], ~first_female[household])
    female = np.where((rank == 1) & (rng.random(n) < 0.06), ~female, female)
    language = hh.language[household]

    first_name = pl.Series([""] * n)
    last_name = pl.Series([""] * n)
    hh_last_idx = rng.integers(0, 10**6, hh.n)
    own_last_idx = rng.integers(0, 10**6, n)
    shares_name = (rank == 0) | (rng.random(n) < 0.8)
    last_idx = np.where(shares_name, hh_last_idx[household], own_last_idx)
    for li, lang in enumerate(LANGUAGES):
        sel = language == li
        if not sel.any():
            continue
        names = NAMES[lang]
        f = pick(names.female, rng.integers(0, len(names.female), n))
        m = pick(names.male, rng.integers(0, len(names.male), n))
        first_name = where(sel, where(female, f, m), first_name)
        last_name = where(sel, pick(names.last, last_idx % len(names.last)), last_name)

    ref = epoch_day(ctx.scale.as_of)
    age_lo = np.where(kind == 2, 30, np.where(kind == 1, 25, 21))
    age_hi = np.where(kind == 2, 52, 78)
    base_age = rng.uniform(age_lo[hh.first_person], age_hi[hh.first_person])
    age = base_age[household] + np.where(rank == 0, 0.0, rng.normal(0, 3, n))
    birth_day = (ref - age * 365.25).astype(np.int64)

    email = emails(rng, first_name, last_name, hh.market[household])
    has_email = rng.random(n) < 0.88
    state = np.where(has_email, 1, 0)
    state = np.where(has_email & (rng.random(n) < 0.035), 2, state)
    state = np.where((state == 1) & (rng.random(n) < 0.012), 3, state)

    # what each source leaves out, never both keys of one person: a valid e-mail known
    # to both sources, or the birth date known to both
    valid = state == 1
    crm_birth_hidden = valid & (rng.random(n) < 0.05)
    booking_email_hidden = (state == 0) | (~crm_birth_hidden & (rng.random(n) < 0.12))
    booking_birth_hidden = valid & ~booking_email_hidden & (rng.random(n) < 0.07)

    market_of = hh.market[household]
    mobile = national_numbers(rng, market_of, mobile=True)
    landline = national_numbers(rng, market_of, mobile=False)
    landline2 = national_numbers(rng, market_of, mobile=False)
    has_mobile = rng.random(n) < 0.86
    has_land = rng.random(n) < 0.42
    has_land2 = has_land & (rng.random(n) < 0.12)

    in_crm = np.zeros(n, dtype=bool)
    in_crm[np.sort(rng.permutation(n)[:n_crm])] = True

    consent = rng.random(n)
    email_opt_in = in_crm & (consent < 0.70)
    sms_opt_in = in_crm & has_mobile & (rng.random(n) < 0.45)
    postal_opt_in = in_crm & (rng.random(n) < 0.55)
    ads_opt_in = in_crm & (np.where(email_opt_in, rng.random(n) < 0.80, rng.random(n) < 0.35))

    tl = ctx.timeline
    start = tl.days[0] * DAY
    season_len = 365 * DAY
    acq = hh.acquired[household]
    before = start - rng.uniform(0, 11 * 365, n) * DAY
    within = start + np.maximum(acq, 0) * season_len + rng.uniform(-60, 150, n) * DAY
    crm_created = np.where(acq < 0, before, within).astype(np.int64)
    crm_created += np.where(rank > 0, (rng.uniform(0, 400, n) * DAY).astype(np.int64), 0)
    crm_created = np.minimum(crm_created, tl.as_of_seconds - DAY)

    return Persons(
        household=household,
        rank=rank,
        female=female,
        first_name=first_name,
        last_name=last_name,
        birth_day=birth_day,
        email=pl.select(pl.when(pl.Series(has_email)).then(email).otherwise(None)).to_series(),
        email_state=state,
        crm_birth_hidden=crm_birth_hidden,
        booking_email_hidden=booking_email_hidden,
        booking_birth_hidden=booking_birth_hidden,
        mobile=pl.select(pl.when(pl.Series(has_mobile)).then(mobile).otherwise(None)).to_series(),
        landline=pl.select(pl.when(pl.Series(has_land)).then(landline).otherwise(None)).to_series(),
        landline2=pl.select(
            pl.when(pl.Series(has_land2)).then(landline2).otherwise(None)
        ).to_series(),
        in_crm=in_crm,
        email_opt_in=email_opt_in,
        sms_opt_in=sms_opt_in,
        postal_opt_in=postal_opt_in,
        ads_opt_in=ads_opt_in,
        engagement=rng.normal(0, 1, n),
        pref_main=rng.integers(0, len(MAIN_HIGHLIGHTS), n),
        pref_secondary=rng.integers(0, len(SECONDARY_HIGHLIGHTS), n),
        pref_subject=rng.integers(0, len(SUBJECT_TYPES), n),
        pref_weekday=choose(rng, [0.14, 0.16, 0.2, 0.18, 0.14, 0.1, 0.08], n),
        pref_slot=choose(rng, [0.45, 0.25, 0.30], n),
        crm_created=crm_created,
    )


ERASED_SHARE = 0.003
"""Share of CRM records deleted on request before the extraction (right to erasure)."""


def _crm_records(ctx: Context, persons: Persons, contacts: int) -> CrmRecords:
    """The CRM base: each CRM person once, then duplicates; ``contacts`` rows survive erasure."""
    rng = ctx.streams("population.crm")
    base = np.flatnonzero(persons.in_crm)
    n_erased = round(base.size * ERASED_SHARE)
    n_dup = contacts + n_erased - base.size
    dup_of = np.sort(rng.choice(base, size=n_dup, replace=False))
    person = np.concatenate([base, dup_of])
    duplicate = np.concatenate([np.zeros(base.size, bool), np.ones(n_dup, bool)])
    created = persons.crm_created[person].copy()
    created[duplicate] += (rng.uniform(30, 1500, n_dup) * DAY).astype(np.int64)
    created = np.minimum(created, ctx.timeline.as_of_seconds - DAY)
    # a duplicate without e-mail keeps the birth date: it stays resolvable by name
    has_email = np.where(
        duplicate, (rng.random(person.size) < 0.55) | persons.crm_birth_hidden[person], True
    )
    email_opt_in = np.where(
        duplicate, has_email & (rng.random(person.size) < 0.6), persons.email_opt_in[person]
    )
    sms_opt_in = np.where(duplicate, False, persons.sms_opt_in[person])
    erased = np.zeros(person.size, dtype=bool)
    erased[rng.choice(base.size, size=n_erased, replace=False)] = True
    last_season = ctx.timeline.as_of_seconds - 300 * DAY
    erased_at = np.where(
        erased,
        np.maximum(
            created + DAY, last_season + (rng.random(person.size) * 290 * DAY).astype(np.int64)
        ),
        -1,
    )
    # ids are sequential in creation order, with gaps
    order = np.argsort(created, kind="stable")
    ids = np.empty(person.size, dtype=np.int64)
    ids[order] = 1_000_000 + np.cumsum(rng.integers(1, 4, person.size))
    return CrmRecords(
        person=person,
        contact_id=ids,
        created=created,
        duplicate=duplicate,
        has_email=has_email,
        email_opt_in=email_opt_in,
        sms_opt_in=sms_opt_in,
        erased=erased,
        erased_at=erased_at,
    )
