"""The sale lines extract (source family: sales): the lines :mod:`sandbox.simulation.sales`
drew, as the selling systems record them on the extraction day.

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

import numpy as np
import polars as pl

from sandbox.simulation.accounts import Accounts
from sandbox.simulation.context import Context
from sandbox.simulation.dirt import drop_accents, vary_case
from sandbox.simulation.frames import dates, frame, numbered, pick, with_nulls
from sandbox.simulation.places import VILLAGES
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.products import Catalogue
from sandbox.simulation.resorts import Villages
from sandbox.simulation.sales import Lines
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
    # a few lines extracted twice; the three parts are written as they are, one after
    # the other, never copied into one frame first
    twice = np.flatnonzero(rng.random(n) < 0.0005)
    extract = pl.concat([extract, refunds, extract[twice]], rechunk=False)
    ctx.writer.write("sales", "sale_lines", extract)
