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

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.accounts import Accounts
from sandbox.simulation.context import Context
from sandbox.simulation.dirt import drop_accents_where, vary_case_by
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
    """Write ``landing_sales.sale_lines``.

    Every random draw is made first, for every line, in one order; the lines' text is then
    built and written a write chunk at a time (:func:`_extract`), followed by the refunds
    and the lines extracted twice: the forty columns of every line (at ``large``, 7.5
    million) are never held at once.
    """
    tl = ctx.timeline
    rng = ctx.streams("sales.extract")
    n = lines.n
    s = lines.stay
    cutoff = tl.as_of_seconds
    source = np.array([_FAMILY_SELLER[f][1] for f in range(10)])[lines.family]
    on_site = source == 1
    channel = np.where(on_site, 3, stays.channel[s])
    # transactions: the package lines of a booking share one; on-site lines have their own
    new_tx = np.ones(n, dtype=bool)
    new_tx[1:] = (s[1:] != s[:-1]) | on_site[1:]
    tx = 70_000_000 + np.cumsum(new_tx * rng.integers(1, 4, n))
    tx_start = np.maximum.accumulate(np.where(new_tx, np.arange(n), 0))
    draws = _Draws(
        status=status_at(ctx, stays, cutoff)[s],
        modified=last_modified_at(stays, cutoff)[s],
        cancelled=np.where(
            (stays.cancelled >= 0) & (stays.cancelled < cutoff), stays.cancelled, -1
        )[s],
        source=source,
        channel=channel,
        tx=tx,
        line_no=np.arange(n) - tx_start + 1,
        last_case=rng.random(n),
        first_accents=rng.random(n) < 0.2,
        orphan=rng.random(n) < 0.0004,
        orphan_number=rng.integers(0, 10_000, n),
        site_case=rng.random(n),
        level=rng.integers(0, len(LEVELS), n),
        agency_of_stay=rng.integers(1, 400, stays.n),
        no_contract=on_site & (rng.random(n) < 0.04),
    )
    del source, channel, tx, tx_start, new_tx
    parts = _Parts(ctx, pop, stays, accounts, catalogue, lines, draws)
    chunk = ctx.writer.chunk_rows_for(parts.extract, n)
    for lo in range(0, max(n, 1), chunk):
        ctx.writer.write("sales", "sale_lines", parts.extract(np.arange(lo, min(lo + chunk, n))))
    # refunds of options and extras (negative lines, a transaction of their own)
    refunded = (lines.family > 0) & (draws.status != 3) & (rng.random(n) < 0.012)
    delay = rng.integers(1, 20, n)
    refunded &= lines.sale_day + delay < tl.as_of_index
    r = np.flatnonzero(refunded)
    share = np.where(rng.random(r.size) < 0.7, 1.0, 0.5)
    refunds = parts.extract(r).with_columns(
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
    ctx.writer.write("sales", "sale_lines", refunds)
    # a few lines extracted twice
    twice = np.flatnonzero(rng.random(n) < 0.0005)
    ctx.writer.write("sales", "sale_lines", parts.extract(twice))


@dataclass(frozen=True)
class _Draws:
    """What the extract's lines need beyond the sales, one entry a line (the agencies:
    one a stay): the contracts as of the extraction, the sellers, the transactions and
    every random draw."""

    status: np.ndarray
    modified: np.ndarray
    cancelled: np.ndarray
    source: np.ndarray
    channel: np.ndarray
    tx: np.ndarray
    line_no: np.ndarray
    last_case: np.ndarray
    first_accents: np.ndarray
    orphan: np.ndarray
    orphan_number: np.ndarray
    site_case: np.ndarray
    level: np.ndarray
    agency_of_stay: np.ndarray
    no_contract: np.ndarray


@dataclass(frozen=True)
class _Parts:
    """Builds the extract's rows of any lines, from the world and the draws."""

    ctx: Context
    pop: Population
    stays: Stays
    accounts: Accounts
    catalogue: Catalogue
    lines: Lines
    draws: _Draws

    def extract(self, rows: np.ndarray) -> pl.DataFrame:
        """The extract's rows of the lines ``rows``, as the selling systems record them."""
        tl, stays, lines, d = self.ctx.timeline, self.stays, self.lines, self.draws
        n = rows.size
        s = lines.stay[rows]
        fam = lines.family[rows]
        a, b = lines.a[rows], lines.b[rows]
        amount, discount = lines.amount[rows], lines.discount[rows]
        company = np.array([_FAMILY_SELLER[f][0] for f in range(10)])[fam]
        channel = d.channel[rows]
        modified, cancelled = d.modified[rows], d.cancelled[rows]

        person = stays.payer[s]
        last = vary_case_by(self.pop.persons.last_name.gather(person), d.last_case[rows], 0.7)
        first = drop_accents_where(
            self.pop.persons.first_name.gather(person), d.first_accents[rows]
        )
        customer_name = (last + pl.Series([" "] * n) + first).str.strip_chars()

        discount_rate = discount / np.maximum(amount, 0.01)
        tariff = np.where(
            fam != 0,
            0,
            np.where(
                discount_rate >= 0.145,
                3,
                np.where(discount_rate >= 0.095, 1, np.where(discount_rate > 0, 2, 0)),
            ),
        )
        product = lines.product[rows]
        product_id = numbered(
            "P",
            np.where(product >= 0, self.catalogue.product_number[np.maximum(product, 0)], 0),
            6,
        )
        product_id = pl.select(
            pl.when(pl.Series(d.orphan[rows]))
            .then(pl.lit("P99") + numbered("", d.orphan_number[rows], 4))
            .otherwise(product_id)
        ).to_series()
        site = vary_case_by(
            pick([vv.name for vv in VILLAGES], stays.village[s]), d.site_case[rows], 0.25
        )
        school = fam == 2
        language = self.pop.households.language[stays.household[s]]
        # private lessons are sold by the hour
        unit = np.where(np.isin(fam, [1, 2, 3]), np.where((fam == 2) & (a == 1), 2, 1), 0)
        extract = frame(
            {
                "contract_id": with_nulls(
                    numbered("BK", stays.booking_number[s], 9), d.no_contract[rows]
                ),
                "source_label": pick(SOURCES, d.source[rows]),
                "company_id": np.array([c[0] for c in COMPANIES])[company].astype(np.int32),
                "company_name": pick([c[1] for c in COMPANIES], company),
                "company_business_label": pick([c[2] for c in COMPANIES], company),
                "transaction_number": d.tx[rows],
                "transaction_line_number": d.line_no[rows].astype(np.int32),
                "sale_type_code": pick([_FAMILY_SELLER[f][2] for f in range(10)], fam),
                "sale_channel_code": pick(CHANNEL_CODES, channel),
                "customer_name": customer_name,
                "payer_account_code": self.accounts.code.gather(self.accounts.payer[s]),
                "business_account_code": with_nulls(
                    numbered("AGV", d.agency_of_stay[s], 4), channel != 2
                ),
                "holder_account_code": self.accounts.code.gather(self.accounts.holder[s]),
                # day indices before the timeline are negative: count from its first day
                "sale_date": dates(tl.days[0] + np.minimum(lines.sale_day[rows], tl.n_days - 1)),
                "amount_incl_tax": amount,
                "discount_incl_tax": discount,
                "tariff_label": pick(
                    ("Tarif public", "Early booking", "Offre fidélité", "Promotion"), tariff
                ),
                "contract_created_on": dates(stays.created[s] // DAY),
                "contract_modified_on": dates(np.maximum(modified, 0) // DAY, modified < 0),
                "contract_cancelled_on": dates(np.maximum(cancelled, 0) // DAY, cancelled < 0),
                "arrival_date": dates(tl.days[stays.arrival[s]]),
                "departure_date": dates(tl.days[stays.arrival[s]] + stays.nights[s]),
                "contract_status_code": pick(STATUS_CODES, d.status[rows]),
                "duration": np.where(unit == 2, 2, lines.duration[rows]).astype(np.int32),
                "duration_unit": pick(("N", "J", "H"), unit),
                "product_id": product_id,
                "site_name": site,
                "nb_persons": (lines.adults[rows] + lines.children[rows]).astype(np.int32),
                "nb_adults": lines.adults[rows].astype(np.int32),
                "nb_children": lines.children[rows].astype(np.int32),
                "course_specialty_label": with_nulls(
                    pick(("SKI", "SKI", "SNOWBOARD", "FREESTYLE"), np.minimum(a, 3)), ~school
                ),
                "course_type_label": with_nulls(
                    pick(("COLLECTIF", "PARTICULIER", "COLLECTIF", "COLLECTIF"), np.minimum(a, 3)),
                    ~school,
                ),
                "client_level": with_nulls(pick(LEVELS, d.level[rows]), ~school),
                "client_category_label": with_nulls(
                    pick(("ADULTE", "ENFANT"), np.minimum(b, 1)), ~school
                ),
                "course_language_code": with_nulls(
                    pick([x.upper() for x in LANGUAGES], language), ~school
                ),
            }
        )
        contract_columns = [
            "contract_created_on", "contract_modified_on", "contract_cancelled_on",
            "arrival_date", "departure_date", "contract_status_code",
        ]  # fmt: skip
        return extract.with_columns(
            pl.when(pl.col("contract_id").is_null()).then(None).otherwise(pl.col(c)).alias(c)
            for c in contract_columns
        )
