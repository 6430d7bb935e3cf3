"""The hidden truth about stays: who went where, when, for how long, booked how.

One stay is one booking contract. Households come back according to their value
class, their tastes (sea or mountain, winter or summer) and whether CRM campaigns
reach them (reachable households return more often: the "animated" effect).
Stays hit by the epidemic closures were cancelled, or never booked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sandbox.simulation.context import Context
from sandbox.simulation.places import MARKETS, REGIONS
from sandbox.simulation.population import Population
from sandbox.simulation.randomness import choose, choose_in_groups, choose_rows
from sandbox.simulation.resorts import Villages
from sandbox.simulation.timeline import DAY

CHANNELS = ("WEB", "CALLCENTER", "AGENCY", "VILLAGE")
"""Where a booking is made: online, by phone, at an agency, or at a village during a stay."""
ROOM_CATEGORIES = ("CLUB", "SUPERIEURE", "DELUXE", "SUITE")
ROOM_FACTOR = np.array([1.0, 1.25, 1.6, 2.4])
LINES_PER_STAY = 3.4
"""Sale lines per stay, on average (to size the number of stays from the sale lines)."""

SEASON_DEMAND = (1.0, 0.75, 0.95, 1.0, 1.05, 1.08, 1.1)
"""Relative demand of each season (the epidemic depressed 2020-21)."""

ANIMATED_BOOST = 1.8
"""How much more often households reached by CRM campaigns come back."""


@dataclass(frozen=True)
class Stays:
    """One row per booking, in creation order (``booking_number`` increasing)."""

    household: np.ndarray
    payer: np.ndarray  # person index
    holder: np.ndarray
    village: np.ndarray
    season: np.ndarray
    arrival: np.ndarray  # day index in the timeline
    nights: np.ndarray
    adults: np.ndarray
    children: np.ndarray
    winter: np.ndarray
    created: np.ndarray  # seconds
    confirmed: np.ndarray  # seconds, -1 when never confirmed
    cancelled: np.ndarray  # seconds, -1 when not cancelled
    modified: np.ndarray  # (stays, 2) seconds of modifications, -1 when none
    nights_before: np.ndarray  # (stays, 2) nights before each modification
    channel: np.ndarray  # index into CHANNELS
    room: np.ndarray  # index into ROOM_CATEGORIES
    stay_amount: np.ndarray  # accommodation, euros, before discount
    discount_rate: np.ndarray
    booking_number: np.ndarray

    @property
    def n(self) -> int:
        return int(self.household.size)

    def departure(self) -> np.ndarray:
        return np.asarray(self.arrival + self.nights)


def _rates(ctx: Context, pop: Population) -> np.ndarray:
    """Expected stays per household and season (uncalibrated)."""
    rng = ctx.streams("stays.rates")
    hh = pop.households
    n_seasons = ctx.timeline.n_seasons
    season = np.arange(n_seasons)
    active = (season[None, :] >= hh.acquired[:, None]) & (season[None, :] < hh.churned[:, None])
    engagement = np.bincount(
        pop.persons.household, weights=pop.persons.engagement, minlength=hh.n
    ) / np.maximum(hh.adults, 1)
    boost = np.where(pop.reachable, ANIMATED_BOOST * np.exp(0.12 * engagement), 1.0)
    noise = rng.lognormal(-0.045, 0.3, (hh.n, n_seasons))
    demand = np.array(SEASON_DEMAND[:n_seasons])
    return hh.base_rate[:, None] * boost[:, None] * noise * demand[None, :] * active


def build(ctx: Context, pop: Population, villages: Villages) -> Stays:
    """Draw every stay of the calendar and keep those booked by the extraction day."""
    tl = ctx.timeline
    rng = ctx.streams("stays.draw")
    hh = pop.households
    rates = _rates(ctx, pop)
    complete = ctx.scale.seasons
    target = ctx.scale.sale_lines / LINES_PER_STAY * 0.985
    scale = target / rates[:, :complete].sum()
    counts = rng.poisson(rates * scale)
    # seasons in household order: repeat each (household, season) cell
    cells_h, cells_s = np.nonzero(counts)
    reps = counts[cells_h, cells_s]
    household = np.repeat(cells_h, reps)
    season = np.repeat(cells_s, reps)
    n = household.size

    winter = rng.random(n) < 0.15 + 0.7 * hh.pref_winter[household]
    wants_mountain = np.where(
        winter,
        rng.random(n) < hh.pref_mountain[household] ** 0.7,
        rng.random(n) < 0.12 * hh.pref_mountain[household],
    )
    village = _villages(
        ctx, pop, villages, household=household, season=season, winter=winter, wants=wants_mountain
    )
    arrival = _arrivals(ctx, villages, village, season, winter)

    nights = _nights(rng, villages, village, household, pop)
    adults = hh.adults[household].copy()
    children = hh.children[household].copy()
    friends = rng.random(n) < 0.10
    adults += np.where(friends, rng.integers(1, 5, n), 0)
    children = np.where(rng.random(n) < 0.06, 0, children)

    lead = np.where(
        rng.random(n) < 0.1,
        rng.uniform(0, 14, n),
        np.clip(rng.lognormal(np.log(75), 0.8, n), 1, 420),
    )
    persons = pop.persons
    first = hh.first_person[household]
    second = np.where(hh.adults[household] > 1, first + 1, first)
    payer = np.where(rng.random(n) < 0.82, first, second)
    holder = np.where(rng.random(n) < 0.35, np.where(payer == first, second, first), payer)
    age = (tl.days[arrival] - persons.birth_day[payer]) / 365.25
    market_code = np.array([m.country for m in MARKETS])[hh.market[household]]
    channel_w = np.tile(np.array([0.46, 0.24, 0.2, 0.1]), (n, 1))
    channel_w[:, 1] *= np.where(age > 60, 1.8, 1.0)
    channel_w[:, 0] *= np.where(age < 40, 1.3, 1.0)
    channel_w[:, 2] *= np.where(np.isin(market_code, ["CN", "BR", "US", "GB"]), 2.5, 1.0)
    # rebooking at the village happens during a stay: loyal households do it
    channel_w[:, 3] *= np.where(hh.value_class[household] <= 1, 1.6, 0.5)
    channel = choose_rows(rng, channel_w)
    # hour of the booking (UTC): web at any time, people behind a desk in opening hours
    web_hours = choose(
        rng, [0.2] * 6 + [0.6, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2.5, 1.5, 0.7], n
    )
    desk_hours = rng.integers(7, 19, n)
    hours = np.where(channel == 0, web_hours, desk_hours)
    created = (
        (tl.days[arrival] - np.floor(lead).astype(np.int64)) * DAY
        + hours * 3600
        + rng.integers(0, 3600, n)
    )
    # epidemic: stays overlapping a closure were cancelled, or could not be booked
    hit = _overlaps_closure(villages, village, arrival, nights)
    closure_cancel = tl.days[arrival] * DAY - (rng.uniform(3, 25, n) * DAY).astype(np.int64)
    hit_cancelled = hit & (created < closure_cancel - DAY)
    keep = ~(hit & ~hit_cancelled) & (created <= tl.end_of_as_of_seconds)

    order = np.argsort(created[keep], kind="stable")
    idx = np.flatnonzero(keep)[order]
    household, season, winter, village, arrival = (
        household[idx],
        season[idx],
        winter[idx],
        village[idx],
        arrival[idx],
    )
    payer, holder, channel = payer[idx], holder[idx], channel[idx]
    nights, adults, children, created = nights[idx], adults[idx], children[idx], created[idx]
    hit_cancelled, closure_cancel, lead = hit_cancelled[idx], closure_cancel[idx], lead[idx]
    n = idx.size
    rng = ctx.streams("stays.lifecycle")

    spend = hh.spend[household]
    room = np.clip(np.floor(np.log(spend) / 0.5 + 1.2 + rng.normal(0, 0.5, n)), 0, 3).astype(
        np.int64
    )
    peak = np.clip(1 + 0.25 * (tl.demand[arrival] - 1), 0.8, 1.45)
    winter_mountain = villages.mountain[village] & winter
    stay_amount = (
        villages.night_price[village]
        * np.where(winter_mountain, 1.25, 1.0)
        * peak
        * nights
        * (adults + 0.55 * children)
        * ROOM_FACTOR[room]
        * spend**0.25
        * rng.lognormal(0, 0.08, n)
    )
    core = hh.value_class[household] == 0
    discount_rate = np.where(lead > 150, 0.10, 0.0) + np.where(core, 0.05, 0.0)
    discount_rate += np.where(rng.random(n) < 0.04, 0.15, 0.0)

    arrival_sec = tl.days[arrival] * DAY + 15 * 3600
    confirm = created + (rng.lognormal(np.log(20 * 3600), 1.0, n)).astype(np.int64)
    confirm = np.minimum(confirm, arrival_sec - 3600)
    confirm = np.maximum(confirm, created + 60)
    cancel_p = 0.06 + np.where(lead > 200, 0.05, 0.0)
    cancelled_free = rng.random(n) < cancel_p
    cancel_at = created + (rng.random(n) * np.maximum(arrival_sec - created - DAY, 3600)).astype(
        np.int64
    )
    cancel_at = np.where(hit_cancelled, np.maximum(closure_cancel, created + 3600), cancel_at)
    is_cancelled = (cancelled_free | hit_cancelled) & (cancel_at <= tl.end_of_as_of_seconds)
    cancelled = np.where(is_cancelled, cancel_at, -1)
    confirmed = np.where(
        (is_cancelled & (cancel_at <= confirm)) | (confirm > tl.end_of_as_of_seconds), -1, confirm
    )

    n_mod = choose(rng, [0.82, 0.13, 0.05], n)
    horizon = np.where(cancelled >= 0, cancelled, np.minimum(arrival_sec, tl.end_of_as_of_seconds))
    start = np.where(confirmed >= 0, confirmed, created)
    span = np.maximum(horizon - start, 0)
    mod_times = np.sort(start[:, None] + (rng.random((n, 2)) * span[:, None]).astype(np.int64), 1)
    modified = np.where(np.arange(2)[None, :] < n_mod[:, None], mod_times, -1)
    modified = np.where(span[:, None] > 7200, modified, -1)
    delta = rng.choice(np.array([-2, -1, 1, 2, 7]), size=(n, 2))
    nights_before = np.maximum(nights[:, None] + delta, 1)
    nights_before = np.where(modified >= 0, nights_before, nights[:, None])

    return Stays(
        household=household,
        payer=payer,
        holder=holder,
        village=village,
        season=season,
        arrival=arrival,
        nights=nights,
        adults=adults,
        children=children,
        winter=winter,
        created=created,
        confirmed=confirmed,
        cancelled=cancelled,
        modified=modified,
        nights_before=nights_before,
        channel=channel,
        room=room,
        stay_amount=np.round(stay_amount, 2),
        discount_rate=discount_rate,
        booking_number=100_001 + np.arange(n),
    )


def _villages(
    ctx: Context,
    pop: Population,
    villages: Villages,
    *,
    household: np.ndarray,
    season: np.ndarray,
    winter: np.ndarray,
    wants: np.ndarray,
) -> np.ndarray:
    """Each stay's village, by taste, market, budget and what is open."""
    tl = ctx.timeline
    rng = ctx.streams("stays.villages")
    hh = pop.households
    n_v = villages.n
    # share of each season half during which a village is normally open
    open_share = np.zeros((tl.n_seasons, 2, n_v))
    for s in range(tl.n_seasons):
        for half in (0, 1):
            days = (tl.season == s) & (tl.winter == bool(half))
            open_share[s, half] = villages.planned_open[:, days].mean(axis=1)
    region_keys = {label: key for key, label in REGIONS.items()}
    village_region = [region_keys[r] for r in villages.region]
    market_region = np.array(
        [[3.0 if reg in m.regions else 0.25 for reg in village_region] for m in MARKETS]
    )
    french_village = np.array([c == "FR" for c in villages.country])
    market_region[0] *= np.where(french_village, 1.6, 1.0)
    level = villages.comfort.astype(np.float64)
    out = np.empty(household.size, dtype=np.int64)
    chunk = 200_000
    for lo in range(0, household.size, chunk):
        sl = slice(lo, lo + chunk)
        h = household[sl]
        w = open_share[season[sl], winter[sl].astype(np.int64)] * villages.size[None, :]
        mountain_ok = villages.mountain[None, :] == wants[sl][:, None]
        w_kind = np.where(mountain_ok, w, w * 0.01)
        w_kind *= market_region[hh.market[h]]
        wanted_level = np.clip(np.log(hh.spend[h]) * 1.1 + 1.1, 0, 3)
        w_kind *= np.exp(-0.8 * (level[None, :] - wanted_level[:, None]) ** 2)
        out[sl] = choose_rows(rng, w_kind)
        missing = out[sl] < 0
        if missing.any():
            fallback = choose_rows(rng, w[missing] + 1e-9)
            out[lo + np.flatnonzero(missing)] = fallback
    return out


