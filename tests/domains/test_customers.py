"""The customers domain's products on hand-made extracts with worked-out expectations:
identity resolution (duplicates merged across and within sources, different people
kept apart, the match rule and normalised attributes of every record), normalisation
(names, e-mails, phones in E.164, addresses), survivorship, households and consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from tests.support.products import landing_frame, run_product

D = dt.date
T = dt.datetime


def by(frame: pd.DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """Rows of ``frame`` as dictionaries, keyed by one column or a tuple of columns."""
    out: dict[Any, dict[str, Any]] = {}
    for row in frame.to_dict("records"):
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        out[key] = row
    return out


def day(value: Any) -> dt.date | None:
    """A published DATE as a date (None for null)."""
    return None if pd.isna(value) else pd.Timestamp(value).date()


# --- a small world: five people, eleven records -------------------------------------
#
# A  Hélène Le Gall: CRM 1000001 (first), booking FR-1000010 (same e-mail), CRM 1000002
#    (duplicate without e-mail: same name and birth date).
# B  another Hélène Le Gall: other birth date, e-mail and mobile: kept apart.
# C  Jan van den Berg: booking NL-1000020 (first), CRM 1000004 (same name and mobile).
# D  Marie van den Berg: C's mobile and address but another first name: kept apart,
#    same household as C.
# E  Paul Martin: CRM 1000006 (first), CRM 1000008 (same name and mobile as 1000007 only,
#    a later record), booking FR-1000030 (same name and birth date as 1000006), CRM
#    1000007 (same e-mail as FR-1000030).

CRM_ROWS: list[dict[str, Any]] = [
    {
        "contact_id": 1000001,
        "title_id": 2,
        "civility": "Mme",
        "sex_code": "F",
        "first_name": "  hélène  ",
        "last_name": "LE GALL",
        "birth_date": D(1980, 5, 4),
        "preferred_language": "FR",
        "customer_type_label": "Client",
        "created_on": D(2015, 1, 10),
        "updated_at": T(2020, 1, 1),
        "address_line1": "1 RUE DES ÉCOLES",
        "postal_code": "73440",
        "city": "Saint-Martin-de-Belleville",
        "country_code": "FR",
        "address_valid": 1,
        "email": " Helene.LeGall@Gmail.com ",
        "email_valid": 1,
        "email_opt_in": "O",
        "email_opt_in_changed_on": D(2015, 1, 10),
        "email_opt_in_source": "WEB",
        "mobile_phone": "06 12 34 56 78",
        "mobile_opt_in": "O",
        "mobile_opt_in_changed_on": D(2015, 1, 10),
        "mobile_opt_in_source": "AGENCE",
        "landline_phone_1": "04 79 00 11 22",
        "landline_1_opt_in": "N",
        "landline_1_opt_in_changed_on": D(2016, 2, 1),
        "landline_1_opt_in_source": "CALL_CENTER",
        "advertising_opt_in": "O",
        "advertising_opt_in_changed_on": D(2015, 1, 10),
    },
    {
        "contact_id": 1000002,
        "title_id": 2,
        "sex_code": "F",
        "first_name": "HELENE",
        "last_name": "le gall",
        "birth_date": D(1980, 5, 4),
        "preferred_language": "Français",
        "customer_type_label": "PROSPECT",
        "created_on": D(2018, 3, 1),
        "updated_at": T(2023, 6, 1),
        "address_line1": "1  rue des Écoles",
        "postal_code": "73440",
        "city": "SAINT-MARTIN-DE-BELLEVILLE",
        "country_code": "fr",
        "address_valid": 1,
        "email_valid": 0,
        "email_opt_in": "N",
        "email_opt_in_changed_on": D(2023, 6, 1),
        "email_opt_in_source": "LIEN_DESINSCRIPTION",
    },
    {
        "contact_id": 1000003,
        "title_id": 2,
        "first_name": "Hélène",
        "last_name": "Le Gall",
        "birth_date": D(1990, 1, 1),
        "customer_type_label": "PROSPECT",
        "created_on": D(2019, 1, 1),
        "updated_at": T(2019, 1, 2),
        "address_line1": "8 avenue Foch",
        "postal_code": "3100",
        "city": "Moulins",
        "country_code": "FR",
        "email": "h.legall@free.fr",
        "mobile_phone": "06 98 76 54 32",
    },
    {
        "contact_id": 1000004,
        "title_id": 1,
        "first_name": "Jan",
        "last_name": "VAN DEN BERG",
        "customer_type_label": "CLIENT",
        "created_on": D(2019, 5, 1),
        "updated_at": T(2019, 5, 1),
        "address_line1": "Keizersgracht 12",
        "postal_code": "1015cj",
        "city": "Amsterdam",
        "country_code": "NL",
        "mobile_phone": "0031 6 12345678",
    },
    {
        "contact_id": 1000005,
        "title_id": 2,
        "first_name": "Marie",
        "last_name": "Van Den Berg",
        "customer_type_label": "PROSPECT",
        "created_on": D(2020, 1, 1),
        "updated_at": T(2020, 1, 1),
        "address_line1": "KEIZERSGRACHT 12",
        "postal_code": "1015 CJ",
        "city": "AMSTERDAM",
        "country_code": "NL",
        "email": "marie.vdb@ziggo.nl",
        "mobile_phone": "+31 6 12345678",
    },
    {
        "contact_id": 1000006,
        "title_id": 1,
        "first_name": "Paul",
        "last_name": "Martin",
        "birth_date": D(1970, 1, 1),
        "customer_type_label": "CLIENT",
        "created_on": D(2010, 2, 1),
        "updated_at": T(2010, 2, 1),
        "address_line1": "5 rue Pasteur",
        "postal_code": "69001",
        "city": "Lyon",
        "country_code": "FR",
        "email": "paul.martin@orange.fr",
    },
    {
        "contact_id": 1000007,
        "title_id": 1,
        "first_name": "Paul",
        "last_name": "Martin",
        "customer_type_label": "CLIENT",
        "created_on": D(2014, 4, 1),
        "updated_at": T(2014, 4, 1),
        "country_code": "FR",
        "email": "pmartin@gmail.com",
        "mobile_phone": "07 11 22 33 44",
    },
    {
        "contact_id": 1000008,
        "title_id": 1,
        "first_name": "PAUL",
        "last_name": "MARTIN",
        "customer_type_label": "PROSPECT",
        "created_on": D(2011, 5, 1),
        "updated_at": T(2011, 5, 1),
        "country_code": "FR",
        "mobile_phone": "+33711223344",
    },
]

BOOKING_ROWS: list[dict[str, Any]] = [
    {
        "account_code": "FR-1000010",
        "title": "MRS",
        "first_name": "Hélène",
        "last_name": "Le  Gall",
        "birth_date": "04/05/1980",
        "email": "helene.legall@gmail.com",
        "phone": "+33 (0)6 12 34 56 78",
        "address_1": "1 rue des Écoles",
        "zip_code": "73440",
        "town": "Saint-Martin-de-Belleville",
        "country": "FR",
        "language": "fr_FR",
        "created_at": T(2016, 6, 1, 10, 0),
        "updated_at": T(2021, 1, 1),
    },
    {
        "account_code": "NL-1000020",
        "title": "MR",
        "first_name": "jan",
        "last_name": "van den berg",
        "birth_date": "00/00/0000",
        "phone": "06-12345678",
        "address_1": "Keizersgracht 12",
        "zip_code": "1015 CJ",
        "town": "Amsterdam",
        "country": "NL",
        "language": "nl_NL",
        "created_at": T(2017, 7, 1, 9, 0),
        "updated_at": T(2018, 1, 1),
    },
    {
        "account_code": "FR-1000030",
        "title": "MR",
        "first_name": "PAUL",
        "last_name": "MARTIN",
        "birth_date": "01/01/1970",
        "email": "pmartin@gmail.com",
        "phone": "01 45 67 89 01",
        "country": "FR",
        "created_at": T(2012, 3, 1, 8, 0),
        "updated_at": T(2012, 3, 1, 8, 0),
    },
]


def _world() -> dict[str, pd.DataFrame]:
    return {
        "landing_customers.client_extract_crm": landing_frame(
            "landing_customers.client_extract_crm", CRM_ROWS
        ),
        "landing_customers.client_extract_booking": landing_frame(
            "landing_customers.client_extract_booking", BOOKING_ROWS
        ),
    }


@pytest.fixture
def world() -> dict[str, pd.DataFrame]:
    return _world()


def resolve(extracts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """customers.identity_resolution built from the extracts."""
    return run_product("customers.identity_resolution", landing=extracts)


def build_profile(
    extracts: dict[str, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """customers.identity_resolution, then customers.customer_profile built from it."""
    resolution = resolve(extracts)
    profile = run_product(
        "customers.customer_profile",
        products={"customers.identity_resolution": resolution},
    )
    return resolution, profile


def build_identity_map(resolution: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """customers.customer_identity_map from the resolution and the published profile."""
    return run_product(
        "customers.customer_identity_map",
        products={
            "customers.identity_resolution": resolution,
            "customers.customer_profile": profile,
        },
    )


def test_identity_map_merges_duplicates_and_keeps_different_people_apart(
    world: dict[str, pd.DataFrame],
) -> None:
    resolution, profile = build_profile(world)
    out = build_identity_map(resolution, profile)
    rows = by(out, "source_system", "source_customer_id")
    assert len(rows) == 11
    customer = {key: row["customer_id"] for key, row in rows.items()}
    rule = {key: row["match_rule"] for key, row in rows.items()}

    # A: three records, two sources; the first record names the customer
    assert customer[("crm", "1000001")] == "CU11000001"
    assert customer[("reservations", "FR-1000010")] == "CU11000001"
    assert customer[("crm", "1000002")] == "CU11000001"
    assert rule[("crm", "1000001")] == "first"
    assert rule[("reservations", "FR-1000010")] == "email"
    assert rule[("crm", "1000002")] == "name_birth_date"
    # B: same name as A, other birth date, e-mail and mobile
    assert customer[("crm", "1000003")] == "CU11000003"
    # C: the reservation account came first; the CRM record joins by name and mobile
    assert customer[("reservations", "NL-1000020")] == "CU21000020"
    assert customer[("crm", "1000004")] == "CU21000020"
    assert rule[("crm", "1000004")] == "name_mobile_phone"
    # D: C's mobile under another first name is another person
    assert customer[("crm", "1000005")] == "CU11000005"
    # E: four records chained by three different rules
    e = {k: v for k, v in customer.items() if v == "CU11000006"}
    assert set(e) == {
        ("crm", "1000006"),
        ("crm", "1000007"),
        ("crm", "1000008"),
        ("reservations", "FR-1000030"),
    }
    assert rule[("reservations", "FR-1000030")] == "name_birth_date"
    assert rule[("crm", "1000007")] == "email"
    # 1000008 shares its name and mobile only with a later record (1000007)
    assert rule[("crm", "1000008")] == "name_mobile_phone"
    # exactly one first record per customer
    firsts = out[out["match_rule"] == "first"]
    assert sorted(firsts["customer_id"]) == sorted(out["customer_id"].unique())
    assert day(rows[("reservations", "FR-1000010")]["record_created_date"]) == D(2016, 6, 1)


# --- identity resolution on its own: four people, eight records ------------------------
#
# S  Jürgen Strauß: CRM 3000001 (first; a stale older version is extracted too), CRM
#    3000002 (JURGEN STRAUSS, same birth date: accents, ß and case ignored), booking
#    DE-3000010 (same name and birth date), booking DE-3000011 (Maria, who shares only
#    DE-3000010's e-mail: joined through it).
# N  Anna Schmidt: CRM 3000005 (first), booking AT-3000012 (same name, the same mobile
#    typed nationally).
# P, Q  two more Anna Schmidts, CRM 3000003 and 3000004, sharing only a placeholder
#    birth date and the same malformed e-mail: neither is a key, they stay apart.

RESOLUTION_CRM: list[dict[str, Any]] = [
    {
        "contact_id": 3000001,
        "first_name": "Old",
        "last_name": "Version",
        "created_on": D(2012, 1, 1),
        "updated_at": T(2012, 1, 1),
    },
    {
        "contact_id": 3000001,
        "sex_code": "M",
        "first_name": " Jürgen ",
        "last_name": "Strauß",
        "birth_date": D(1975, 3, 2),
        "customer_type_label": "CLIENT VIP",
        "created_on": D(2012, 1, 1),
        "updated_at": T(2022, 5, 1),
        "address_line1": "Hauptstr.  1",
        "postal_code": "10115",
        "city": "Berlin",
        "country_code": "de",
        "email": "J.Strauss@web.de",
        "mobile_phone": "0151 23456789",
    },
    {
        "contact_id": 3000002,
        "first_name": "JURGEN",
        "last_name": "STRAUSS",
        "birth_date": D(1975, 3, 2),
        "customer_type_label": "PROSPECT",
        "created_on": D(2013, 1, 1),
        "updated_at": T(2013, 1, 1),
        "city": "Berlin",
        "country_code": "DE",
    },
    {
        "contact_id": 3000003,
        "first_name": "Anna",
        "last_name": "Schmidt",
        "birth_date": D(1900, 1, 1),
        "customer_type_label": "PROSPECT",
        "created_on": D(2014, 1, 1),
        "updated_at": T(2014, 1, 1),
        "email": "n/a",
    },
    {
        "contact_id": 3000004,
        "first_name": "Anna",
        "last_name": "Schmidt",
        "birth_date": D(1900, 1, 1),
        "customer_type_label": "PROSPECT",
        "created_on": D(2015, 1, 1),
        "updated_at": T(2015, 1, 1),
        "address_line1": "Ringstrasse 5",
        "postal_code": "1011",
        "city": "Wien",
        "country_code": "AT",
        "address_valid": 0,
        "email": "N/A",
    },
    {
        "contact_id": 3000005,
        "first_name": "Anna",
        "last_name": "Schmidt",
        "customer_type_label": "CLIENT",
        "created_on": D(2011, 1, 1),
        "updated_at": T(2011, 1, 1),
        "country_code": "AT",
        "mobile_phone": "+43 660 1234567",
    },
]

RESOLUTION_BOOKING: list[dict[str, Any]] = [
    {
        "account_code": "DE-3000010",
        "first_name": "Jurgen",
        "last_name": "Strauss",
        "birth_date": "02/03/1975",
        "email": "jurgen.s@gmx.de",
        "phone": "030 1234567",
        "country": "DE",
        "created_at": T(2016, 1, 1, 9, 0),
        "updated_at": T(2016, 1, 1, 9, 0),
    },
    {
        "account_code": "DE-3000011",
        "first_name": "Maria",
        "last_name": "Strauss",
        "email": "jurgen.s@gmx.de",
        "created_at": T(2017, 1, 1, 9, 0),
        "updated_at": T(2017, 1, 1, 9, 0),
    },
    {
        "account_code": "AT-3000012",
        "first_name": "ANNA",
        "last_name": "SCHMIDT",
        "birth_date": "00/00/0000",
        "phone": "0660 1234567",
        "country": "AT",
        "created_at": T(2018, 1, 1, 9, 0),
        "updated_at": T(2018, 1, 1, 9, 0),
    },
]


def test_identity_resolution_clusters_records_and_normalises_each_one() -> None:
    extracts = {
        "landing_customers.client_extract_crm": landing_frame(
            "landing_customers.client_extract_crm", RESOLUTION_CRM
        ),
        "landing_customers.client_extract_booking": landing_frame(
            "landing_customers.client_extract_booking", RESOLUTION_BOOKING
        ),
    }
    out = resolve(extracts)
    rows = by(out, "source_system", "source_customer_id")
    assert len(out) == 8, "one row per record, the latest extracted version"

    clusters: dict[str, set[tuple[str, str]]] = {}
    for key, row in rows.items():
        clusters.setdefault(row["customer_id"], set()).add(key)
    assert clusters == {
        "CU13000001": {
            ("crm", "3000001"),
            ("crm", "3000002"),
            ("reservations", "DE-3000010"),
            ("reservations", "DE-3000011"),
        },
        "CU13000005": {("crm", "3000005"), ("reservations", "AT-3000012")},
        "CU13000003": {("crm", "3000003")},
        "CU13000004": {("crm", "3000004")},
    }
    rule = {key: row["match_rule"] for key, row in rows.items()}
    assert rule == {
        ("crm", "3000001"): "first",
        ("crm", "3000002"): "name_birth_date",
        ("reservations", "DE-3000010"): "name_birth_date",
        ("reservations", "DE-3000011"): "email",
        ("crm", "3000005"): "first",
        ("reservations", "AT-3000012"): "name_mobile_phone",
        ("crm", "3000003"): "first",
        ("crm", "3000004"): "first",
    }

    jurgen = rows[("crm", "3000001")]
    # names trimmed as typed; their keys in upper case without accents, ß as SS
    assert (jurgen["first_name"], jurgen["last_name"]) == ("Jürgen", "Strauß")
    assert (jurgen["first_name_key"], jurgen["last_name_key"]) == ("JURGEN", "STRAUSS")
    assert rows[("crm", "3000002")]["first_name_key"] == "JURGEN"
    assert (jurgen["email"], jurgen["email_quality"]) == ("j.strauss@web.de", "valid")
    assert (jurgen["mobile_phone"], jurgen["mobile_phone_quality"]) == ("+4915123456789", "valid")
    assert jurgen["landline_phone_1_quality"] == "missing"
    assert (jurgen["address_line_1"], jurgen["postal_code"], jurgen["city"]) == (
        "HAUPTSTR. 1",
        "10115",
        "BERLIN",
    )
    assert (jurgen["country_code"], jurgen["address_status"]) == ("DE", "valid")
    assert (jurgen["declared_gender"], jurgen["is_client"]) == ("male", True)
    assert day(jurgen["birth_date"]) == D(1975, 3, 2)
    assert pd.Timestamp(jurgen["record_updated_at"]) == pd.Timestamp(T(2022, 5, 1))
    assert day(jurgen["record_created_date"]) == D(2012, 1, 1)

    # a city alone is a partial address
    assert rows[("crm", "3000002")]["address_status"] == "partial"
    assert rows[("crm", "3000002")]["is_client"] == False  # noqa: E712

    # the reservation system's landline is a landline, not a mobile (nor a mobile key)
    account = rows[("reservations", "DE-3000010")]
    assert account["mobile_phone"] is None or pd.isna(account["mobile_phone"])
    assert account["mobile_phone_quality"] == "missing"
    assert (account["landline_phone_1"], account["landline_phone_1_quality"]) == (
        "+49301234567",
        "valid",
    )
    assert (account["account_market"], account["is_client"]) == ("DE", True)
    assert account["address_status"] == "missing"
    # a mobile typed nationally matches the same mobile typed internationally
    assert rows[("reservations", "AT-3000012")]["mobile_phone"] == "+436601234567"
    assert rows[("crm", "3000005")]["mobile_phone"] == "+436601234567"

    # placeholders and malformed e-mails are no keys
    for record in (("crm", "3000003"), ("crm", "3000004")):
        anna = rows[record]
        assert pd.isna(anna["birth_date"])
        assert anna["email"] is None or pd.isna(anna["email"])
        assert anna["email_quality"] == "invalid"
    # complete but rejected by the CRM's check
    assert rows[("crm", "3000004")]["address_status"] == "complete"
    assert rows[("crm", "3000004")]["postal_code"] == "1011"


def test_profile_normalises_and_keeps_the_latest_usable_values(
    world: dict[str, pd.DataFrame],
) -> None:
    profiles = by(build_profile(world)[1], "customer_id")
    assert len(profiles) == 5

    a = profiles["CU11000001"]
    # the accented spelling wins over the latest record's HELENE; spaces and case cleaned
    assert (a["first_name"], a["last_name"]) == ("Hélène", "Le Gall")
    assert a["email"] == "helene.legall@gmail.com"
    assert a["email_quality"] == "valid"
    assert a["mobile_phone"] == "+33612345678"
    assert a["mobile_phone_quality"] == "valid"
    assert a["landline_phone_1"] == "+33479001122"
    assert a["landline_phone_2"] is None or pd.isna(a["landline_phone_2"])
    assert a["landline_phone_2_quality"] == "missing"
    assert day(a["birth_date"]) == D(1980, 5, 4)
    assert a["preferred_language"] == "fr"
    assert (a["civility"], a["gender"]) == ("MRS", "female")
    # the address of the latest record with a valid one, in upper case, accents kept
    assert a["address_line_1"] == "1 RUE DES ÉCOLES"
    assert (a["postal_code"], a["city"], a["country_code"]) == (
        "73440",
        "SAINT-MARTIN-DE-BELLEVILLE",
        "FR",
    )
    assert a["address_quality"] == "valid"
    assert a["market"] == "FR"
    assert a["customer_type"] == "customer"
    assert day(a["created_date"]) == D(2015, 1, 10)
    assert pd.Timestamp(a["updated_at"]) == pd.Timestamp(T(2023, 6, 1))
    assert a["source_records"] == 3

    b = profiles["CU11000003"]
    # a French postal code that lost its leading zero gets it back
    assert b["postal_code"] == "03100"
    assert b["mobile_phone"] == "+33698765432"
    assert b["customer_type"] == "prospect"
    assert b["source_records"] == 1

    c = profiles["CU21000020"]
    assert (c["first_name"], c["last_name"]) == ("Jan", "van den Berg")
    assert c["mobile_phone"] == "+31612345678"
    assert c["postal_code"] == "1015 CJ"
    assert c["birth_date"] is None or pd.isna(c["birth_date"])
    assert c["email_quality"] == "missing"
    assert c["preferred_language"] == "nl"

    e = profiles["CU11000006"]
    # the reservation system's landline is a landline, its e-mail the latest usable
    assert e["landline_phone_1"] == "+33145678901"
    assert e["mobile_phone"] == "+33711223344"
    assert e["email"] == "pmartin@gmail.com"
    assert e["source_records"] == 4

    # households: C and D share an address, named after C (created first)
    assert c["household_id"] == "HH21000020"
    assert profiles["CU11000005"]["household_id"] == "HH21000020"
    assert a["household_id"] == "HH11000001"
    # E's only address is on its first record
    assert e["household_id"] == "HH11000006"


PHONES: list[tuple[str, str, str | None, str]] = [
    # (country, typed, E.164 expected, quality expected)
    ("FR", "06 12 34 56 01", "+33612345601", "valid"),
    ("FR", "+33 (0)6 12 34 56 02", "+33612345602", "valid"),
    ("FR", "0033612345603", "+33612345603", "valid"),
    ("FR", "612345604", "+33612345604", "valid"),
    ("FR", "06.12.34.56.05", "+33612345605", "valid"),
    ("FR", "+33-612345606", "+33612345606", "valid"),
    ("FR", "+44 7700 900123", "+447700900123", "valid"),
    ("GB", "07700 900124", "+447700900124", "valid"),
    ("CH", "079 123 45 67", "+41791234567", "valid"),
    ("BE", "0470 12 34 56", "+32470123456", "valid"),
    ("NL", "+31 (0)6 1234 5678", "+31612345678", "valid"),
    ("ES", "612 34 56 78", "+34612345678", "valid"),
    ("IT", "347 123 4567", "+393471234567", "valid"),
    ("DE", "0151 23456789", "+4915123456789", "valid"),
    ("US", "(415) 555-0123", "+14155550123", "valid"),
    ("US", "1-415-555-0124", "+14155550124", "valid"),
    ("CN", "+86 138 0013 8000", "+8613800138000", "valid"),
    ("BR", "11 91234-5678", "+5511912345678", "valid"),
    ("FR", "0600000000", None, "invalid"),
    ("FR", "06 12", None, "invalid"),
    ("FR", "00", None, "invalid"),
    ("GB", "+44 12", None, "invalid"),
    ("FR", "N/A", None, "missing"),
    ("FR", "", None, "missing"),
]


def test_phones_are_normalised_to_e164_with_their_countrys_plan() -> None:
    rows = [
        {
            "contact_id": 2000000 + i,
            "first_name": "Person",
            "last_name": f"Number {i}",
            "created_on": D(2020, 1, 1),
            "updated_at": T(2020, 1, 1),
            "country_code": country,
            "email": f"person{i}@example.com",
            "mobile_phone": typed,
        }
        for i, (country, typed, _, _) in enumerate(PHONES)
    ]
    extracts = {
        "landing_customers.client_extract_crm": landing_frame(
            "landing_customers.client_extract_crm", rows
        ),
        "landing_customers.client_extract_booking": landing_frame(
            "landing_customers.client_extract_booking", []
        ),
    }
    out = by(build_profile(extracts)[1], "customer_id")
    assert len(out) == len(PHONES)
    for i, (country, typed, expected, quality) in enumerate(PHONES):
        profile = out[f"CU1{2000000 + i:07d}"]
        got = profile["mobile_phone"]
        got = None if got is None or pd.isna(got) else got
        assert (got, profile["mobile_phone_quality"]) == (expected, quality), (country, typed)


def test_consent_takes_the_latest_decision_per_channel(world: dict[str, pd.DataFrame]) -> None:
    resolution, profile = build_profile(world)
    identity = build_identity_map(resolution, profile)
    out = run_product(
        "customers.customer_consent",
        products={
            "customers.customer_identity_map": identity,
            "customers.customer_profile": profile,
        },
        landing=world,
    )
    assert len(out) == 5 * 5
    consent = by(out, "customer_id", "channel")
    # A opted in to e-mails in 2015 then unsubscribed from its duplicate record in 2023
    email = consent[("CU11000001", "email")]
    assert (email["opted_in"], email["is_valid"], email["is_contactable"]) == (False, True, False)
    assert (day(email["consent_date"]), email["source"]) == (D(2023, 6, 1), "unsubscribe_link")
    sms = consent[("CU11000001", "sms")]
    assert (sms["opted_in"], sms["is_contactable"], sms["source"]) == (True, True, "agency")
    # phone: the mobile's opt-in counts although the landline opted out later
    phone = consent[("CU11000001", "phone")]
    assert (phone["opted_in"], phone["is_valid"], phone["is_contactable"]) == (True, True, True)
    assert day(phone["consent_date"]) == D(2015, 1, 10)
    # no decision on postal mail: not opted in, no date, no origin
    postal = consent[("CU11000001", "postal")]
    assert (postal["opted_in"], postal["is_valid"], postal["is_contactable"]) == (
        False,
        True,
        False,
    )
    assert pd.isna(postal["consent_date"])
    assert postal["source"] is None
    # an opt-in without a recorded origin was carried over: migration
    advertising = consent[("CU11000001", "advertising")]
    assert (advertising["opted_in"], advertising["source"]) == (True, "migration")
    assert advertising["is_contactable"]
    # C is in the CRM without any decision; D may be targeted (valid e-mail) but is not
    # opted in
    assert not consent[("CU21000020", "email")]["opted_in"]
    assert consent[("CU11000005", "advertising")]["is_valid"]
    assert not consent[("CU11000005", "advertising")]["is_contactable"]


def test_households_count_members_children_and_stays() -> None:
    profile = pd.DataFrame(
        {
            "customer_id": ["CU11000001", "CU11000002", "CU11000003", "CU21000004"],
            "household_id": ["HH11000001", "HH11000001", "HH11000003", "HH21000004"],
            "created_date": [D(2015, 1, 1), D(2016, 1, 1), D(2018, 1, 1), D(2019, 1, 1)],
            "market": ["FR", "FR", "FR", "BE"],
            "country_code": ["FR", "FR", "FR", None],
            "postal_code": ["73440", "73440", "20290", None],
            "city": ["SAINT-MARTIN", "SAINT-MARTIN", "BORGO", None],
            "address_quality": ["valid", "valid", "valid", "missing"],
        }
    )
    bookings = pd.DataFrame(
        {
            "booking_id": [f"BK00000000{i}" for i in range(1, 7)],
            "customer_id": [
                "CU11000001",
                "CU11000002",
                "CU11000002",
                "CU11000001",
                "CU11000003",
                "CU21000004",
            ],
            "status": ["confirmed", "confirmed", "cancelled", "confirmed", "pending", "confirmed"],
            "arrival_date": [
                D(2019, 2, 1),  # 2018-19: a stay, but outside the last five seasons
                D(2023, 12, 20),  # 2023-24
                D(2024, 2, 1),  # cancelled: not a stay, its children still count
                D(2025, 2, 1),  # in the future: not a stay yet
                D(2021, 7, 1),  # 2020-21
                D(2020, 8, 1),
            ],
            "children": [4, 1, 2, 0, 0, 0],
            "last_event_at": [T(2024, 10, 30, 12, 0)] * 6,
        }
    )
    zones = pd.DataFrame(
        {"iris_code": ["734400101"], "department_code": ["73"], "iris_name": ["Les Menuires"]}
    )
    crm = landing_frame(
        "landing_customers.client_extract_crm",
        [
            {"contact_id": 1000001, "iris_code": "734400101", "updated_at": T(2020, 1, 1)},
            {"contact_id": 1000003, "iris_code": "999999999", "updated_at": T(2020, 1, 1)},
        ],
    )
    identity = pd.DataFrame(
        {
            "source_system": ["crm", "crm"],
            "source_customer_id": ["1000001", "1000003"],
            "customer_id": ["CU11000001", "CU11000003"],
            "match_rule": ["first", "first"],
            "record_created_date": [D(2015, 1, 1), D(2018, 1, 1)],
        }
    )
    out = by(
        run_product(
            "customers.households",
            products={
                "customers.customer_profile": profile,
                "customers.customer_identity_map": identity,
                "bookings.bookings": bookings,
                "territory.iris_zones": zones,
            },
            landing={"landing_customers.client_extract_crm": crm},
        ),
        "household_id",
    )
    assert set(out) == {"HH11000001", "HH11000003", "HH21000004"}
    first = out["HH11000001"]
    assert first["reference_customer_id"] == "CU11000001"
    # children: the most on a booking arriving in 2019-20 .. 2023-24 (the 2018-19 four
    # do not count, the cancelled booking's two do)
    assert (first["adults"], first["children"], first["size"]) == (2, 2, 4)
    assert first["composition"] == "family"
    # stays: arrived, not cancelled
    assert first["stays"] == 2
    assert (first["first_stay_season"], first["last_stay_season"]) == ("2018-19", "2023-24")
    assert (first["department_code"], first["iris_code"]) == ("73", "734400101")
    assert first["has_valid_address"]
    assert day(first["created_date"]) == D(2015, 1, 1)

    corsica = out["HH11000003"]
    # not a zone of the referential: no IRIS; department from the postal code (20290: 2B)
    assert corsica["iris_code"] is None or pd.isna(corsica["iris_code"])
    assert corsica["department_code"] == "2B"
    assert (corsica["composition"], corsica["stays"]) == ("single", 1)

    belgian = out["HH21000004"]
    # no address: the market stands for the country; outside France, no department
    assert (belgian["country_code"], belgian["market"]) == ("BE", "BE")
    assert belgian["department_code"] is None or pd.isna(belgian["department_code"])
    assert not belgian["has_valid_address"]
    assert (belgian["composition"], belgian["size"]) == ("single", 1)


def test_identity_map_fails_for_a_customer_the_profile_does_not_hold(
    world: dict[str, pd.DataFrame],
) -> None:
    resolution, profile = build_profile(world)
    stale = profile[profile["customer_id"] != "CU11000003"]
    with pytest.raises(dg.Failure, match="customer_id"):
        build_identity_map(resolution, stale)
