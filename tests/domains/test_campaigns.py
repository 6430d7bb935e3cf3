"""The campaigns domain's products on hand-made send logs, bookings and purchases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.support.products import run_product


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def customer(n: int) -> str:
    return f"CU{n:08d}"


def household(n: int) -> str:
    return f"HH{n:08d}"


# --- campaign_sends ------------------------------------------------------------------------

MASTERS = [
    # campaign, number, versions, channel, cycle, register, theme, main, secondary, subject
    ("CP00001", 1, ("fr", "en"), "EMAIL", "ANNUEL", "PROMOTIONNEL", "SKI", "EVENEMENT", "RS",
     "EXCLAMMATIF"),
    ("CP00002", 2, ("fr", "en"), "SMS", "POWDER_ALARM", "INFORMATIONNEL", "SKI", "VIDEO",
     "METEO", "TEMPS"),
    ("CP00003", 3, ("fr", "en", "de"), "EMAIL", "SEJOUR", "RELATIONNEL", "FAMILY", "NEWS",
     "PLAN", "DESTINATION"),
]  # fmt: skip


def landing_campaigns() -> pd.DataFrame:
    rows = []
    for campaign, number, versions, channel, *labels in MASTERS:
        cycle, register, theme, main, secondary, subject = labels
        rows += [
            {
                "campaign_id": campaign,
                "campaign_number": number,
                "language_code": language,
                "template_name": f" {cycle}_{theme}_V1",
                "subject": f"{campaign} subject in {language}",
                "channel": channel,
                "cycle_label": cycle,
                "register_label": register,
                "theme_label": theme,
                "main_highlight": main,
                "secondary_highlight": secondary,
                "subject_type": subject,
                "target_label": "ALL",
                "featured_village": None,
                "scheduled_at": ts("2024-01-10 08:00"),
            }
            for language in versions
        ]
    return pd.DataFrame(rows)


def send(
    number: int,
    campaign: int,
    language: str,
    contact: int,
    channel: str = "EMAIL",
    *,
    unsubscribed: int = 0,
) -> dict[str, object]:
    return {
        "send_id": f"SD{number:010d}",
        "campaign_id": f"CP{campaign:05d}",
        "campaign_number": campaign,
        "language_code": language,
        "contact_id": contact,
        "channel": channel,
        "address": "someone@example.com",
        "sent_at": ts("2024-01-10 08:00") + pd.Timedelta(minutes=number),
        "delivery_status": "DELIVERED",
        # the send log's own counters are not trusted: the event logs are counted
        "open_count": 0,
        "opener_flag": 0,
        "last_open_at": None,
        "click_count": 0,
        "last_click_at": None,
        "unsubscribed_flag": unsubscribed,
    }


@pytest.fixture(scope="module")
def sends() -> pd.DataFrame:
    landing = {
        "landing_campaigns.campaigns": landing_campaigns(),
        "landing_campaigns.sends": pd.DataFrame(
            [
                send(1, 1, "FR", 101),  # opened twice, clicked once
                send(2, 1, "DE", 102),  # no German version: the English one was sent
                send(3, 2, "FR", 101, "SMS"),  # an SMS click; SMS opens are not tracked
                send(4, 1, "FR", 999),  # a contact erased since: nobody to attribute it to
                send(5, 1, "EN", 103, unsubscribed=1),  # a click with images blocked
                send(6, 3, " De ", 102),  # the stay-cycle mail has a German version
            ]
        ),
        "landing_campaigns.opens": pd.DataFrame(
            {
                "send_id": ["SD0000000001", "SD0000000001"],
                "opened_at": [ts("2024-01-10 09:00"), ts("2024-01-11 10:00")],
                "device": ["mobile", "desktop"],
                "email_client": ["Gmail", "Gmail"],
            }
        ),
        "landing_campaigns.clicks": pd.DataFrame(
            {
                "send_id": ["SD0000000001", "SD0000000003", "SD0000000005"],
                "clicked_at": [
                    ts("2024-01-10 09:05"),
                    ts("2024-01-12 08:00"),
                    ts("2024-01-10 12:00"),
                ],
                "link_name": ["CTA_PRINCIPAL"] * 3,
                "url": ["https://www.example.com/fr/offres/ski"] * 3,
            }
        ),
    }
    identity = pd.DataFrame(
        {
            "source_system": ["crm", "crm", "crm", "reservations"],
            "source_customer_id": ["101", "102", "103", "999"],
            "customer_id": [customer(1), customer(2), customer(3), customer(9)],
        }
    )
    return run_product(
        "campaigns.campaign_sends",
        products={"customers.customer_identity_map": identity},
        landing=landing,
    ).set_index("send_id")


def test_campaign_sends_resolve_customers_and_count_events(sends: pd.DataFrame) -> None:
    assert sorted(sends.index) == [f"SD{n:010d}" for n in (1, 2, 3, 5, 6)]
    assert sends["customer_id"].to_dict() == {
        "SD0000000001": customer(1),
        "SD0000000002": customer(2),
        "SD0000000003": customer(1),
        "SD0000000005": customer(3),
        "SD0000000006": customer(2),
    }
    first = sends.loc["SD0000000001"]
    assert (first.opens_count, first.is_opener, first.clicks_count) == (2, True, 1)
    assert pd.Timestamp(first.last_opened_at).tz_localize(None) == ts("2024-01-11 10:00")
    assert pd.Timestamp(first.last_clicked_at).tz_localize(None) == ts("2024-01-10 09:05")
    sms = sends.loc["SD0000000003"]
    assert (sms.channel, sms.opens_count, sms.is_opener, sms.clicks_count) == ("sms", 0, False, 1)
    assert pd.isna(sms.last_opened_at)
    blocked = sends.loc["SD0000000005"]
    assert (blocked.is_opener, blocked.clicks_count, blocked.is_unsubscribed) == (False, 1, True)
    quiet = sends.loc["SD0000000002"]
    assert (quiet.opens_count, quiet.clicks_count) == (0, 0)
    assert pd.isna(quiet.last_opened_at)
    assert pd.isna(quiet.last_clicked_at)


def test_campaign_sends_carry_the_campaign_in_the_contracts_labels(sends: pd.DataFrame) -> None:
    first = sends.loc["SD0000000001"]
    assert (first.language_code, first.subject) == ("fr", "CP00001 subject in fr")
    labels = ["main_highlight", "secondary_highlight", "subject_type", "cycle_label",
              "register_label", "theme_label", "template_name", "campaign_number"]  # fmt: skip
    assert first[labels].tolist() == [
        "EVENT", "SOCIAL", "EXCLAMATION", "ANNUAL", "PROMOTIONAL", "SKI", "ANNUEL_SKI_V1", 1
    ]  # fmt: skip
    assert sends.loc["SD0000000003", labels].tolist()[:5] == [
        "VIDEO", "WEATHER", "TIME", "POWDER_ALARM", "INFORMATIONAL"
    ]  # fmt: skip
    assert sends.loc["SD0000000006", labels].tolist()[:5] == [
        "NEWS", "MAP", "RESORT_NAME", "STAY", "RELATIONAL"
    ]  # fmt: skip
    english = sends.loc["SD0000000002"]
    assert (english.language_code, english.subject) == ("en", "CP00001 subject in en")
    german = sends.loc["SD0000000006"]
    assert (german.language_code, german.subject) == ("de", "CP00003 subject in de")


# --- campaign_engagement -------------------------------------------------------------------


def sent(
    send_id: int,
    campaign: int,
    who: int,
    at: str,
    channel: str = "email",
    *,
    opens: int = 0,
    clicks: int = 0,
    unsubscribed: bool = False,
) -> dict[str, object]:
    return {
        "send_id": f"SD{send_id:010d}",
        "campaign_id": f"CP{campaign:05d}",
        "campaign_number": campaign,
        "customer_id": customer(who),
        "template_name": f"TEMPLATE_{campaign}",
        "channel": channel,
        "cycle_label": "ANNUAL" if channel == "email" else "POWDER_ALARM",
        "register_label": "PROMOTIONAL",
        "theme_label": "SKI",
        "sent_at": utc(at),
        "opens_count": opens,
        "is_opener": opens > 0,
        "clicks_count": clicks,
        "is_unsubscribed": unsubscribed,
    }


def booking(
    n: int, who: int, at: str, amount: float, status: str = "confirmed"
) -> dict[str, object]:
    return {
        "booking_id": f"BK{n:09d}",
        "customer_id": customer(who),
        "created_at": utc(at),
        "status": status,
        "amount_eur": amount,
    }


def test_campaign_engagement_rates_and_last_touch_attribution() -> None:
    sends = pd.DataFrame(
        [
            sent(1, 1, 1, "2024-01-10 08:00", opens=2, clicks=1),
            sent(2, 1, 2, "2024-01-10 08:00"),
            sent(3, 1, 3, "2024-01-10 08:00", clicks=1, unsubscribed=True),  # no open seen
            sent(4, 1, 1, "2024-01-20 08:00"),  # after customer 1's booking
            sent(5, 2, 1, "2024-01-11 09:00", "sms", clicks=1),
            sent(6, 2, 4, "2024-01-09 08:00", "sms"),
            sent(7, 3, 5, "2023-10-31 23:59"),  # the last minute of season 2022-23
        ]
    )
    bookings = pd.DataFrame(
        [
            booking(1, 1, "2024-01-12 10:00", 1000.0),  # last touch: the SMS of campaign 2
            booking(2, 2, "2024-01-18 09:00", 900.0),  # 8 days after the send: none
            booking(3, 3, "2024-01-11 10:00", 700.0, "cancelled"),  # cancelled: none
            booking(4, 3, "2024-01-13 10:00", 1500.0),  # 3 days after campaign 1
            booking(5, 4, "2024-01-15 07:00", 2000.25),  # 6 days after campaign 2
        ]
    )
    out = run_product(
        "campaigns.campaign_engagement",
        products={"campaigns.campaign_sends": sends, "bookings.bookings": bookings},
    ).set_index("campaign_id")
    email = out.loc["CP00001"]
    assert (email.sends, email.recipients, email.openers, email.opens) == (4, 3, 1, 2)
    assert (email.clickers, email.clicks, email.unsubscribes) == (2, 2, 1)
    assert email.open_rate == pytest.approx(0.25)
    assert email.click_rate == pytest.approx(0.5)
    assert email.click_to_open_rate == pytest.approx(1.0)  # the one opener clicked
    assert email.unsubscribe_rate == pytest.approx(0.25)
    assert (email.bookings_attributed, email.revenue_attributed_eur) == (1, 1500.0)
    assert email.season == "2023-24"
    sms = out.loc["CP00002"]
    assert pd.isna(sms.open_rate)
    assert pd.isna(sms.click_to_open_rate)
    assert sms.click_rate == pytest.approx(0.5)
    assert (sms.bookings_attributed, sms.revenue_attributed_eur) == (2, pytest.approx(3000.25))
    assert (sms.channel, sms.cycle_label) == ("sms", "POWDER_ALARM")
    late = out.loc["CP00003"]
    assert (late.season, late.bookings_attributed, late.revenue_attributed_eur) == ("2022-23", 0, 0)
    assert pd.isna(late.click_to_open_rate)
    assert late.open_rate == 0


# --- return_rate_animated ------------------------------------------------------------------


def purchase(n: int, who: int, year: int, amount: float, **extra: object) -> dict[str, object]:
    return {
        "sale_line_id": f"reservations:T{n:06d}:1",
        "payer_customer_id": customer(who),
        "season": f"{year}-{(year + 1) % 100:02d}",
        "amount_eur": amount,
        "is_cancelled": False,
        "sale_date": dt.date(year, 12, 1),
        **extra,
    }


def test_return_rate_of_animated_and_not_animated_households() -> None:
    # customers 5 and 6 share household 5; customer 7 is household 6
    members = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 7: 6}
    lines = pd.DataFrame(
        [
            purchase(1, 1, 2022, 500.0),
            purchase(2, 1, 2023, 400.0),  # HH1 returns
            purchase(3, 2, 2022, 300.0),  # HH2 does not
            purchase(4, 3, 2022, 200.0),
            purchase(5, 3, 2023, 250.0, is_cancelled=True),  # a cancelled stay is no return
            purchase(6, 4, 2022, 100.0),
            purchase(7, 4, 2023, 100.0),  # HH4 returns
            purchase(8, 5, 2022, 800.0),
            purchase(9, 6, 2023, 600.0),  # HH5 returns through its other member
            purchase(10, 7, 2021, 90.0),
            purchase(11, 7, 2022, -50.0),  # a refund only: HH6 did not buy in 2022-23
            # a stay already sold for 2024-25 on the latest sale date: not a season yet
            purchase(12, 2, 2024, 700.0, sale_date=dt.date(2024, 6, 1)),
        ]
    )
    sends = pd.DataFrame(
        {
            "send_id": [f"SD{n:010d}" for n in range(1, 8)],
            "customer_id": [customer(c) for c in (1, 1, 1, 2, 3, 6, 6)],
            "sent_at": [
                utc("2023-01-05 08:00"),
                utc("2023-02-05 08:00"),
                utc("2023-03-05 08:00"),
                utc("2022-12-01 08:00"),
                utc("2023-12-01 08:00"),  # HH3's send is in S, not S-1
                utc("2023-05-01 08:00"),
                utc("2023-06-01 08:00"),
            ],
        }
    )
    profile = pd.DataFrame(
        {
            "customer_id": [customer(c) for c in members],
            "household_id": [household(h) for h in members.values()],
        }
    )
    households = pd.DataFrame({"household_id": sorted(set(profile["household_id"]))})
    crm = {"customers.customer_profile": profile, "customers.households": households}
    # the seasons of purchase are the CRM lab's: built from the same lines first
    rfm = run_product(
        "customer_intelligence.rfm_segments", products={"sales.sales_lines": lines, **crm}
    )
    out = run_product(
        "campaigns.return_rate_animated",
        products={
            "customer_intelligence.rfm_segments": rfm,
            "campaigns.campaign_sends": sends,
            **crm,
        },
    )
    got = {
        (r.season, r.animated): (
            r.previous_season,
            r.households,
            r.returning_households,
            r.return_rate,
            r.sends_per_household,
        )
        for r in out.itertuples()
    }
    assert got == {
        ("2023-24", True): ("2022-23", 3, 2, pytest.approx(2 / 3), pytest.approx(2.0)),
        ("2023-24", False): ("2022-23", 2, 1, pytest.approx(0.5), 0.0),
        ("2022-23", False): ("2021-22", 1, 0, 0.0, 0.0),
    }
