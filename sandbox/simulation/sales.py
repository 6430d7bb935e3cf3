"""Sale lines of the booking contracts (source family: sales).

Every booking sells a stay line, and, depending on the village, the season and the
party, transport, insurance, ski passes, ski school, equipment rental and parking
at booking time; activities, spa and kids' club are sold at the village during the
stay. Lines of cancelled contracts stay in the extract with the contract's
cancellation; revenue is the amount net of discount of the other lines.

The lines are written as the extract :mod:`sandbox.simulation.sale_lines` describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sandbox.simulation.context import Context
from sandbox.simulation.places import REGIONS
from sandbox.simulation.population import Population
from sandbox.simulation.products import SKI_DAYS, Catalogue
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY


@dataclass(frozen=True)
class Lines:
    """Sale lines (truth), ordered by stay then line."""

    stay: np.ndarray
    family: np.ndarray
    product: np.ndarray  # position in the catalogue's group order, -1 for unknown products
    amount: np.ndarray
    discount: np.ndarray
    sale_day: np.ndarray  # day index
    adults: np.ndarray
    children: np.ndarray
    duration: np.ndarray
    a: np.ndarray  # family variant (room, ski duration class, course type, ...)
    b: np.ndarray  # second variant (age class)

    @property
    def n(self) -> int:
        return int(self.stay.size)


def _segment(
    stay: np.ndarray,
    family: int,
    *,
    a: np.ndarray | int = 0,
    b: np.ndarray | int = 0,
    adults: np.ndarray,
    children: np.ndarray,
    duration: np.ndarray,
    amount: np.ndarray,
    discount: np.ndarray | float = 0.0,
    sale_day: np.ndarray,
) -> dict[str, np.ndarray]:
    n = stay.size
    return {
        "stay": stay,
        "family": np.full(n, family),
        "a": np.broadcast_to(a, n).astype(np.int64),
        "b": np.broadcast_to(b, n).astype(np.int64),
        "adults": adults.astype(np.int64),
        "children": children.astype(np.int64),
        "duration": duration.astype(np.int64),
        "amount": np.round(amount, 2),
        "discount": np.round(np.broadcast_to(discount, n), 2),
        "sale_day": sale_day.astype(np.int64),
    }


def build(
    ctx: Context, pop: Population, villages: Villages, stays: Stays, catalogue: Catalogue
) -> Lines:
    """The sale lines of every stay, up to the extraction day."""
    tl = ctx.timeline
    rng = ctx.streams("sales.lines")
    n = stays.n
    v = stays.village
    adults, children = stays.adults, stays.children
    persons = adults + children
    spend = pop.households.spend[stays.household] ** 0.3
    created_day = stays.created // DAY - tl.day0
    live = stays.cancelled < 0
    winter_mountain = villages.mountain[v] & stays.winter
    european = np.isin(np.array(villages.region), [REGIONS["ALPS"], REGIONS["PYR"], REGIONS["MED"]])
    french_village = np.array([c == "FR" for c in villages.country])
    market = pop.households.market[stays.household]
    segments: list[dict[str, np.ndarray]] = []
    idx = np.arange(n)

    # the stay itself, split over two rooms for large parties
    rooms = np.where(persons > 5, 2, 1)
    heb = np.repeat(idx, rooms)
    share = 1.0 / rooms[heb]
    segments.append(
        _segment(
            heb,
            0,
            a=stays.room[heb],
            adults=np.ceil(adults[heb] * share),
            children=np.floor(children[heb] * share),
            duration=stays.nights[heb],
            amount=stays.stay_amount[heb] * share,
            discount=stays.stay_amount[heb] * share * stays.discount_rate[heb],
            sale_day=created_day[heb],
        )
    )
    # transport and insurance, sold with the stay
    p_trans = np.where(~european[v], 0.8, np.where(french_village[v] & (market == 0), 0.2, 0.45))
    t = idx[rng.random(n) < p_trans]
    fare = np.where(~european[v[t]], 850.0, np.where(french_village[v[t]], 120.0, 230.0))
    segments.append(
        _segment(
            t,
            5,
            adults=adults[t],
            children=children[t],
            duration=np.ones(t.size),
            amount=persons[t] * fare * rng.lognormal(0, 0.15, t.size),
            sale_day=created_day[t],
        )
    )
    ins = idx[rng.random(n) < 0.35]
    segments.append(
        _segment(
            ins,
            6,
            a=(rng.random(ins.size) < 0.4).astype(np.int64),
            adults=adults[ins],
            children=children[ins],
            duration=np.ones(ins.size),
            amount=stays.stay_amount[ins] * 0.035,
            sale_day=created_day[ins],
        )
    )
    # ski: passes (adults and children lines), school, rental, parking
    ski_class = np.digitize(stays.nights, [2, 4, 7])
    days = SKI_DAYS[ski_class]
    sp = idx[winter_mountain & (rng.random(n) < 0.75)]
    senior = (
        ctx.timeline.days[stays.arrival[sp]] - pop.persons.birth_day[stays.payer[sp]]
    ) > 65 * 365
    segments.append(
        _segment(
            sp,
            1,
            a=ski_class[sp],
            b=np.where(senior, 2, 0),
            adults=adults[sp],
            children=np.zeros(sp.size),
            duration=days[sp],
            amount=adults[sp] * days[sp] * 52.0 * spend[sp],
            sale_day=created_day[sp],
        )
    )
    spk = sp[children[sp] > 0]
    segments.append(
        _segment(
            spk,
            1,
            a=ski_class[spk],
            b=1,
            adults=np.zeros(spk.size),
            children=children[spk],
            duration=days[spk],
            amount=children[spk] * days[spk] * 38.0,
            sale_day=created_day[spk],
        )
    )
    p_school = np.where(children > 0, 0.5, 0.18)
    sc = idx[winter_mountain & (rng.random(n) < p_school)]
    kids = children[sc] > 0
    course = np.where(kids, np.where(rng.random(sc.size) < 0.85, 0, 2), rng.integers(0, 4, sc.size))
    pupils = np.where(kids, children[sc], 1)
    segments.append(
        _segment(
            sc,
            2,
            a=course,
            b=np.where(kids, 1, 0),
            adults=np.where(kids, 0, 1),
            children=np.where(kids, children[sc], 0),
            duration=np.full(sc.size, 6),
            amount=pupils * np.array([180.0, 320.0, 210.0, 240.0])[course] * spend[sc],
            sale_day=created_day[sc],
        )
    )
    rent = idx[winter_mountain & (rng.random(n) < 0.5)]
    segments.append(
        _segment(
            rent,
            3,
            a=0,
            adults=adults[rent],
            children=np.zeros(rent.size),
            duration=days[rent],
            amount=adults[rent] * days[rent] * 27.0 * spend[rent],
            sale_day=created_day[rent],
        )
    )
    rk = rent[children[rent] > 0]
    segments.append(
        _segment(
            rk,
            3,
            a=1,
            adults=np.zeros(rk.size),
            children=children[rk],
            duration=days[rk],
            amount=children[rk] * days[rk] * 17.0,
            sale_day=created_day[rk],
        )
    )
    park = idx[winter_mountain & french_village[v] & (market == 0) & (rng.random(n) < 0.3)]
    pk_type = (rng.random(park.size) < 0.4).astype(np.int64)
    segments.append(
        _segment(
            park,
            4,
            a=pk_type,
            adults=np.zeros(park.size),
            children=np.zeros(park.size),
            duration=stays.nights[park],
            amount=stays.nights[park] * np.where(pk_type == 1, 24.0, 15.0),
            sale_day=created_day[park],
        )
    )
    # at the village, during the stay (only stays that started, not cancelled)
    started = live & (stays.arrival < tl.as_of_index)

    def during(rows: np.ndarray) -> np.ndarray:
        """A day of the stay, for a sale made at the village."""
        offset = np.floor(rng.random(rows.size) * stays.nights[rows]).astype(np.int64)
        return np.asarray(stays.arrival[rows] + offset)

    p_act = np.where(villages.kind[v] == 1, 0.45, 0.3)
    act = np.repeat(idx, started * (rng.random(n) < p_act) * rng.integers(1, 3, n))
    segments.append(
        _segment(
            act,
            7,
            a=(rng.random(act.size) < 0.5).astype(np.int64),
            adults=np.minimum(adults[act], rng.integers(1, 3, act.size)),
            children=np.zeros(act.size),
            duration=np.ones(act.size),
            amount=rng.uniform(40, 260, act.size) * spend[act],
            sale_day=during(act),
        )
    )
    p_spa = np.where((children == 0) & (adults == 2), 0.28, 0.14)
    spa = idx[started & (rng.random(n) < p_spa)]
    segments.append(
        _segment(
            spa,
            8,
            adults=np.ones(spa.size),
            children=np.zeros(spa.size),
            duration=np.ones(spa.size),
            amount=rng.uniform(80, 380, spa.size) * spend[spa],
            sale_day=during(spa),
        )
    )
    club = idx[started & (children > 0) & (rng.random(n) < 0.35)]
    segments.append(
        _segment(
            club,
            9,
            adults=np.zeros(club.size),
            children=children[club],
            duration=stays.nights[club],
            amount=children[club] * stays.nights[club] * 35.0,
            sale_day=during(club),
        )
    )
    lines = {k: np.concatenate([s[k] for s in segments]) for k in segments[0]}
    lines = _top_up(ctx, rng, lines, stays=stays, started=started, spend=spend)
    before_extract = lines["sale_day"] < tl.as_of_index
    order = np.lexsort((lines["family"], lines["stay"]))
    order = order[before_extract[order]]
    lines = {k: val[order] for k, val in lines.items()}

    season = stays.season[lines["stay"]]
    lookup_b = np.where(lines["family"] == 1, lines["b"], 0)
    group = catalogue.group(lines["family"], v[lines["stay"]], season, lines["a"], lookup_b)
    generic = group < 0
    group = np.where(
        generic,
        catalogue.group(lines["family"], np.full(group.size, -1), season, lines["a"]),
        group,
    )
    product = catalogue.pick(rng, np.maximum(group, 0))
    product = np.where(group < 0, -1, product)
    return Lines(
        stay=lines["stay"],
        family=lines["family"],
        product=product,
        amount=lines["amount"],
        discount=lines["discount"],
        sale_day=lines["sale_day"],
        adults=lines["adults"],
        children=lines["children"],
        duration=lines["duration"],
        a=lines["a"],
        b=lines["b"],
    )


def _top_up(
    ctx: Context,
    rng: np.random.Generator,
    lines: dict[str, np.ndarray],
    *,
    stays: Stays,
    started: np.ndarray,
    spend: np.ndarray,
) -> dict[str, np.ndarray]:
    """More activity lines when the draw falls short of the scale's floor."""
    known = int((lines["sale_day"] < ctx.timeline.as_of_index).sum())
    missing = int(np.ceil((ctx.scale.sale_lines - known) * 1.002))
    if missing <= 0:
        return lines
    pool = np.flatnonzero(started)
    extra = np.sort(pool[rng.integers(0, pool.size, missing)])
    seg = _segment(
        extra,
        7,
        a=0,
        adults=np.ones(extra.size),
        children=np.zeros(extra.size),
        duration=np.ones(extra.size),
        amount=rng.uniform(40, 200, extra.size) * spend[extra],
        sale_day=stays.arrival[extra]
        + np.floor(rng.random(extra.size) * stays.nights[extra]).astype(np.int64),
    )
    return {k: np.concatenate([lines[k], seg[k]]) for k in lines}
