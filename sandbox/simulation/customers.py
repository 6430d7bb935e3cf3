"""The two client extracts: the CRM contact base and the reservation system's accounts
(source family: customers).

The same people appear in both, under different raw identifiers (a CRM contact id,
a reservation account code), spelled differently (case, accents, spaces), with
phone numbers in assorted local formats and some broken e-mails; the CRM also
holds duplicate records of some people, and a person may hold two reservation
accounts. Every cross-source pair stays resolvable: by the e-mail (lower case,
trimmed) when both sides hold a valid one, otherwise by last name, first name
(upper case, accents stripped, spaces collapsed), birth date and postal code (a
French code that lost its leading zero gets it back by left-padding to 5). People
sharing a normalised address line 1, postal code and country form a household.

Landing table ``landing_customers.client_extract_crm`` - one row per CRM contact
record (the seed's 272,012 contacts at the ``seed`` scale). Opt-in flags are
``O``/``N`` (null: unknown, and then no decision day nor origin), validity flags
are the CRM's own checks (1/0).

    ============================= ========= ============================================
    column                        type      meaning
    ============================= ========= ============================================
    contact_id                    BIGINT    CRM contact id (raw, sequential)
    crm_segment_label             VARCHAR   the CRM's legacy segment (often null)
    gender_label                  VARCHAR   ``Femme``/``Homme`` as typed (variants)
    sex_code                      VARCHAR   F or M
    civility                      VARCHAR   ``Mme``, ``M.``, ``Mlle``, ``Mrs``, ``Herr``...
    title_id                      INTEGER   1 M., 2 Mme, 3 Mlle
    birth_date                    DATE      null or 1900-01-01 when unknown
    preferred_language            VARCHAR   ``FR``, ``en``, ``Deutsch``... (varies)
    customer_type_label           VARCHAR   CLIENT, PROSPECT, CLIENT VIP (case varies)
    last_name                     VARCHAR   as typed (mostly upper case)
    first_name                    VARCHAR   as typed
    created_on                    DATE      record creation
    address_line1                 VARCHAR   street line (case and spaces vary)
    address_line2                 VARCHAR   complement (flat, building), often null
    address_line3                 VARCHAR   rare complement (``BP 12``)
    postal_code                   VARCHAR   French codes may have lost a leading zero
    city                          VARCHAR   city (case varies)
    country_code                  VARCHAR   ISO alpha-2 (rarely lower case)
    country_name                  VARCHAR   country name in French (case varies)
    iris_code                     VARCHAR   IRIS zone of the geocoded address (France)
    address_opt_in                VARCHAR   postal mail consent
    address_opt_in_changed_on     DATE      day of the latest decision on that consent
    address_opt_in_source         VARCHAR   where it was taken: WEB, CALL_CENTER, AGENCE,
                                            VILLAGE, LIEN_DESINSCRIPTION, MIGRATION
    address_valid                 INTEGER   address check
    mobile_phone                  VARCHAR   mobile, any format
    mobile_opt_in                 VARCHAR   SMS consent
    mobile_opt_in_changed_on      DATE      (as for the address)
    mobile_opt_in_source          VARCHAR
    mobile_valid                  INTEGER   mobile check
    landline_phone_1              VARCHAR   landline, any format
    landline_1_opt_in             VARCHAR   phone consent
    landline_1_opt_in_changed_on  DATE
    landline_1_opt_in_source      VARCHAR
    landline_1_valid              INTEGER
    landline_phone_2              VARCHAR   second landline
    landline_2_opt_in             VARCHAR
    landline_2_opt_in_changed_on  DATE
    landline_2_opt_in_source      VARCHAR
    landline_2_valid              INTEGER
    email                         VARCHAR   e-mail as typed (case, spaces, some invalid)
    email_opt_in                  VARCHAR   e-mail consent (``N`` after unsubscribing)
    email_opt_in_changed_on       DATE
    email_opt_in_source           VARCHAR   LIEN_DESINSCRIPTION after an unsubscribe link
    email_valid                   INTEGER   e-mail syntax check
    advertising_opt_in            VARCHAR   consent to targeted advertising
    advertising_opt_in_changed_on DATE
    advertising_opt_in_source     VARCHAR
    updated_at                    TIMESTAMP last update of the record
    ============================= ========= ============================================

Landing table ``landing_customers.client_extract_booking`` - one row per account of
the reservation system (accounts opened on the extraction day are not in it yet).

    ============== ========= ==================================================
    column         type      meaning
    ============== ========= ==================================================
    account_code   VARCHAR   account code, market + 7 digits (``FR-1002345``)
    title          VARCHAR   MR, MRS, MS, MISS (variants)
    last_name      VARCHAR   as typed (case, accents and spaces vary)
    first_name     VARCHAR   as typed
    birth_date     VARCHAR   ``DD/MM/YYYY``; null or ``00/00/0000`` when unknown
    email          VARCHAR   e-mail as typed, often null
    phone          VARCHAR   one phone number, any format
    address_1      VARCHAR   street line
    address_2      VARCHAR   complement
    zip_code       VARCHAR   postal code
    town           VARCHAR   city
    country        VARCHAR   ISO alpha-2 country code
    language       VARCHAR   locale such as ``fr_FR``, ``nl_BE``
    created_at     TIMESTAMP account opening
    updated_at     TIMESTAMP last change
    ============== ========= ==================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.accounts import Accounts
from sandbox.simulation.context import Context
from sandbox.simulation.dirt import (
    blank,
    break_emails,
    drop_accents,
    messy_emails,
    phone_formats,
    stray_spaces,
    vary_case,
)
from sandbox.simulation.frames import dates, frame, held, pick, timestamps, where, with_nulls
from sandbox.simulation.places import COUNTRY_NAMES, MARKETS
from sandbox.simulation.population import LANGUAGES, Population
from sandbox.simulation.randomness import choose
from sandbox.simulation.stays import Stays
from sandbox.simulation.territory import Territory
from sandbox.simulation.timeline import DAY

_CIVILITY = {
    "fr": ("Mme", "M."),
    "en": ("Mrs", "Mr"),
    "de": ("Frau", "Herr"),
    "it": ("Sig.ra", "Sig."),
    "es": ("Sra.", "Sr."),
    "nl": ("Mevr.", "Dhr."),
    "pt": ("Sra.", "Sr."),
    "zh": ("Ms", "Mr"),
}
_LANGUAGE_LABELS = (
    "Français",
    "English",
    "Deutsch",
    "Italiano",
    "Español",
    "Nederlands",
    "Português",
    "中文",
)


@dataclass(frozen=True)
class CrmView:
    """How the CRM spells each record's contact points (used to address campaigns)."""

    email: pl.Series  # as typed; null when the record has none
    email_usable: np.ndarray  # present and syntactically valid
    email_dead: np.ndarray  # valid syntax, but the mailbox bounces
    mobile: pl.Series  # as typed; null when none
    frame: pl.DataFrame  # the extract's columns known before campaigns run