def _arrivals(
    ctx: Context, villages: Villages, village: np.ndarray, season: np.ndarray, winter: np.ndarray
) -> np.ndarray:
    """Arrival day of each stay: in its season half, on a day the village opens, holidays first."""
    tl = ctx.timeline
    rng = ctx.streams("stays.arrivals")
    weekday_weight = np.array([0.5, 0.3, 0.3, 0.4, 0.6, 3.0, 2.2])[tl.weekday]
    day_weight = tl.demand * weekday_weight
    n_groups = villages.n * tl.n_seasons * 2
    # groups ordered by (village, season, half); days of each group in calendar order
    half = tl.winter.astype(np.int64)
    group_of_day = tl.season * 2 + half  # (season, half) of each day
    order = np.lexsort((np.arange(tl.n_days), group_of_day))
    sizes = np.bincount(group_of_day, minlength=tl.n_seasons * 2)
    weights = (villages.planned_open[:, order] * day_weight[order][None, :]).reshape(-1)
    offsets = np.concatenate([[0], np.cumsum(np.tile(sizes, villages.n))])
    group = village * tl.n_seasons * 2 + season * 2 + winter.astype(np.int64)
    assert offsets.size == n_groups + 1
    pos = choose_in_groups(rng, weights, offsets, group)
    within = pos - offsets[group]
    day_sets = np.concatenate([[0], np.cumsum(sizes)])
    return np.asarray(order[day_sets[season * 2 + winter.astype(np.int64)] + within])


