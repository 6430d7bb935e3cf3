"""The CRM campaign plan: masters on the marketing calendar, who may receive each, and
how many sends each gets (the ``campaigns`` table of :mod:`sandbox.simulation.campaigns`).

Masters follow the annual cycle, stay-cycle mails around a booked stay and powder
alarms when snow falls in winter; each carries the settings the CRM lab's appetence
model learns from (highlights, subject type, send day and time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.customers import CrmView
from sandbox.simulation.frames import concat, frame, numbered, pick, timestamps, with_nulls
from sandbox.simulation.places import VILLAGES
from sandbox.simulation.population import (
    MAIN_HIGHLIGHTS,
    SECONDARY_HIGHLIGHTS,
    SUBJECT_TYPES,
    Population,
)
from sandbox.simulation.randomness import choose
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

CYCLES = ("ANNUEL", "SEJOUR", "POWDER_ALARM")
CHANNELS = ("EMAIL", "SMS")
REGISTERS = ("PROMOTIONNEL", "INFORMATIONNEL", "RELATIONNEL")
THEMES = ("SKI", "SUMMER", "SEA", "FAMILY", "EVENTS", "WELLNESS", "SUN")
TARGETS = ("ALL", "MOUNTAIN", "SEA", "FAMILY", "PAST_GUESTS", "STAY")
VERSIONS = ("fr", "en", "de", "it")
SLOT_HOURS = (7, 12, 17)  # UTC hour a slot starts: morning, afternoon, evening (Paris)
_SUBJECTS = {
    "fr": (
        "Vivez des sensations uniques cette saison",
        "Dernières places : réservez vite !",
        "Prêt pour vos prochaines vacances ?",
        "Skieurs, la neige vous attend",
        "{village} vous attend",
        "Plus que 48 h pour en profiter",
    ),
    "en": (
        "Feel the thrill this season",
        "Last rooms left: book now!",
        "Ready for your next holiday?",
        "Skiers, fresh snow is waiting",
        "{village} is waiting for you",
        "Only 48 hours left",
    ),
    "de": (
        "Erleben Sie einzigartige Momente",
        "Letzte Zimmer: jetzt buchen!",
        "Bereit für Ihren nächsten Urlaub?",
        "Skifahrer, der Schnee wartet",
        "{village} wartet auf Sie",
        "Nur noch 48 Stunden",
    ),
    "it": (
        "Vivi emozioni uniche questa stagione",
        "Ultime camere: prenota ora!",
        "Pronto per le prossime vacanze?",
        "Sciatori, la neve vi aspetta",
        "{village} vi aspetta",
        "Solo 48 ore per approfittarne",
    ),
}


@dataclass(frozen=True)
class Masters:
    """Campaign masters in send order."""

    time: np.ndarray  # seconds
    cycle: np.ndarray
    channel: np.ndarray
    register: np.ndarray
    theme: np.ndarray
    main: np.ndarray
    secondary: np.ndarray
    subject: np.ndarray
    target: np.ndarray
    village: np.ndarray  # featured village, -1 when none
    weekday: np.ndarray
    slot: np.ndarray

    @property
    def n(self) -> int:
        return int(self.time.size)


def plan_masters(ctx: Context, villages: Villages) -> Masters:
    tl = ctx.timeline
    rng = ctx.streams("campaigns.masters")
    n = ctx.scale.campaigns
    last_day = tl.as_of_index - 1
    day = np.sort(rng.integers(0, last_day, n))
    month = tl.month[day]
    winter = (month == 12) | (month <= 4)
    u = rng.random(n)
    cycle = np.where(winter & (u < 0.18), 2, np.where(u > 0.8, 1, 0))
    channel = np.where(
        cycle == 2, rng.random(n) < 0.5, np.where(cycle == 0, rng.random(n) < 0.04, False)
    ).astype(np.int64)
    register = np.where(
        cycle == 1,
        np.where(rng.random(n) < 0.8, 2, 1),
        np.where(cycle == 2, 1, choose(rng, [0.55, 0.3, 0.15], n)),
    )
    theme = np.where(
        tl.winter[day],
        np.array([0, 3, 4, 5, 6])[choose(rng, [0.5, 0.15, 0.15, 0.1, 0.1], n)],
        np.array([1, 2, 3, 4, 5])[choose(rng, [0.35, 0.2, 0.2, 0.15, 0.1], n)],
    )
    theme = np.where(cycle == 2, 0, theme)
    target = np.select(
        [cycle == 1, theme == 0, np.isin(theme, [1, 2, 6]), theme == 3],
        [5, 1, 2, 3],
        default=np.where(rng.random(n) < 0.5, 0, 4),
    )
    mountain = np.flatnonzero(villages.mountain)
    sea = np.flatnonzero(~villages.mountain)
    village = np.where(
        target == 1,
        mountain[rng.integers(0, mountain.size, n)],
        np.where(np.isin(target, [2, 3]), sea[rng.integers(0, sea.size, n)], -1),
    )
    village = np.where(
        (village < 0) & (rng.random(n) < 0.3), rng.integers(0, villages.n, n), village
    )
    slot = choose(rng, [0.5, 0.25, 0.25], n)
    time = tl.days[day] * DAY + (np.array(SLOT_HOURS)[slot] + rng.integers(0, 3, n)) * 3600
    return Masters(
        time=time,
        cycle=cycle,
        channel=channel,
        register=register,
        theme=theme,
        main=rng.integers(0, len(MAIN_HIGHLIGHTS), n),
        secondary=rng.integers(0, len(SECONDARY_HIGHLIGHTS), n),
        subject=rng.integers(0, len(SUBJECT_TYPES), n),
        target=target,
        village=village,
        weekday=tl.weekday[day],
        slot=slot,
    )


class Audience:
    """Who may receive a master at its send time, and how much each fits its target."""

    def __init__(self, ctx: Context, pop: Population, view: CrmView, stays: Stays) -> None:
        crm, persons, hh = pop.crm, pop.persons, pop.households
        self.crm = crm
        self.person = crm.person
        self.household = persons.household[crm.person]
        self.email_ok = crm.email_opt_in & view.email_usable
        self.sms_ok = crm.sms_opt_in & view.mobile.is_not_null().to_numpy()
        self.pref_mountain = hh.pref_mountain[self.household]
        self.family = hh.kind[self.household] == 2
        live = stays.cancelled < 0
        first_stay = np.full(hh.n, np.iinfo(np.int64).max)
        tl = ctx.timeline
        arrival_sec = tl.days[stays.arrival] * DAY
        np.minimum.at(first_stay, stays.household[live], arrival_sec[live])
        self.first_stay = first_stay[self.household]
        order = np.argsort(arrival_sec, kind="stable")
        self.arrival_sorted = arrival_sec[order]
        self.stay_people = np.stack([stays.payer[order], stays.holder[order]], axis=1)
        self.stay_live = live[order]
        self.n_persons = persons.n

    def pool(self, t: int, channel: int, unsubscribed_at: np.ndarray) -> np.ndarray:
        ok = self.sms_ok if channel == 1 else self.email_ok
        alive = (unsubscribed_at < 0) | (unsubscribed_at > t)
        erased = (self.crm.erased_at >= 0) & (self.crm.erased_at <= t)
        return np.asarray(ok & (self.crm.created <= t) & alive & ~erased)

    def weights(self, t: int, target: int) -> np.ndarray:
        if target == 1:
            return np.asarray(0.15 + self.pref_mountain)
        if target == 2:
            return np.asarray(1.15 - self.pref_mountain)
        if target == 3:
            return np.where(self.family, 1.0, 0.25)
        if target == 4:
            return np.where(self.first_stay < t, 1.0, 0.25)
        if target == 5:
            lo = np.searchsorted(self.arrival_sorted, t - 21 * DAY)
            hi = np.searchsorted(self.arrival_sorted, t + 30 * DAY)
            near = np.zeros(self.n_persons, dtype=bool)
            people = self.stay_people[lo:hi][self.stay_live[lo:hi]]
            near[people.reshape(-1)] = True
            return near[self.person].astype(np.float64)
        return np.ones(self.person.size)


def water_fill(weights: np.ndarray, caps: np.ndarray, total: int) -> np.ndarray:
    """Integer sizes proportional to ``weights``, capped by ``caps``, summing to ``total``."""
    if caps.sum() < total:
        raise ValueError(
            f"the campaign plan cannot place {total} sends: the audiences hold "
            f"{int(caps.sum())} at most; lower campaign_sends or raise campaigns"
        )
    lo, hi = 0.0, float((caps / np.maximum(weights, 1e-12)).max())
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.minimum(caps, mid * weights).sum() < total:
            lo = mid
        else:
            hi = mid
    raw = np.minimum(caps, hi * weights)
    sizes = np.floor(raw).astype(np.int64)
    short = total - sizes.sum()
    room = np.flatnonzero(sizes < np.floor(caps))
    order = room[np.argsort(-(raw[room] - sizes[room]), kind="stable")]
    sizes[order[:short]] += 1
    return sizes


def write_campaigns(ctx: Context, masters: Masters) -> None:
    n = masters.n
    rows = np.repeat(np.arange(n), len(VERSIONS))
    version = np.tile(np.arange(len(VERSIONS)), n)
    # SMS masters and the stay cycle exist in French and English only
    keep = (version < 2) | ((masters.channel[rows] == 0) & (masters.cycle[rows] != 1))
    rows, version = rows[keep], version[keep]
    village = masters.village[rows]
    names = [v.name for v in VILLAGES]
    subject_idx = masters.subject[rows]
    subjects = pl.Series([s for lang in VERSIONS for s in _SUBJECTS[lang]]).gather(
        version * len(SUBJECT_TYPES) + subject_idx
    )
    place = pick(names, np.maximum(village, 0))
    place = pl.select(
        pl.when(pl.Series(village >= 0)).then(place).otherwise(pl.lit("Trident"))
    ).to_series()
    subjects = (
        pl.DataFrame({"s": subjects, "p": place})
        .select(pl.col("s").str.replace("{village}", pl.col("p"), literal=True))
        .to_series()
    )
    template = concat(
        pick(CYCLES, masters.cycle[rows]),
        "_",
        pick(THEMES, masters.theme[rows]),
        "_V",
        pl.Series((rows % 3) + 1).cast(pl.String),
    )
    ctx.writer.write(
        "campaigns",
        "campaigns",
        frame(
            {
                "campaign_id": numbered("CP", rows + 1, 5),
                "campaign_number": (rows + 1).astype(np.int32),
                "language_code": pick(VERSIONS, version),
                "template_name": template,
                "subject": subjects,
                "channel": pick(CHANNELS, masters.channel[rows]),
                "cycle_label": pick(CYCLES, masters.cycle[rows]),
                "register_label": pick(REGISTERS, masters.register[rows]),
                "theme_label": pick(THEMES, masters.theme[rows]),
                "main_highlight": pick(MAIN_HIGHLIGHTS, masters.main[rows]),
                "secondary_highlight": pick(SECONDARY_HIGHLIGHTS, masters.secondary[rows]),
                "subject_type": pick(SUBJECT_TYPES, masters.subject[rows]),
                "target_label": pick(TARGETS, masters.target[rows]),
                "featured_village": with_nulls(
                    pick([v.code for v in VILLAGES], np.maximum(village, 0)), village < 0
                ),
                "scheduled_at": timestamps(masters.time[rows]),
            }
        ),
    )