def _flag(values: np.ndarray, rng: np.random.Generator, unknown: float = 0.015) -> pl.Series:
    return with_nulls(pick(("N", "O"), values.astype(np.int64)), rng.random(values.size) < unknown)


def crm_view(ctx: Context, pop: Population, territory: Territory) -> CrmView:
    """Render the CRM records as the CRM spells them."""
    rng = ctx.streams("customers.crm")
    crm, persons, hh = pop.crm, pop.persons, pop.households
    p = crm.person
    n = crm.n
    h = persons.household[p]
    market = hh.market[h]
    lang = hh.language[h]
    dup = crm.duplicate

    last = persons.last_name.gather(p)
    last = vary_case(last, rng, upper=0.65, title=0.1, lower=0.03)
    last = stray_spaces(drop_accents(last, rng, 0.25), rng, 0.03)
    first = persons.first_name.gather(p)
    first = stray_spaces(
        drop_accents(vary_case(first, rng, upper=0.15, lower=0.04), rng, 0.15), rng, 0.02
    )

    female = persons.female[p]
    young = (ctx.timeline.days[-1] - persons.birth_day[p]) < 30 * 365
    mlle = female & young & (lang == 0) & (rng.random(n) < 0.3)
    civ_f = pick([_CIVILITY[x][0] for x in LANGUAGES], lang)
    civ_m = pick([_CIVILITY[x][1] for x in LANGUAGES], lang)
    civility = where(mlle, pl.Series(["Mlle"] * n), where(female, civ_f, civ_m))
    title_id = np.where(mlle, 3, np.where(female, 2, 1))
    gender = pick(
        ("Homme", "Femme", "HOMME", "FEMME", "H", "F"), female + 2 * choose_variant(rng, n)
    )

    email_state = persons.email_state[p]
    has_email = crm.has_email & (email_state > 0)
    hidden = persons.crm_birth_hidden[p] & ~dup
    sentinel = hidden & (rng.random(n) < 0.2)
    birth_missing = hidden & ~sentinel
    birth = np.where(sentinel, -25567, persons.birth_day[p])  # 1900-01-01

    clean = persons.email.gather(p)
    typed = messy_emails(clean, rng, 0.08)
    typed = where(email_state == 2, break_emails(clean, rng, 1.0), typed)
    email = with_nulls(typed, ~has_email)
    usable = has_email & ((email_state == 1) | (email_state == 3))

    dial = pick([m.dial for m in MARKETS], market)
    trunk = pick([m.trunk for m in MARKETS], market)
    mobile_nsn = persons.mobile.gather(p)
    mobile = with_nulls(
        phone_formats(dial, trunk, mobile_nsn.fill_null("0"), rng),
        mobile_nsn.is_null().to_numpy() | (dup & (rng.random(n) < 0.4)),
    )
    land_nsn = persons.landline.gather(p)
    landline = with_nulls(
        phone_formats(dial, trunk, land_nsn.fill_null("0"), rng), land_nsn.is_null().to_numpy()
    )
    land2_nsn = persons.landline2.gather(p)
    landline2 = with_nulls(
        phone_formats(dial, trunk, land2_nsn.fill_null("0"), rng), land2_nsn.is_null().to_numpy()
    )

    country = pick([m.country for m in MARKETS], market)
    postal = hh.postal_code.gather(h)
    lost_zero = (
        (country == "FR").to_numpy()
        & postal.str.starts_with("0").to_numpy()
        & (rng.random(n) < 0.3)
    )
    postal = where(lost_zero, postal.str.slice(1), postal)
    iris_idx = hh.iris[h]
    iris = with_nulls(
        territory.iris_code.gather(np.maximum(iris_idx, 0)), (iris_idx < 0) | (rng.random(n) < 0.05)
    )
    lang_label = pick(_LANGUAGE_LABELS, lang)
    code = pick([x.upper() for x in LANGUAGES], lang)
    lang_kind = rng.random(n)
    preferred = where(
        lang_kind < 0.8, code, where(lang_kind < 0.9, code.str.to_lowercase(), lang_label)
    )

    address1 = stray_spaces(vary_case(hh.address1.gather(h), rng, upper=0.3), rng, 0.04)
    country_name = vary_case(
        pick([COUNTRY_NAMES[m.country] for m in MARKETS], market), rng, upper=0.4
    )
    legacy = with_nulls(
        pick(
            ("FIDELE", "OCCASIONNEL", "NOUVEAU", "INACTIF", "PROSPECT", "VIP"),
            rng.integers(0, 6, n),
        ),
        rng.random(n) < 0.45,
    )
    columns: dict[str, pl.Series | np.ndarray] = {
        "contact_id": crm.contact_id,
        "crm_segment_label": legacy,
        "gender_label": blank(gender, rng, 0.02),
        "sex_code": blank(pick(("M", "F"), female.astype(np.int64)), rng, 0.02),
        "civility": blank(civility, rng, 0.01),
        "title_id": title_id.astype(np.int32),
        "birth_date": dates(birth, birth_missing),
        "preferred_language": blank(preferred, rng, 0.01),
        "last_name": last,
        "first_name": first,
        "created_on": dates(crm.created // DAY),
        "address_line1": address1,
        "address_line2": hh.address2.gather(h),
        "address_line3": with_nulls(pl.Series(["BP 12"] * n), rng.random(n) >= 0.01),
        "postal_code": postal,
        "city": vary_case(hh.city.gather(h), rng, upper=0.5),
        "country_code": where(rng.random(n) < 0.02, country.str.to_lowercase(), country),
        "country_name": country_name,
        "iris_code": iris,
        "address_opt_in": _flag(persons.postal_opt_in[p], rng),
        "address_valid": (rng.random(n) >= 0.02).astype(np.int32),
        "mobile_phone": mobile,
        "mobile_opt_in": _flag(crm.sms_opt_in, rng),
        "mobile_valid": _phone_valid(mobile),
        "landline_phone_1": landline,
        "landline_1_opt_in": _flag(rng.random(n) < 0.3, rng),
        "landline_1_valid": _phone_valid(landline),
        "landline_phone_2": landline2,
        "landline_2_opt_in": _flag(rng.random(n) < 0.2, rng),
        "landline_2_valid": _phone_valid(landline2),
        "email": email,
    }
    return CrmView(
        email=email,
        email_usable=usable,
        email_dead=usable & (email_state == 3),
        mobile=mobile,
        frame=held(frame(columns)),
    )


CONSENT_SOURCES = ("WEB", "CALL_CENTER", "AGENCE", "VILLAGE", "LIEN_DESINSCRIPTION", "MIGRATION")
"""Where a consent decision was collected (``MIGRATION``: records older than the GDPR)."""
_GDPR_DAY = 17_676  # 2018-05-25, in days since the epoch


def choose_variant(rng: np.random.Generator, n: int) -> np.ndarray:
    """0 for the usual spelling, 1 or 2 for rarer ones."""
    u = rng.random(n)
    return np.where(u < 0.85, 0, np.where(u < 0.95, 1, 2))


def _phone_valid(phone: pl.Series) -> np.ndarray:
    digits = phone.str.replace_all(r"[^0-9]", "").str.len_chars().fill_null(0).to_numpy()
    return (
        (digits >= 8) & (digits <= 15) & ~phone.str.contains("00000").fill_null(False).to_numpy()
    ).astype(np.int32)


def write_crm(
    ctx: Context,
    pop: Population,
    stays: Stays,
    view: CrmView,
    unsubscribed_at: np.ndarray,
) -> None:
    """Write ``client_extract_crm`` (the records not erased), with consents as of the extraction.

    ``unsubscribed_at`` holds, per CRM record, when it unsubscribed from e-mails (-1: never).
    """
    rng = ctx.streams("customers.crm.write")
    crm, persons = pop.crm, pop.persons
    n = crm.n
    p = crm.person
    cutoff = ctx.timeline.as_of_seconds
    unsubscribed = (unsubscribed_at >= 0) & (unsubscribed_at < cutoff)
    email_flag = _flag(crm.email_opt_in & ~unsubscribed, rng)
    ads = persons.ads_opt_in[p] & ~unsubscribed
    withdrawn = ~ads & ~unsubscribed & (rng.random(n) < 0.25)
    ads_flag = _flag(ads, rng)

    # each consent decision has a day and an origin: taken when the record was created
    # (records older than the GDPR were migrated), changed later in the preference
    # centre, or withdrawn through an unsubscribe link
    created_source = np.where(
        crm.created < _GDPR_DAY * DAY, 5, choose(rng, [0.5, 0.15, 0.2, 0.15], n)
    )
    later = crm.created + (rng.random(n) * np.maximum(cutoff - crm.created, DAY)).astype(np.int64)
    decisions: dict[str, pl.Series] = {}
    for name, flag, changed_at, change_source in (
        ("address", view.frame.get_column("address_opt_in"), rng.random(n) < 0.05, 0),
        ("mobile", view.frame.get_column("mobile_opt_in"), rng.random(n) < 0.08, 0),
        ("landline_1", view.frame.get_column("landline_1_opt_in"), rng.random(n) < 0.03, 1),
        ("landline_2", view.frame.get_column("landline_2_opt_in"), rng.random(n) < 0.03, 1),
        ("email", email_flag, unsubscribed | (rng.random(n) < 0.06), 0),
        ("advertising", ads_flag, unsubscribed | withdrawn, 0),
    ):
        when = np.where(changed_at, later, crm.created)
        source = np.where(changed_at, change_source, created_source)
        if name in ("email", "advertising"):
            when = np.where(unsubscribed, unsubscribed_at, when)
            source = np.where(unsubscribed, 4, source)
        unknown = flag.is_null().to_numpy()
        decisions[f"{name}_opt_in_changed_on"] = dates(when // DAY, unknown)
        decisions[f"{name}_opt_in_source"] = pick(CONSENT_SOURCES, source, unknown)

    # customer type: the household had a stay that was not cancelled
    live = stays.cancelled < 0
    stayed = np.bincount(
        stays.household[live & (stays.created < cutoff)], minlength=pop.households.n
    )
    h = persons.household[p]
    kind = np.where(stayed[h] >= 4, 2, np.where(stayed[h] > 0, 0, 1))
    type_label = vary_case(pick(("CLIENT", "PROSPECT", "CLIENT VIP"), kind), rng, title=0.1)
    last_change = np.where(unsubscribed, unsubscribed_at, crm.created)
    updated = last_change + (rng.random(n) * 30 * DAY).astype(np.int64)
    updated = np.minimum(updated, cutoff - 1)

    out = view.frame.with_columns(
        customer_type_label=type_label,
        email_opt_in=email_flag,
        email_valid=pl.Series(view.email_usable.astype(np.int32)),
        advertising_opt_in=ads_flag,
        updated_at=timestamps(updated),
        **decisions,
    ).select(
        "contact_id", "crm_segment_label", "gender_label", "sex_code", "civility", "title_id",
        "birth_date", "preferred_language", "customer_type_label", "last_name", "first_name",
        "created_on", "address_line1", "address_line2", "address_line3", "postal_code", "city",
        "country_code", "country_name", "iris_code",
        "address_opt_in", "address_opt_in_changed_on", "address_opt_in_source", "address_valid",
        "mobile_phone", "mobile_opt_in", "mobile_opt_in_changed_on", "mobile_opt_in_source",
        "mobile_valid",
        "landline_phone_1", "landline_1_opt_in", "landline_1_opt_in_changed_on",
        "landline_1_opt_in_source", "landline_1_valid",
        "landline_phone_2", "landline_2_opt_in", "landline_2_opt_in_changed_on",
        "landline_2_opt_in_source", "landline_2_valid",
        "email", "email_opt_in", "email_opt_in_changed_on", "email_opt_in_source", "email_valid",
        "advertising_opt_in", "advertising_opt_in_changed_on", "advertising_opt_in_source",
        "updated_at",
    )  # fmt: skip
    ctx.writer.write("customers", "client_extract_crm", out, keep=~crm.erased)


def write_booking(ctx: Context, pop: Population, accounts: Accounts) -> None:
    """Write ``client_extract_booking``: the reservation accounts opened before the extraction."""
    rng = ctx.streams("customers.booking")
    persons, hh = pop.persons, pop.households
    p = accounts.person
    n = accounts.n
    h = persons.household[p]
    market = hh.market[h]
    lang = hh.language[h]

    last = vary_case(persons.last_name.gather(p), rng, upper=0.3, title=0.6)
    last = stray_spaces(drop_accents(last, rng, 0.35), rng, 0.03)
    first = stray_spaces(
        drop_accents(vary_case(persons.first_name.gather(p), rng, title=0.5, upper=0.1), rng, 0.35),
        rng,
        0.02,
    )
    female = persons.female[p]
    title = where(
        female,
        pick(("MRS", "MS", "Mrs."), choose_variant(rng, n)),
        pick(("MR", "Mr", "M."), choose_variant(rng, n)),
    )

    clean = persons.email.gather(p)
    email_missing = persons.booking_email_hidden[p]
    email = with_nulls(messy_emails(clean.fill_null(""), rng, 0.12), email_missing)
    hidden = persons.booking_birth_hidden[p]
    placeholder = hidden & (rng.random(n) < 0.15)
    birth_text = dates(persons.birth_day[p]).dt.strftime("%d/%m/%Y")
    birth_text = with_nulls(
        where(placeholder, pl.Series(["00/00/0000"] * n), birth_text), hidden & ~placeholder
    )

    dial = pick([m.dial for m in MARKETS], market)
    trunk = pick([m.trunk for m in MARKETS], market)
    mobile = persons.mobile.gather(p)
    nsn = pl.select(pl.coalesce(mobile, persons.landline.gather(p))).to_series()
    phone = with_nulls(
        phone_formats(dial, trunk, nsn.fill_null("0"), rng), nsn.is_null().to_numpy()
    )
    country = pick([m.country for m in MARKETS], market)
    locale = (
        pick(LANGUAGES, lang)
        + pl.Series(["_"] * n)
        + where(rng.random(n) < 0.05, country.str.to_lowercase(), country)
    )
    cutoff = ctx.timeline.as_of_seconds
    updated = np.minimum(
        accounts.created + (rng.random(n) * 400 * DAY).astype(np.int64), cutoff - 1
    )
    out = frame(
        {
            "account_code": accounts.code,
            "title": blank(title, rng, 0.03),
            "last_name": last,
            "first_name": first,
            "birth_date": birth_text,
            "email": email,
            "phone": phone,
            "address_1": stray_spaces(
                vary_case(hh.address1.gather(h), rng, upper=0.35, title=0.2), rng, 0.03
            ),
            "address_2": hh.address2.gather(h),
            "zip_code": hh.postal_code.gather(h),
            "town": vary_case(hh.city.gather(h), rng, upper=0.6),
            "country": country,
            "language": locale,
            "created_at": timestamps(accounts.created),
            "updated_at": timestamps(np.maximum(updated, accounts.created)),
        }
    )
    ctx.writer.write(
        "customers", "client_extract_booking", out.filter(pl.Series(accounts.created < cutoff))
    )