def _nights(
    rng: np.random.Generator,
    villages: Villages,
    village: np.ndarray,
    household: np.ndarray,
    pop: Population,
) -> np.ndarray:
    n = village.size
    base = np.array([7, 7, 7, 6, 5, 4, 3, 10, 14])
    european = np.isin(np.array(villages.region), [REGIONS["ALPS"], REGIONS["PYR"], REGIONS["MED"]])
    long_haul = ~european[village] & (pop.households.market[household] < 8)
    w_short = np.array([0.55, 0.0, 0.0, 0.08, 0.07, 0.1, 0.08, 0.07, 0.05])
    w_long = np.array([0.35, 0.0, 0.0, 0.02, 0.02, 0.02, 0.01, 0.3, 0.28])
    nights = np.where(long_haul, base[choose(rng, w_long, n)], base[choose(rng, w_short, n)])
    return nights.astype(np.int64)


def _overlaps_closure(
    villages: Villages, village: np.ndarray, arrival: np.ndarray, nights: np.ndarray
) -> np.ndarray:
    closed = villages.planned_open & ~villages.open
    cum = np.concatenate([np.zeros((villages.n, 1), dtype=np.int64), np.cumsum(closed, axis=1)], 1)
    last = cum.shape[1] - 1
    end = np.minimum(arrival + nights, last)
    return np.asarray(cum[village, end] - cum[village, arrival] > 0)


def occupied_beds(ctx: Context, villages: Villages, stays: Stays) -> np.ndarray:
    """Beds taken each night by stays that were not cancelled: (villages, days)."""
    n_days = ctx.timeline.n_days
    live = stays.cancelled < 0
    beds = (stays.adults + stays.children)[live]
    start = stays.arrival[live]
    end = np.minimum(start + stays.nights[live], n_days)
    delta = np.zeros((villages.n, n_days + 1))
    np.add.at(delta, (stays.village[live], start), beds)
    np.add.at(delta, (stays.village[live], end), -beds)
    return np.asarray(np.cumsum(delta, axis=1)[:, :n_days])
