"""Sale lines of the booking contracts (source family: sales).

Every booking sells a stay line, and, depending on the village, the season and the
party, transport, insurance, ski passes, ski school, equipment rental and parking
at booking time; activities, spa and kids' club are sold at the village during the
stay. Lines of cancelled contracts stay in the extract with the contract's
cancellation; revenue is the amount net of discount of the other lines.

Landing table ``landing_sales.sale_lines`` - one row per sale line known on the
extraction day (lines sold that day are not in it yet). The contract columns
(dates, status) describe the contract as of the extraction. Dirty: a few lines
name a product missing from the catalogue, a few lines were extracted twice, the
site is the village's *name* (case varies), the customer name is typed freely.

    ============================ ========= ================================================
    column                       type      meaning
    ============================ ========= ================================================
    contract_id                  VARCHAR   booking contract (``BK`` + 9 digits); null for a
                                           few village extras sold without the contract
    source_label                 VARCHAR   selling system: RESA, VILLAGE or PARTENAIRE
    company_id                   INTEGER   selling company
    company_name                 VARCHAR   selling company's name
    company_business_label       VARCHAR   its business (HEBERGEMENT, SKI, ...)
    transaction_number           BIGINT    transaction (a booking's package lines share one)
    transaction_line_number      INTEGER   line within the transaction, from 1
    sale_type_code               VARCHAR   PACK (the stay), OPT (option sold with it),
                                           SUR_PLACE (sold at the village), REMB (refund
                                           of an earlier line: negative amount)
    sale_channel_code            VARCHAR   INT web, TEL call centre, AGE agency,
                                           VIL at the village
    customer_name                VARCHAR   payer's name as typed (``DUPONT Marie``)
    payer_account_code           VARCHAR   payer's reservation account (``FR-1002345``)
    business_account_code        VARCHAR   travel agency account of an agency sale, else null
    holder_account_code          VARCHAR   account of the person the line is for
    sale_date                    DATE      day of the sale
    amount_incl_tax              DOUBLE    amount, euros taxes included, before discount
    discount_incl_tax            DOUBLE    discount granted, euros taxes included (>= 0)
    tariff_label                 VARCHAR   tariff (``Tarif public``, ``Early booking``...)
    contract_created_on          DATE      contract creation
    contract_modified_on         DATE      last modification known, null if none
    contract_cancelled_on        DATE      cancellation, null if not cancelled
    arrival_date                 DATE      stay arrival
    departure_date               DATE      stay departure
    contract_status_code         VARCHAR   OP option, CF confirmed, SO stay completed,
                                           AN cancelled
    duration                     INTEGER   duration of the product
    duration_unit                VARCHAR   N nights, J days, H hours
    product_id                   VARCHAR   catalogue product (``P`` + 6 digits)
    site_name                    VARCHAR   village name
    nb_persons                   INTEGER   persons on the line
    nb_adults                    INTEGER   adults on the line
    nb_children                  INTEGER   children on the line
    course_specialty_label       VARCHAR   ski school lines: SKI, SNOWBOARD, FREESTYLE
    course_type_label            VARCHAR   ski school lines: COLLECTIF or PARTICULIER
    client_level                 VARCHAR   ski school lines: level of the pupils
    client_category_label        VARCHAR   ski school lines: ENFANT or ADULTE
    course_language_code         VARCHAR   ski school lines: language of the course
    ============================ ========= ================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.accounts import Accounts
from sandbox.simulation.context import Context
from sandbox.simulation.dirt import drop_accents, vary_case
from sandbox.simulation.frames import dates, frame, numbered, pick, with_nulls
from sandbox.simulation.places import REGIONS, VILLAGES
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.products import SKI_DAYS, Catalogue
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import Stays
from sandbox.simulation.timeline import DAY

STATUS_CODES = ("OP", "CF", "SO", "AN")
CHANNEL_CODES = ("INT", "TEL", "AGE", "VIL")
SOURCES = ("RESA", "VILLAGE", "PARTENAIRE")
COMPANIES = (
    (101, "Trident Villages SAS", "HEBERGEMENT"),
    (102, "Trident Voyages", "TRANSPORT"),
    (103, "Assurances Voyage Plus", "ASSURANCE"),
    (104, "Domaine skiable partenaire", "SKI"),
    (105, "Ecoles de ski partenaires", "SKI"),
    (106, "Location Glisse", "SKI"),
    (107, "Parkings Montagne", "PARKING"),
    (108, "Trident Villages SAS", "LOISIRS"),
)
# family -> (company, source, sale type)
_FAMILY_SELLER = {
    0: (0, 0, "PACK"),
    1: (3, 2, "OPT"),
    2: (4, 2, "OPT"),
    3: (5, 2, "OPT"),
    4: (6, 2, "OPT"),
    5: (1, 0, "OPT"),
    6: (2, 0, "OPT"),
    7: (7, 1, "SUR_PLACE"),
    8: (7, 1, "SUR_PLACE"),
    9: (7, 1, "SUR_PLACE"),
}
LEVELS = ("Débutant", "Flocon", "1ère étoile", "2ème étoile", "3ème étoile", "Expert")


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


def status_at(ctx: Context, stays: Stays, cutoff: int) -> np.ndarray:
    """Status code index (into STATUS_CODES) of each contract at ``cutoff`` seconds."""
    tl = ctx.timeline
    departed = (tl.days[np.minimum(stays.arrival + stays.nights, tl.n_days - 1)]) * DAY < cutoff
    cancelled = (stays.cancelled >= 0) & (stays.cancelled < cutoff)
    confirmed = (stays.confirmed >= 0) & (stays.confirmed < cutoff)
    return np.asarray(np.where(cancelled, 3, np.where(confirmed, np.where(departed, 2, 1), 0)))


def last_modified_at(stays: Stays, cutoff: int) -> np.ndarray:
    """Last modification before ``cutoff`` (seconds), -1 when none."""
    known = np.where((stays.modified >= 0) & (stays.modified < cutoff), stays.modified, -1)
    return np.asarray(known.max(axis=1))


def write(
    ctx: Context,
    *,
    pop: Population,
    villages: Villages,
    stays: Stays,
    accounts: Accounts,
    catalogue: Catalogue,
    lines: Lines,
) -> None:
    """Write ``landing_sales.sale_lines``."""
    tl = ctx.timeline
    rng = ctx.streams("sales.extract")
    n = lines.n
    s = lines.stay
    cutoff = tl.as_of_seconds
    status = status_at(ctx, stays, cutoff)[s]
    modified = last_modified_at(stays, cutoff)[s]
    cancelled = np.where((stays.cancelled >= 0) & (stays.cancelled < cutoff), stays.cancelled, -1)[
        s
    ]
    fam = lines.family
    company = np.array([_FAMILY_SELLER[f][0] for f in range(10)])[fam]
    source = np.array([_FAMILY_SELLER[f][1] for f in range(10)])[fam]
    sale_type = pick([_FAMILY_SELLER[f][2] for f in range(10)], fam)
    on_site = source == 1
    channel = np.where(on_site, 3, stays.channel[s])
    # transactions: the package lines of a booking share one; on-site lines have their own
    new_tx = np.ones(n, dtype=bool)
    new_tx[1:] = (s[1:] != s[:-1]) | on_site[1:]
    tx = 70_000_000 + np.cumsum(new_tx * rng.integers(1, 4, n))
    tx_start = np.maximum.accumulate(np.where(new_tx, np.arange(n), 0))
    line_no = np.arange(n) - tx_start + 1

    person = stays.payer[s]
    last = vary_case(pop.persons.last_name.gather(person), rng, upper=0.7)
    first = drop_accents(pop.persons.first_name.gather(person), rng, 0.2)
    customer_name = (last + pl.Series([" "] * n) + first).str.strip_chars()

    discount_rate = lines.discount / np.maximum(lines.amount, 0.01)
    tariff = np.where(
        fam != 0,
        0,
        np.where(
            discount_rate >= 0.145,
            3,
            np.where(discount_rate >= 0.095, 1, np.where(discount_rate > 0, 2, 0)),
        ),
    )
    tariff_label = pick(("Tarif public", "Early booking", "Offre fidélité", "Promotion"), tariff)

    product_id = numbered(
        "P",
        np.where(lines.product >= 0, catalogue.product_number[np.maximum(lines.product, 0)], 0),
        6,
    )
    orphan = rng.random(n) < 0.0004
    product_id = pl.select(
        pl.when(pl.Series(orphan))
        .then(pl.lit("P99") + numbered("", rng.integers(0, 10_000, n), 4))
        .otherwise(product_id)
    ).to_series()
    site = vary_case(pick([vv.name for vv in VILLAGES], stays.village[s]), rng, upper=0.25)
    school = fam == 2
    course_specialty = with_nulls(
        pick(("SKI", "SKI", "SNOWBOARD", "FREESTYLE"), np.minimum(lines.a, 3)), ~school
    )
    course_type = with_nulls(
        pick(("COLLECTIF", "PARTICULIER", "COLLECTIF", "COLLECTIF"), np.minimum(lines.a, 3)),
        ~school,
    )
    level = with_nulls(pick(LEVELS, rng.integers(0, len(LEVELS), n)), ~school)
    category = with_nulls(pick(("ADULTE", "ENFANT"), np.minimum(lines.b, 1)), ~school)
    language = pop.households.language[stays.household[s]]
    course_lang = with_nulls(pick([x.upper() for x in LANGUAGES], language), ~school)

    # private lessons are sold by the hour
    unit = np.where(np.isin(fam, [1, 2, 3]), np.where((fam == 2) & (lines.a == 1), 2, 1), 0)
    agency_of_stay = rng.integers(1, 400, stays.n)
    business = with_nulls(numbered("AGV", agency_of_stay[s], 4), channel != 2)
    no_contract = on_site & (rng.random(n) < 0.04)
    extract = frame(
        {
            "contract_id": with_nulls(numbered("BK", stays.booking_number[s], 9), no_contract),
            "source_label": pick(SOURCES, source),
            "company_id": np.array([c[0] for c in COMPANIES])[company].astype(np.int32),
            "company_name": pick([c[1] for c in COMPANIES], company),
            "company_business_label": pick([c[2] for c in COMPANIES], company),
            "transaction_number": tx,
            "transaction_line_number": line_no.astype(np.int32),
            "sale_type_code": sale_type,
            "sale_channel_code": pick(CHANNEL_CODES, channel),
            "customer_name": customer_name,
            "payer_account_code": accounts.code.gather(accounts.payer[s]),
            "business_account_code": business,
            "holder_account_code": accounts.code.gather(accounts.holder[s]),
            # day indices before the timeline are negative: count from its first day
            "sale_date": dates(tl.days[0] + np.minimum(lines.sale_day, tl.n_days - 1)),
            "amount_incl_tax": lines.amount,
            "discount_incl_tax": lines.discount,
            "tariff_label": tariff_label,
            "contract_created_on": dates(stays.created[s] // DAY),
            "contract_modified_on": dates(np.maximum(modified, 0) // DAY, modified < 0),
            "contract_cancelled_on": dates(np.maximum(cancelled, 0) // DAY, cancelled < 0),
            "arrival_date": dates(tl.days[stays.arrival[s]]),
            "departure_date": dates(tl.days[stays.arrival[s]] + stays.nights[s]),
            "contract_status_code": pick(STATUS_CODES, status),
            "duration": np.where(unit == 2, 2, lines.duration).astype(np.int32),
            "duration_unit": pick(("N", "J", "H"), unit),
            "product_id": product_id,
            "site_name": site,
            "nb_persons": (lines.adults + lines.children).astype(np.int32),
            "nb_adults": lines.adults.astype(np.int32),
            "nb_children": lines.children.astype(np.int32),
            "course_specialty_label": course_specialty,
            "course_type_label": course_type,
            "client_level": level,
            "client_category_label": category,
            "course_language_code": course_lang,
        }
    )
    contract_columns = [
        "contract_created_on", "contract_modified_on", "contract_cancelled_on",
        "arrival_date", "departure_date", "contract_status_code",
    ]  # fmt: skip
    extract = extract.with_columns(
        pl.when(pl.col("contract_id").is_null()).then(None).otherwise(pl.col(c)).alias(c)
        for c in contract_columns
    )
    # refunds of options and extras (negative lines, a transaction of their own)
    refunded = (fam > 0) & (status != 3) & (rng.random(n) < 0.012)
    delay = rng.integers(1, 20, n)
    refunded &= lines.sale_day + delay < tl.as_of_index
    r = np.flatnonzero(refunded)
    share = np.where(rng.random(r.size) < 0.7, 1.0, 0.5)
    refunds = extract[r].with_columns(
        sale_type_code=pl.lit("REMB"),
        amount_incl_tax=pl.Series(-np.round(lines.amount[r] * share, 2)),
        discount_incl_tax=pl.lit(0.0),
        transaction_number=pl.Series(
            90_000_000 + np.arange(r.size) * 3 + rng.integers(0, 3, r.size)
        ),
        transaction_line_number=pl.lit(1, dtype=pl.Int32),
        sale_date=pl.Series(dates(tl.days[0] + lines.sale_day[r] + delay[r])),
        tariff_label=pl.lit("Remboursement"),
    )
    # a few lines extracted twice
    twice = np.flatnonzero(rng.random(n) < 0.0005)
    extract = pl.concat([extract, refunds, extract[twice]])
    ctx.writer.write("sales", "sale_lines", extract)
