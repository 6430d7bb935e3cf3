"""The sales domain's products on hand-made inputs with worked-out expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from tests.support.products import as_date, landing_frame, row_at, run_product

D = dt.date
T = dt.datetime

IDENTITIES = pd.DataFrame(
    {
        "source_system": ["reservations", "reservations", "reservations"],
        "source_customer_id": ["FR-1000001", "FR-1000002", "BE-1000003"],
        "customer_id": ["CU00000001", "CU00000002", "CU00000003"],
        "match_rule": ["first", "first", "first"],
        "record_created_date": [D(2018, 1, 1)] * 3,
    }
)
VILLAGES = pd.DataFrame(
    {
        "village_id": ["VTH", "CUN", "VDI"],
        "village_name": ["Val Thorens", "Cancún", "Val d'Isère"],
    }
)
CATALOG = pd.DataFrame({"product_id": ["P000001", "P000002", "P000003", "P000004"]})


def _raw_line(transaction: int, line: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "contract_id": "BK000000001",
        "source_label": "RESA",
        "company_id": 101,
        "company_name": "Trident Villages SAS",
        "company_business_label": "HEBERGEMENT",
        "transaction_number": transaction,
        "transaction_line_number": line,
        "sale_type_code": "PACK",
        "sale_channel_code": "INT",
        "customer_name": "DUPONT Marie",
        "payer_account_code": "FR-1000001",
        "business_account_code": None,
        "holder_account_code": "FR-1000001",
        "sale_date": D(2023, 9, 15),
        "amount_incl_tax": 3000.0,
        "discount_incl_tax": 0.0,
        "tariff_label": "Tarif public",
        "contract_created_on": D(2023, 9, 15),
        "contract_modified_on": None,
        "contract_cancelled_on": None,
        "arrival_date": D(2024, 2, 10),
        "departure_date": D(2024, 2, 17),
        "contract_status_code": "SO",
        "duration": 7,
        "duration_unit": "N",
        "product_id": "P000001",
        "site_name": "VAL THORENS",
        "nb_persons": 2,
        "nb_adults": 2,
        "nb_children": 0,
        "course_specialty_label": None,
        "course_type_label": None,
        "client_level": None,
        "client_category_label": None,
        "course_language_code": None,
    }
    row.update(values)
    return row


def test_sales_lines_normalise_the_extract() -> None:
    raw = [
        # the stay, with an early booking discount (extracted twice)
        _raw_line(
            70000001,
            1,
            amount_incl_tax=3000.0,
            discount_incl_tax=300.0,
            tariff_label="Early booking",
        ),
        _raw_line(
            70000001,
            1,
            amount_incl_tax=3000.0,
            discount_incl_tax=300.0,
            tariff_label="Early booking",
        ),
        # a ski school registration for the child the parent holds
        _raw_line(
            70000001,
            2,
            source_label="PARTENAIRE",
            company_id=105,
            company_name="Ecoles de ski partenaires",
            company_business_label="SKI",
            sale_type_code="OPT",
            holder_account_code="FR-1000002",
            amount_incl_tax=180.0,
            duration=6,
            duration_unit="J",
            product_id="p000002",
            nb_persons=1,
            nb_adults=0,
            nb_children=1,
            course_specialty_label="SKI",
            course_type_label="COLLECTIF",
            client_level="Flocon",
            client_category_label="ENFANT",
            course_language_code="FR",
        ),
        # parking: for no one in particular
        _raw_line(
            70000001,
            3,
            source_label="PARTENAIRE",
            company_id=107,
            company_name="Parkings Montagne",
            company_business_label="PARKING",
            sale_type_code="OPT",
            amount_incl_tax=105.0,
            product_id="P000003",
            nb_persons=0,
            nb_adults=0,
            nb_children=0,
        ),
        # an activity bought at the village during the stay, site name in lower case
        _raw_line(
            70000002,
            1,
            source_label="VILLAGE",
            company_id=108,
            company_business_label="LOISIRS",
            sale_type_code="SUR_PLACE",
            sale_channel_code="VIL",
            sale_date=D(2024, 2, 12),
            amount_incl_tax=80.0,
            duration=1,
            product_id="P000004",
            site_name="val thorens",
            nb_persons=1,
            nb_adults=1,
        ),
        # the refund of an activity, at the village, without the contract
        _raw_line(
            70000003,
            1,
            contract_id=None,
            source_label="VILLAGE",
            company_id=108,
            company_business_label="LOISIRS",
            sale_type_code="REMB",
            sale_channel_code="VIL",
            sale_date=D(2024, 11, 13),
            amount_incl_tax=-40.0,
            tariff_label="Remboursement",
            contract_created_on=None,
            arrival_date=None,
            departure_date=None,
            contract_status_code=None,
            duration=1,
            product_id="P000004",
            nb_persons=1,
            nb_adults=1,
        ),
        # a cancelled contract sold by a travel agency, in another season and market
        _raw_line(
            70000004,
            1,
            contract_id="bk000000002",
            sale_channel_code="AGE",
            business_account_code="AGV0141",
            payer_account_code="BE-1000003",
            holder_account_code="BE-1000003",
            sale_date=D(2024, 3, 1),
            arrival_date=D(2024, 7, 6),
            departure_date=D(2024, 7, 13),
            contract_status_code="AN",
            contract_cancelled_on=D(2024, 4, 2),
            site_name="Cancún",
        ),
        # a product missing from the catalogue: left out
        _raw_line(70000005, 1, product_id="P990042"),
        # a payer the identity map does not know: left out
        _raw_line(70000006, 1, payer_account_code="FR-9999999"),
    ]
    frame = landing_frame("landing_sales.sale_lines", raw)
    out = run_product(
        "sales.sales_lines",
        products={
            "customers.customer_identity_map": IDENTITIES,
            "resorts.villages": VILLAGES,
            "products.product_catalog": CATALOG,
        },
        landing={"landing_sales.sale_lines": frame},
    )
    rows = out.set_index("sale_line_id")
    assert sorted(rows.index) == [
        "partners:70000001:2",
        "partners:70000001:3",
        "reservations:70000001:1",
        "reservations:70000004:1",
        "village_pos:70000002:1",
        "village_pos:70000003:1",
    ]
    stay = row_at(rows, "reservations:70000001:1")
    assert stay["amount_eur"] == pytest.approx(2700.0)  # net of the discount
    assert stay["discount_eur"] == pytest.approx(300.0)
    assert stay["tariff_label"] == "Early booking"
    assert stay["seller_id"] == "101"
    assert stay["seller_activity_label"] == "Hébergement"
    assert stay["sales_channel"] == "web"
    assert stay["season"] == "2023-24"
    assert stay["market"] == "FR"
    assert stay["booking_id"] == "BK000000001"
    assert stay["contract_status"] == "confirmed"
    assert not stay["is_cancelled"]
    assert (stay["duration"], stay["duration_unit"], stay["persons"]) == (7, "nights", 2)

    lesson = row_at(rows, "partners:70000001:2")
    assert lesson["payer_customer_id"] == "CU00000001"
    assert lesson["holder_customer_id"] == "CU00000002"
    assert lesson["product_id"] == "P000002"
    assert lesson["duration_unit"] == "days"
    assert lesson["lesson_speciality_label"] == "Ski alpin"
    assert lesson["lesson_type_label"] == "Cours collectif"
    assert lesson["lesson_customer_category_label"] == "Enfant"
    assert lesson["lesson_language"] == "fr"
    assert pd.isna(lesson["tariff_label"])  # the public tariff

    parking = row_at(rows, "partners:70000001:3")
    assert pd.isna(parking["persons"])

    extra = row_at(rows, "village_pos:70000002:1")
    assert extra["village_id"] == "VTH"
    assert extra["sales_channel"] == "village"
    refund = row_at(rows, "village_pos:70000003:1")
    assert refund["sale_type"] == "refund"
    assert refund["amount_eur"] == pytest.approx(-40.0)
    assert pd.isna(refund["booking_id"])
    assert pd.isna(refund["contract_status"])
    assert not refund["is_cancelled"]
    assert refund["season"] == "2024-25"  # no stay: the season of the sale date

    cancelled = row_at(rows, "reservations:70000004:1")
    assert cancelled["is_cancelled"]
    assert cancelled["contract_status"] == "cancelled"
    assert as_date(cancelled["contract_cancelled_date"]) == D(2024, 4, 2)
    assert cancelled["booking_id"] == "BK000000002"
    assert cancelled["sales_channel"] == "agency"
    assert cancelled["account_code"] == "AGV0141"
    assert pd.isna(stay["account_code"])
    assert cancelled["village_id"] == "CUN"
    assert cancelled["market"] == "BE"
    assert cancelled["season"] == "2023-24"  # July 2024 closes the 2023-24 season


def _line(line_id: str, season: str, amount: float, **values: Any) -> dict[str, Any]:
    source, transaction, number = line_id.split(":")
    row: dict[str, Any] = {
        "sale_line_id": line_id,
        "source_system": source,
        "transaction_number": transaction,
        "line_number": int(number),
        "booking_id": "BK000000001",
        "sale_type": "refund" if amount < 0 else "sale",
        "sales_channel": "web",
        "payer_customer_id": "CU00000001",
        "market": "FR",
        "sale_date": D(2023, 9, 15),
        "season": season,
        "amount_eur": amount,
        "discount_eur": 0.0,
        "product_id": "P000001",
        "village_id": "VTH",
        "is_cancelled": False,
    }
    row.update(values)
    return row


SEASON_LINES = pd.DataFrame(
    [
        # 2023-24, VTH, FR: two bookings of two customers, a discount and a refund
        _line("reservations:1:1", "2023-24", 2700.0, discount_eur=300.0),
        _line("reservations:1:2", "2023-24", 180.0),
        _line("village_pos:2:1", "2023-24", -40.0, sales_channel="village"),
        _line(
            "reservations:3:1",
            "2023-24",
            1500.0,
            booking_id="BK000000002",
            payer_customer_id="CU00000002",
            discount_eur=50.0,
        ),
        # a cancelled contract: excluded
        _line(
            "reservations:4:1",
            "2023-24",
            9999.0,
            booking_id="BK000000003",
            is_cancelled=True,
            contract_status="cancelled",
        ),
        # 2023-24, CUN, BE
        _line(
            "reservations:5:1",
            "2023-24",
            2500.0,
            booking_id="BK000000004",
            payer_customer_id="CU00000003",
            market="BE",
            village_id="CUN",
        ),
        # 2024-25, VTH, FR, an extra without contract
        _line("village_pos:6:1", "2024-25", 90.0, booking_id=None),
        _line("village_pos:7:1", "2024-25", 30.0, booking_id=None),
    ]
)


def test_revenue_by_season_sums_per_season_village_and_market() -> None:
    def build(season: str) -> pd.DataFrame:
        return run_product(
            "sales.revenue_by_season",
            products={"sales.sales_lines": SEASON_LINES},
            partition=season,
        )

    # one season partition at a time: the first build publishes 2023-24 only, the
    # second adds 2024-25 beside it
    assert set(build("2023-24")["season"]) == {"2023-24"}
    out = build("2024-25")
    rows = out.set_index(["season", "village_id", "market"]).sort_index()
    assert len(rows) == 3

    vth = row_at(rows, ("2023-24", "VTH", "FR"))
    assert vth["revenue_eur"] == pytest.approx(2700.0 + 180.0 - 40.0 + 1500.0)
    assert vth["discount_eur"] == pytest.approx(350.0)
    assert vth["refunds_eur"] == pytest.approx(40.0)
    assert (vth["lines"], vth["bookings"], vth["customers"]) == (4, 2, 2)
    assert vth["revenue_per_customer_eur"] == pytest.approx(4340.0 / 2)

    cun = row_at(rows, ("2023-24", "CUN", "BE"))
    assert cun["revenue_eur"] == pytest.approx(2500.0)
    assert cun["refunds_eur"] == pytest.approx(0.0)

    extras = row_at(rows, ("2024-25", "VTH", "FR"))
    assert extras["revenue_eur"] == pytest.approx(120.0)
    assert (extras["lines"], extras["bookings"], extras["customers"]) == (2, 0, 1)


def test_channel_attribution_is_linear_and_shares_sum_to_one() -> None:
    created = T(2024, 1, 20, 15, 0, 0)
    bookings = pd.DataFrame(
        [
            {
                "booking_id": "BK000000001",
                "customer_id": "CU00000001",
                "village_id": "VTH",
                "channel": "call_centre",
                "status": "confirmed",
                "created_at": created,
                "booking_date": created.date(),
                "season": "2023-24",
                "amount_eur": 6000.0,
            },
            {
                # a web booking with a call at the very same second: a tie for the first
                # and last touch, won by web
                "booking_id": "BK000000002",
                "customer_id": "CU00000002",
                "village_id": "CUN",
                "channel": "web",
                "status": "pending",
                "created_at": created,
                "booking_date": created.date(),
                "season": "2023-24",
                "amount_eur": 1000.0,
            },
            {
                # cancelled: no attribution
                "booking_id": "BK000000003",
                "customer_id": "CU00000001",
                "village_id": "VTH",
                "channel": "web",
                "status": "cancelled",
                "created_at": created,
                "booking_date": created.date(),
                "season": "2023-24",
                "amount_eur": 500.0,
            },
        ]
    )
    sessions = pd.DataFrame(
        {
            "session_id": ["WS000000000001", "WS000000000002", "WS000000000003"],
            "customer_id": ["CU00000001", "CU00000001", "CU00000001"],
            "started_at": [
                created - dt.timedelta(days=12),  # in the window
                created - dt.timedelta(hours=3),  # in the window
                created - dt.timedelta(days=31),  # too early
            ],
        }
    )
    calls = pd.DataFrame(
        {
            "call_id": ["CL0000000001", "CL0000000002", "CL0000000003"],
            "customer_id": ["CU00000001", "CU00000001", "CU00000002"],
            "started_at": [
                created - dt.timedelta(minutes=20),  # the call that booked
                created + dt.timedelta(days=1),  # after the booking
                created,
            ],
        }
    )
    lines = pd.DataFrame(
        [
            # the package, sold on the booking's channel: no extra touch
            _line("reservations:10:1", "2023-24", 5000.0, sales_channel="call_centre"),
            _line("reservations:10:2", "2023-24", 1000.0, sales_channel="call_centre"),
            # an option added at an agency
            _line(
                "reservations:11:1",
                "2023-24",
                200.0,
                sales_channel="agency",
                sale_date=D(2024, 1, 25),
            ),
            # one transaction of two lines at the village during the stay
            _line(
                "village_pos:12:1",
                "2023-24",
                60.0,
                sales_channel="village",
                sale_date=D(2024, 2, 12),
            ),
            _line(
                "village_pos:12:2",
                "2023-24",
                40.0,
                sales_channel="village",
                sale_date=D(2024, 2, 12),
            ),
        ]
    )
    out = run_product(
        "sales.channel_attribution",
        products={
            "bookings.bookings": bookings,
            "web.web_sessions": sessions,
            "telephony.calls": calls,
            "sales.sales_lines": lines,
        },
    )
    assert set(out["booking_id"]) == {"BK000000001", "BK000000002"}
    shares = out.groupby("booking_id")["attribution_share"].sum()
    assert shares.to_numpy() == pytest.approx([1.0, 1.0])

    # booking 1: creation + 1 call (call centre), 2 sessions (web), 1 agency
    # transaction, 1 village transaction: 6 touches
    one = out[out["booking_id"] == "BK000000001"].set_index("channel")
    assert dict(one["touches"]) == {"call_centre": 2, "web": 2, "agency": 1, "village": 1}
    assert one.loc["call_centre", "attribution_share"] == pytest.approx(2 / 6)
    assert one.loc["village", "attribution_share"] == pytest.approx(1 / 6)
    assert one.loc["web", "attributed_revenue_eur"] == pytest.approx(6000.0 * 2 / 6)
    assert one.loc["agency", "attributed_revenue_eur"] == pytest.approx(1000.0)
    assert set(one["channels_count"]) == {4}
    assert one["is_booking_channel"].to_dict() == {
        "call_centre": True,
        "web": False,
        "agency": False,
        "village": False,
    }
    assert one.index[one["is_first_touch"]].tolist() == ["web"]
    assert one.index[one["is_last_touch"]].tolist() == ["village"]
    assert one.loc["web", "first_touch_at"] == pd.Timestamp(created - dt.timedelta(days=12))
    assert one.loc["village", "last_touch_at"] == pd.Timestamp(2024, 2, 12)
    assert one.loc["call_centre", "last_touch_at"] == pd.Timestamp(created)

    two = out[out["booking_id"] == "BK000000002"].set_index("channel")
    assert dict(two["touches"]) == {"web": 1, "call_centre": 1}
    assert two.loc["web", "attribution_share"] == pytest.approx(0.5)
    assert two.loc["web", "is_first_touch"]
    assert two.loc["web", "is_last_touch"]
    assert not two.loc["call_centre", "is_first_touch"]
    assert not two.loc["call_centre", "is_last_touch"]
