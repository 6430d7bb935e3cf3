"""The CRM lab's products on hand-made households and small seeded worlds.

The segment and transition rules are checked on households whose purchases are
written out below, with each household's expected segment per season worked out by
hand from the contract's rules (window S-4 .. S, F seasons with a purchase, R seasons
since the last one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python import lead_scores as lead_module
from domains.customer_intelligence.python.campaign_appetence import (
    _choose_programmes,
    campaign_appetence,
)
from domains.customer_intelligence.python.lead_scores import lead_scores
from mesh_platform.products.python import ProductOutput
from mesh_platform.settings import get_settings
from tests.support.products import ReadOnce, deferred_in_batches, left_out_rows, run_product

CURRENT_YEAR = 2023
"""The hand-made history ends in season 2023-24 (the latest sale date is in it)."""


def season(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def customer(n: int) -> str:
    return f"CU{n:08d}"


def consent(customers: pd.Series, refused: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every customer's e-mail and phone consent: valid, except for the ``refused``."""
    rows = [
        {
            "customer_id": who,
            "channel": channel,
            "opted_in": who not in refused,
            "is_valid": True,
            "is_contactable": who not in refused,
        }
        for who in customers
        for channel in ("email", "phone")
    ]
    return pd.DataFrame(rows)


def household(n: int) -> str:
    return f"HH{n:08d}"


def line(
    n: int,
    payer: int,
    year: int,
    amount: float,
    *,
    cancelled: bool = False,
    sold: dt.date | None = None,
) -> dict[str, object]:
    """One sale line of season ``year``, sold on 15 November of it unless said."""
    return {
        "sale_line_id": f"reservations:T{n:06d}:1",
        "payer_customer_id": customer(payer),
        "season": season(year),
        "amount_eur": amount,
        "discount_eur": 0.0,
        "is_cancelled": cancelled,
        "sale_date": sold or dt.date(year, 11, 15),
    }


# Customer n lives in household n, except customer 7 who shares household 6.
MEMBERS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 6, 8: 7, 9: 8}
LINES = [
    # HH1 buys every season from 2019-20: NOUVEAUX, OCCASIONNELS, FIDELES, FIDELES,
    # then ADDICTS in 2023-24 (F = 5); a refund brings its 2023-24 amount to 70, and a
    # stay already booked for 2024-25 waits for its season.
    *(line(10 + y, 1, y, 100.0) for y in range(2019, 2024)),
    line(20, 1, 2023, -30.0),
    line(21, 1, 2024, 500.0, sold=dt.date(2024, 9, 1)),
    # HH2 buys once, in 2018-19: NOUVEAUX, then ONE TIMER for four seasons (R = 1..4),
    # then OUT in 2023-24 when 2018-19 leaves the window.
    line(30, 2, 2018, 200.0),
    # HH3 buys in 2019-20 and 2020-21: NOUVEAUX, OCCASIONNELS (F=2, R=0), OCCASIONNELS
    # (R=1), then INACTIFS (R=2, R=3).
    line(40, 3, 2019, 150.0),
    line(41, 3, 2020, 150.0),
    # HH4: in 2021-22 a sale and its refund (net 0: no purchase), a cancelled contract
    # in 2020-21 (excluded), then 50 in 2022-23: NOUVEAUX, then ONE TIMER.
    line(50, 4, 2021, 100.0),
    line(51, 4, 2021, -100.0),
    line(52, 4, 2020, 300.0, cancelled=True),
    line(53, 4, 2022, 50.0),
    # HH5 buys only in 2023-24 (its last line is the latest sale date): NOUVEAUX.
    line(60, 5, 2023, 80.0),
    line(61, 5, 2023, 20.0, sold=dt.date(2024, 10, 15)),
    # HH6 is two customers: one buys in 2020-21, the other in 2021-22, so the
    # household has F = 2 in 2021-22 (OCCASIONNELS), R = 1 next (OCCASIONNELS), R = 2
    # after (INACTIFS).
    line(70, 6, 2020, 60.0),
    line(71, 7, 2021, 40.0),
    # HH7 buys three seasons in a row, then stops: FIDELES twice, then INACTIFS.
    *(line(80 + y, 8, y, 90.0) for y in range(2019, 2022)),
    # HH8 skips 2020-21: ONE TIMER in 2020-21 (F=1, R=1), OCCASIONNELS, FIDELES (F=3),
    # FIDELES (F=4).
    *(line(90 + y, 9, y, 10.0) for y in (2019, 2021, 2022, 2023)),
    # A payer unknown to customers.customer_profile is in no household.
    line(99, 99, 2023, 1000.0),
]
EXPECTED_SEGMENTS = {
    household(1): {
        2019: "NOUVEAUX",
        2020: "OCCASIONNELS",
        2021: "FIDELES",
        2022: "FIDELES",
        2023: "ADDICTS",
    },
    household(2): {
        2018: "NOUVEAUX",
        2019: "ONE TIMER",
        2020: "ONE TIMER",
        2021: "ONE TIMER",
        2022: "ONE TIMER",
    },
    household(3): {
        2019: "NOUVEAUX",
        2020: "OCCASIONNELS",
        2021: "OCCASIONNELS",
        2022: "INACTIFS",
        2023: "INACTIFS",
    },
    household(4): {2022: "NOUVEAUX", 2023: "ONE TIMER"},
    household(5): {2023: "NOUVEAUX"},
    household(6): {2020: "NOUVEAUX", 2021: "OCCASIONNELS", 2022: "OCCASIONNELS", 2023: "INACTIFS"},
    household(7): {
        2019: "NOUVEAUX",
        2020: "OCCASIONNELS",
        2021: "FIDELES",
        2022: "FIDELES",
        2023: "INACTIFS",
    },
    household(8): {
        2019: "NOUVEAUX",
        2020: "ONE TIMER",
        2021: "OCCASIONNELS",
        2022: "FIDELES",
        2023: "FIDELES",
    },
}
RANK = {"ADDICTS": 6, "FIDELES": 5, "OCCASIONNELS": 4, "NOUVEAUX": 3, "INACTIFS": 2, "ONE TIMER": 1}


def members_frames(members: dict[int, int]) -> dict[str, pd.DataFrame]:
    profile = pd.DataFrame(
        {
            "customer_id": [customer(c) for c in members],
            "household_id": [household(h) for h in members.values()],
        }
    )
    households = pd.DataFrame({"household_id": sorted(set(profile["household_id"]))})
    return {"customers.customer_profile": profile, "customers.households": households}


def rfm_of(lines: list[dict[str, object]], members: dict[int, int]) -> pd.DataFrame:
    return run_product(
        "customer_intelligence.rfm_segments",
        products={"sales.sales_lines": pd.DataFrame(lines), **members_frames(members)},
    )


@pytest.fixture(scope="module")
def rfm() -> pd.DataFrame:
    return rfm_of(LINES, MEMBERS)


def by_key(frame: pd.DataFrame) -> dict[tuple[str, str], Any]:
    return {(r.household_id, r.season): r for r in frame.itertuples()}


def test_rfm_segments_of_the_hand_made_households(rfm: pd.DataFrame) -> None:
    got = {(r.household_id, r.season): r.segment for r in rfm.itertuples()}
    expected = {
        (hh, season(year)): segment
        for hh, seasons in EXPECTED_SEGMENTS.items()
        for year, segment in seasons.items()
    }
    assert got == expected
    assert (rfm["segment_rank"] == rfm["segment"].map(RANK)).all()


def test_rfm_measures_recency_frequency_and_amount(rfm: pd.DataFrame) -> None:
    rows = by_key(rfm)
    addict = rows[(household(1), season(2023))]
    assert (addict.recency_seasons, addict.frequency_seasons) == (0, 5)
    assert addict.window_first_season == season(2019)
    assert addict.amount_eur == pytest.approx(470.0)  # 4 x 100 + (100 - 30)
    assert addict.season_amount_eur == pytest.approx(70.0)
    assert addict.last_purchase_season == season(2023)
    one_timer = rows[(household(2), season(2022))]
    assert (one_timer.recency_seasons, one_timer.frequency_seasons) == (4, 1)
    assert one_timer.season_amount_eur == 0.0
    assert one_timer.last_purchase_season == season(2018)
    shared = rows[(household(6), season(2021))]  # two members' purchases
    assert (shared.frequency_seasons, shared.amount_eur) == (2, pytest.approx(100.0))
    refunded = rows[(household(4), season(2023))]  # the refunded season counts for nothing
    assert (refunded.frequency_seasons, refunded.amount_eur) == (1, pytest.approx(50.0))
    # today is in 2023-24: the stay booked for 2024-25 makes no 2024-25 segment
    assert set(rfm["season"]) == {season(y) for y in range(2018, 2024)}


def test_rfm_rules_cover_every_recency_and_frequency() -> None:
    """One household per possible (R, F) in 2023-24: F consecutive seasons of purchase
    ending R seasons ago; the contract's rules give each one segment."""

    def rule(recency: int, frequency: int) -> str:
        if frequency == 5:
            return "ADDICTS"
        if frequency in (3, 4) and recency <= 1:
            return "FIDELES"
        if frequency == 2 and recency <= 1:
            return "OCCASIONNELS"
        if frequency == 1:
            return "NOUVEAUX" if recency == 0 else "ONE TIMER"
        return "INACTIFS"  # F in (2, 3) and R >= 2

    cases = [(r, f) for r in range(5) for f in range(1, 6 - r)]
    lines, members = [], {}
    for n, (recency, frequency) in enumerate(cases, start=1):
        members[n] = n
        last = CURRENT_YEAR - recency
        lines += [line(100 * n + y, n, y, 10.0) for y in range(last - frequency + 1, last + 1)]
    lines.append(line(9999, 1, CURRENT_YEAR, 1.0, sold=dt.date(2024, 10, 1)))
    out = rfm_of(lines, members)
    now = out[out["season"] == season(CURRENT_YEAR)].set_index("household_id")
    assert len(now) == len(cases) == 15
    for n, (recency, frequency) in enumerate(cases, start=1):
        row = now.loc[household(n)]
        assert (row.recency_seasons, row.frequency_seasons) == (recency, frequency)
        assert row.segment == rule(recency, frequency), (recency, frequency)


def test_segment_transitions_of_the_hand_made_households(rfm: pd.DataFrame) -> None:
    out = run_product(
        "customer_intelligence.segment_transitions",
        products={"customer_intelligence.rfm_segments": rfm},
    )
    last = out[out["season_from"] == season(2022)]
    cells = {(r.segment_from, r.segment_to): (r.move, r.households) for r in last.itertuples()}
    assert cells == {
        ("FIDELES", "ADDICTS"): ("UP", 1),  # HH1
        ("FIDELES", "FIDELES"): ("STABLE", 1),  # HH8
        ("FIDELES", "INACTIFS"): ("DOWN", 1),  # HH7
        ("ONE TIMER", "OUT"): ("EXIT", 1),  # HH2: 2018-19 leaves the window
        ("INACTIFS", "INACTIFS"): ("STABLE", 1),  # HH3
        ("NOUVEAUX", "ONE TIMER"): ("DOWN", 1),  # HH4
        ("OCCASIONNELS", "INACTIFS"): ("DOWN", 1),  # HH6
        ("OUT", "NOUVEAUX"): ("ENTRY", 1),  # HH5
    }
    assert set(last["season_to"]) == {season(2023)}
    fideles = last[last["segment_from"] == "FIDELES"]
    assert fideles["share_of_segment_from"].tolist() == pytest.approx([1 / 3] * 3)
    amounts = {(r.segment_from, r.segment_to): r.season_to_amount_eur for r in last.itertuples()}
    assert amounts[("FIDELES", "ADDICTS")] == pytest.approx(70.0)
    assert amounts[("OUT", "NOUVEAUX")] == pytest.approx(100.0)
    assert amounts[("ONE TIMER", "OUT")] == 0.0
    first = out[out["season_from"] == season(2018)]
    cells = {(r.segment_from, r.segment_to): r.households for r in first.itertuples()}
    assert cells == {("NOUVEAUX", "ONE TIMER"): 1, ("OUT", "NOUVEAUX"): 4}
    # the shares of each row of each matrix sum to one
    sums = out.groupby(["season_from", "segment_from"])["share_of_segment_from"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)))
    assert set(out["season_from"]) == {season(y) for y in range(2018, 2023)}


def test_revenue_concentration_ranks_and_accumulates() -> None:
    rfm = pd.DataFrame(
        {
            "household_id": [household(n) for n in (4, 1, 2, 3)],
            "season": season(2023),
            "window_first_season": season(2019),
            "segment": ["ONE TIMER", "ADDICTS", "FIDELES", "NOUVEAUX"],
            "amount_eur": [100.0, 500.0, 100.0, 300.0],
        }
    )
    out = run_product(
        "customer_intelligence.revenue_concentration",
        products={"customer_intelligence.rfm_segments": rfm},
    ).sort_values("revenue_rank")
    # the tie at 100 is broken by household_id: HH2 before HH4
    assert out["household_id"].tolist() == [household(n) for n in (1, 3, 2, 4)]
    assert out["revenue_rank"].tolist() == [1, 2, 3, 4]
    assert out["revenue_share"].tolist() == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert out["cumulative_households_share"].tolist() == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert out["cumulative_revenue_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 1.0])
    assert out["segment"].tolist() == ["ADDICTS", "NOUVEAUX", "FIDELES", "ONE TIMER"]


# --- lead scores --------------------------------------------------------------------------

VILLAGES = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
TODAY = pd.Timestamp("2024-11-20 10:00", tz="UTC")
"""The latest event of the lead-scoring world: season 2024-25 has begun."""


def loyal_village(number: int) -> str:
    """The village customer ``number`` (a multiple of 3) returns to."""
    return VILLAGES[(number // 3) % len(VILLAGES)]


def lead_world() -> dict[str, pd.DataFrame]:
    """240 customers over five seasons: every third is loyal to one village (a stay
    there most seasons), the others book now and then anywhere. Customer 3 searched
    its village with dates ten days ago, customer 2 clicked a campaign 60 days ago,
    customer 9 browsed its village 50 days ago, customer 6 called about its village
    200 days ago."""
    rng = np.random.default_rng(7)
    n = 240
    rows = []
    for c in range(1, n + 1):
        loyal = c % 3 == 0
        for year in range(2019, 2024):
            if loyal and rng.random() < 0.85:
                village = loyal_village(c)
            elif not loyal and rng.random() < 0.15:
                village = VILLAGES[rng.integers(6)]
            else:
                continue
            rows.append((c, village, year))
    bookings = pd.DataFrame(
        {
            "booking_id": [f"BK{i:09d}" for i in range(len(rows))],
            "customer_id": [customer(c) for c, _, _ in rows],
            "village_id": [v for _, v, _ in rows],
            "status": "confirmed",
            "created_at": [pd.Timestamp(f"{y}-09-01 12:00", tz="UTC") for _, _, y in rows],
            "arrival_date": [dt.date(y + 1, 2, 1) for _, _, y in rows],
            "season": [season(y) for _, _, y in rows],
            "amount_eur": 1000.0 + 10 * np.arange(len(rows)) % 500,
        }
    )
    sales = pd.DataFrame(
        {
            "sale_line_id": [f"reservations:T{i:06d}:1" for i in range(len(rows))],
            "payer_customer_id": bookings["customer_id"],
            "season": bookings["season"],
            "amount_eur": bookings["amount_eur"],
            "is_cancelled": False,
            "sale_date": [dt.date(y, 9, 1) for _, _, y in rows],
        }
    )
    sessions = pd.DataFrame(
        {
            "session_id": ["WS000000000001", "WS000000000002", "WS000000000003"],
            "customer_id": [customer(3), customer(2), customer(9)],
            "started_at": [TODAY - pd.Timedelta(days=10), TODAY, TODAY - pd.Timedelta(days=50)],
            "village_id": [loyal_village(3), None, loyal_village(9)],
            "searched_arrival_date": [dt.date(2025, 2, 1), None, None],
        }
    )
    calls = pd.DataFrame(
        {
            "call_id": ["CL0000000001"],
            "customer_id": [customer(6)],
            "started_at": [TODAY - pd.Timedelta(days=200)],
            "call_type": ["sales"],
            "village_id": [loyal_village(6)],
        }
    )
    sends = pd.DataFrame(
        {
            "send_id": ["SD0000000001"],
            "customer_id": [customer(2)],
            "sent_at": [TODAY - pd.Timedelta(days=61)],
            "clicks_count": [1],
            "last_clicked_at": [TODAY - pd.Timedelta(days=60)],
        }
    )
    villages = pd.DataFrame(
        {
            "village_id": VILLAGES,
            "village_type": ["mountain", "mountain", "mountain", "sea", "sea", "sea"],
            "is_operating": True,
        }
    )
    affinities = pd.DataFrame({"customer_id": [customer(1)], "favourite_village_id": ["FFF"]})
    profile = pd.DataFrame(
        {
            "customer_id": [customer(c) for c in range(1, n + 1)],
            "household_id": [household(c) for c in range(1, n + 1)],
        }
    )
    segments = pd.DataFrame(
        {
            "household_id": [household(3), household(6)],
            "season": season(2023),
            "segment": "FIDELES",
            "segment_rank": 5,
            "frequency_seasons": 4,
            "recency_seasons": 0,
            "amount_eur": 4000.0,
        }
    )
    return {
        "sales.sales_lines": sales,
        "bookings.bookings": bookings,
        "web.web_sessions": sessions,
        "web.customer_affinities": affinities,
        "telephony.calls": calls,
        "campaigns.campaign_sends": sends,
        "resorts.villages": villages,
        "customer_intelligence.rfm_segments": segments,
        "customers.customer_profile": profile,
        "customers.customer_consent": consent(profile["customer_id"]),
    }


def lead_arguments(world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The world's products as ``lead_scores``' arguments, by its declared inputs."""
    return {name: world[product] for name, product in lead_scores.inputs.items()}


def test_lead_scores_rank_the_village_a_loyal_customer_returns_to() -> None:
    world = lead_world()
    out = run_product("customer_intelligence.lead_scores", products=world)
    assert set(out["season"]) == {season(2024), season(2025)}
    per_customer = out.groupby(["season", "customer_id"])["rank_for_customer"]
    assert (per_customer.max() == per_customer.size()).all()
    assert out["rank_for_customer"].between(1, 5).all()
    best = out[(out["season"] == season(2024)) & (out["rank_for_customer"] == 1)]
    loyal = best[best["customer_id"].str[2:].astype(int) % 3 == 0]
    expected = loyal["customer_id"].str[2:].astype(int).map(loyal_village)
    assert (loyal["village_id"] == expected).mean() >= 0.9
    assert loyal["score"].median() > 3 * best.loc[~best.index.isin(loyal.index), "score"].median()
    # deciles split each season's rows by score
    for _, rows in out.groupby("season"):
        means = rows.groupby("decile")["score"].mean()
        assert list(means.index) == list(range(1, 11))
        assert means.is_monotonic_increasing
    # maturity: a dated search 10 days ago is hot, a session 50 days ago or a campaign
    # click 60 days ago warm, a sales call 200 days ago no longer counts
    maturity = out.set_index(["customer_id", "village_id", "season"])["maturity"]
    for year in (2024, 2025):
        assert maturity.loc[(customer(3), loyal_village(3), season(year))] == "hot"
        assert maturity.loc[(customer(9), loyal_village(9), season(year))] == "warm"
        assert maturity.loc[(customer(6), loyal_village(6), season(year))] == "cold"
    clicker = out[out["customer_id"] == customer(2)]
    assert len(clicker) == 10
    assert (clicker["maturity"] == "warm").all()
    others = ~out["customer_id"].isin([customer(c) for c in (2, 3, 9)])
    assert (out.loc[others, "maturity"] == "cold").all()
    assert (pd.to_datetime(out["scored_at"], utc=True) == TODAY).all()
    assert (out["predicted_revenue_eur"] <= out["score"] * 1500 + 0.01).all()


def test_lead_scores_publish_their_holdout_metrics() -> None:
    world = lead_world()
    frames = lead_arguments(world)
    result = lead_scores(**frames)
    assert isinstance(result, ProductOutput)
    evaluation = result.metadata["evaluation"]
    assert evaluation["holdout_season"] == season(2023)
    assert evaluation["roc_auc"] > 0.8
    assert evaluation["log_loss"] < evaluation["log_loss_base_rate"]
    # fitted on the seasons before the held-out one, calibrated on it
    assert result.metadata["training_seasons"] == [season(y) for y in range(2020, 2023)]
    calibration = result.metadata["calibration"]
    assert calibration["season"] == season(2023)
    assert calibration["model_version"] == result.frame["model_version"].iloc[0]
    table = calibration["reliability"]
    assert sum(row["rows"] for row in table) == calibration["check_rows"] > 0
    assert all(0 <= row["mean_score"] <= 1 and 0 <= row["observed_rate"] <= 1 for row in table)
    assert [row["mean_score"] for row in table] == sorted(row["mean_score"] for row in table)
    assert result.metadata["seed"] == get_settings().seed
    again = lead_scores(**frames)
    pd.testing.assert_frame_equal(result.frame, again.frame)


def test_lead_scores_read_their_sends_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deferred sends are never read whole: lead scoring asks for batches of
    :data:`SEND_BATCH_ROWS`, keeps their clicked sends, and scores what it scores with
    the whole frame."""
    world = lead_world()
    rng = np.random.default_rng(3)
    n = 40
    unclicked = pd.DataFrame(
        {
            "customer_id": [customer(int(c)) for c in rng.integers(1, 30, n)],
            "sent_at": TODAY - pd.to_timedelta(rng.integers(2, 400, n), unit="D"),
            "clicks_count": 0,
            "last_clicked_at": pd.NaT,
        }
    )
    sends = pd.concat([unclicked, world["campaigns.campaign_sends"]], ignore_index=True)
    sends["last_clicked_at"] = pd.to_datetime(sends["last_clicked_at"])
    frames = lead_arguments(world)
    del frames["sends"]
    whole = lead_scores(**frames, sends=sends)
    monkeypatch.setattr(lead_module, "SEND_BATCH_ROWS", 7)
    asked: list[int] = []
    deferred = deferred_in_batches("campaigns.campaign_sends", sends, asked)
    batched = lead_scores(**frames, sends=deferred)

    assert asked == [7]
    assert deferred.rows == len(sends)
    assert isinstance(whole, ProductOutput)
    assert isinstance(batched, ProductOutput)
    pd.testing.assert_frame_equal(batched.frame, whole.frame)
    assert batched.metadata == whole.metadata
    clicker = whole.frame[whole.frame["customer_id"] == customer(2)]
    assert (clicker["maturity"] == "warm").all()  # the click, kept from its batch


def test_lead_scores_publish_only_customers_who_may_be_contacted() -> None:
    world = lead_world()
    refused = (customer(3), customer(9))
    world["customers.customer_consent"] = consent(
        world["customers.customer_profile"]["customer_id"], refused
    )
    out = run_product("customer_intelligence.lead_scores", products=world, contract_tolerance=True)
    assert not out["customer_id"].isin(refused).any()
    assert out["customer_id"].isin([customer(2), customer(6)]).any()
    rejects = left_out_rows("customer_intelligence.lead_scores")
    assert {reason for _, reason, _ in rejects} == {"out_of_scope:no_consent"}
    assert {key for _, _, key in rejects} == {f"customer_id={who}" for who in refused}


# --- campaign appetence -------------------------------------------------------------------

MAIN = ["NEWS", "VIDEO", "EVENT"]


def appetence_world() -> dict[str, pd.DataFrame]:
    """300 customers, 60 sends each over three seasons with settings drawn at random.
    Even customers click on VIDEO mails, odd ones on NEWS mails; the other settings
    do not matter. Customers 291-300 belong to households without a segment."""
    rng = np.random.default_rng(11)
    n_customers, per_customer = 300, 60
    n = n_customers * per_customer
    who = np.repeat(np.arange(1, n_customers + 1), per_customer)
    main = rng.integers(0, 3, n)
    preferred = np.where(who % 2 == 0, 1, 0)
    opened = rng.random(n) < 0.35
    clicked = rng.random(n) < np.where(main == preferred, 0.30, 0.03)
    cycle = rng.choice(["ANNUAL", "STAY", "POWDER_ALARM"], n, p=[0.8, 0.1, 0.1])
    sent = (
        pd.Timestamp("2021-11-01 08:00", tz="UTC")
        + pd.to_timedelta(rng.integers(0, 3 * 360, n), unit="D")
        + pd.to_timedelta(rng.integers(0, 14, n), unit="h")
    )
    sends = pd.DataFrame(
        {
            "send_id": [f"SD{i:010d}" for i in range(1, n + 1)],
            "customer_id": [customer(c) for c in who],
            "sent_at": sent,
            "channel": np.where((cycle == "POWDER_ALARM") & (rng.random(n) < 0.5), "sms", "email"),
            "main_highlight": np.array(MAIN)[main],
            "secondary_highlight": rng.choice(["SOCIAL", "MAP", "LIVE", "WEATHER"], n),
            "subject_type": rng.choice(
                ["SENSATION", "EXCLAMATION", "QUESTION", "SKIER", "RESORT_NAME", "TIME"], n
            ),
            "cycle_label": cycle,
            "opens_count": np.where(opened, 1 + (rng.random(n) < 0.1), 0),
            "clicks_count": clicked.astype(int),
        }
    )
    sends.loc[sends["channel"] == "sms", "opens_count"] = 0
    bookings = pd.DataFrame(
        {
            "booking_id": ["BK000000001"],
            "customer_id": [customer(1)],
            "created_at": [sent[0] + pd.Timedelta(days=2)],
            "status": ["confirmed"],
        }
    )
    segments_cycle = ["ONE TIMER", "NOUVEAUX", "OCCASIONNELS", "FIDELES", "INACTIFS"]
    rows = []
    for c in range(1, 291):
        for year in (2021, 2022, 2023):
            segment = segments_cycle[(c + year) % len(segments_cycle)]
            rows.append((household(c), season(year), segment, RANK[segment]))
    segments = pd.DataFrame(rows, columns=["household_id", "season", "segment", "segment_rank"])
    segments["frequency_seasons"] = 2
    segments["recency_seasons"] = 0
    segments["amount_eur"] = 100.0 * segments["segment_rank"]
    segments["season_amount_eur"] = 50.0 * segments["segment_rank"]
    profile = pd.DataFrame(
        {
            "customer_id": [customer(c) for c in range(1, n_customers + 1)],
            "household_id": [household(c) for c in range(1, n_customers + 1)],
        }
    )
    households = pd.DataFrame({"household_id": profile["household_id"]})
    return {
        "campaigns.campaign_sends": sends,
        "bookings.bookings": bookings,
        "customer_intelligence.rfm_segments": segments,
        "customers.customer_profile": profile,
        "customers.households": households,
        "customers.customer_consent": consent(profile["customer_id"]),
    }


def appetence_inputs() -> dict[str, pd.DataFrame]:
    """The appetence world as the product function's arguments."""
    world = appetence_world()
    return {
        "sends": world["campaigns.campaign_sends"],
        "bookings": world["bookings.bookings"],
        "segments": world["customer_intelligence.rfm_segments"],
        "members": world["customers.customer_profile"],
        "households": world["customers.households"],
        "consent": world["customers.customer_consent"],
    }


@pytest.fixture(scope="module")
def appetence_result() -> ProductOutput:
    return campaign_appetence(**appetence_inputs())


def test_campaign_appetence_finds_each_customers_highlight(
    appetence_result: ProductOutput,
) -> None:
    out = appetence_result.frame
    number = out["customer_id"].str[2:].astype(int)
    assert set(number) == set(range(1, 291))  # households 291-300 have no segment
    preferred = np.where(number % 2 == 0, "VIDEO", "NEWS")
    assert (out["main_highlight"] == preferred).mean() >= 0.85
    assert (out["recommended_action_probability"] >= out["baseline_action_probability"]).all()
    assert out["appetence_gain"].to_numpy() == pytest.approx(
        (out["recommended_action_probability"] - out["baseline_action_probability"]).to_numpy()
    )
    assert (out["season"] == season(2023)).all()


def test_campaign_appetence_moves_and_money_follow_the_segments(
    appetence_result: ProductOutput,
) -> None:
    out, metadata = appetence_result.frame, appetence_result.metadata
    steps = out["predicted_segment"].map(RANK) - out["baseline_segment"].map(RANK)
    assert (out["segment_steps"] == steps).all()
    fell = out["baseline_segment"].map(RANK) < out["current_segment"].map(RANK)
    expected_move = np.select(
        [(steps > 0) & fell, steps > 0, steps < 0], ["DOWN_AVOIDED", "UP", "DOWN"], "NONE"
    )
    assert (out["generated_move"] == expected_move).all()
    assert (out.loc[out["generated_move"] != "UP", "expected_gain_eur"] == 0).all()
    assert (out.loc[out["generated_move"] != "DOWN_AVOIDED", "avoided_loss_eur"] == 0).all()
    # the current segment is the household's in the latest season
    current = (
        out["customer_id"]
        .str[2:]
        .astype(int)
        .map(
            lambda c: ["ONE TIMER", "NOUVEAUX", "OCCASIONNELS", "FIDELES", "INACTIFS"][
                (c + 2023) % 5
            ]
        )
    )
    assert (out["current_segment"] == current).all()
    # euros: the expected amounts' difference, within what the probability shift allows
    values = metadata["segment_values_eur"]
    assert values["FIDELES"] == pytest.approx(50.0 * RANK["FIDELES"])
    spread = max(values.values()) - min(0.0, *values.values())
    change = out["recommended_expected_amount_eur"] - out["baseline_expected_amount_eur"]
    assert (change.abs() <= out["probability_shift"] * spread + 0.02).all()
    assert out["expected_amount_change_eur"].to_numpy() == pytest.approx(
        (change / out["household_customers"]).to_numpy(), abs=0.02
    )


def test_campaign_appetence_publishes_metrics_and_totals(
    appetence_result: ProductOutput,
) -> None:
    out, metadata = appetence_result.frame, appetence_result.metadata
    evaluation = metadata["evaluation"]
    assert evaluation["rows"] > 0
    assert evaluation["roc_auc"] > 0.65
    assert evaluation["log_loss"] < evaluation["log_loss_base_rate"]
    assert 0 < evaluation["base_rate"] < 1
    totals = metadata["totals"]
    assert totals["customers"] == len(out)
    assert totals["households"] == out["household_id"].nunique()
    moves = out.drop_duplicates("household_id")["generated_move"]
    assert totals["movements_up"] == int((moves == "UP").sum())
    assert totals["movements_down_avoided"] == int((moves == "DOWN_AVOIDED").sum())
    assert (
        totals["movements_generated"] == totals["movements_up"] + totals["movements_down_avoided"]
    )
    assert totals["expected_gain_eur"] == pytest.approx(out["expected_gain_eur"].sum())
    assert totals["avoided_loss_eur"] == pytest.approx(out["avoided_loss_eur"].sum())
    assert metadata["learning_base_sends"] == 300 * 60


def test_campaign_appetence_is_evaluated_as_uplift_on_the_latest_season(
    appetence_result: ProductOutput,
) -> None:
    """Even customers act on VIDEO mails, odd ones on NEWS mails, nothing else matters:
    on the held-out season, the sends that carried the recommended main highlight are
    acted on far more, as much as the model predicts, and the ranking by predicted
    uplift puts them first."""
    uplift = appetence_result.metadata["uplift_evaluation"]
    assert uplift["model_version"] == appetence_result.frame["model_version"].iloc[0]
    assert uplift["held_out_season"] == season(2023)
    assert uplift["held_out_sends"] + uplift["training_sends"] == 300 * 60
    main = uplift["settings"]["main_highlight"]
    assert main["observed_uplift"] > 0.15
    assert main["predicted_uplift"] == pytest.approx(main["observed_uplift"], rel=0.25)
    assert main["values"]["EVENT"]["observed_effect"] < 0
    assert main["values"]["EVENT"]["predicted_effect"] < 0
    curve = uplift["curve"]
    assert [p["top_share"] for p in curve] == [round(0.1 * k, 1) for k in range(1, 11)]
    assert uplift["gain_at_top_decile"] == curve[0]["uplift"] > curve[-1]["uplift"]
    assert uplift["qini_coefficient"] > 0


def test_campaign_appetence_passes_its_contract_and_is_deterministic(
    appetence_result: ProductOutput,
) -> None:
    out = run_product("customer_intelligence.campaign_appetence", products=appetence_world())
    mine = appetence_result.frame.set_index("customer_id").sort_index()
    published = out.set_index("customer_id").sort_index()
    assert (published["main_highlight"] == mine["main_highlight"]).all()
    assert published["appetence_gain"].to_numpy() == pytest.approx(
        mine["appetence_gain"].to_numpy()
    )


def test_campaign_appetence_draws_its_samples_and_fits_from_mesh_seed(
    appetence_result: ProductOutput, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = get_settings().seed
    assert appetence_result.metadata["seed"] == default
    monkeypatch.setenv("MESH_SEED", str(default + 1))
    get_settings.cache_clear()
    first = campaign_appetence(**appetence_inputs())
    again = campaign_appetence(**appetence_inputs())
    assert first.metadata["seed"] == again.metadata["seed"] == default + 1
    # the same seed gives the same output ...
    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert first.metadata == again.metadata
    # ... another seed holds out other customers and fits another model
    assert first.metadata["evaluation"] != appetence_result.metadata["evaluation"]
    assert not np.array_equal(
        first.frame["baseline_action_probability"].to_numpy(),
        appetence_result.frame["baseline_action_probability"].to_numpy(),
    )


def test_campaign_appetence_holds_no_upstream_frame_it_has_reduced(
    appetence_result: ProductOutput,
) -> None:
    """The bookings, members, households and consent are read once each, when no frame
    read before is still held (the sends a batch at a time); the RFM segments are read for
    the customers' features, then again for the segment model once the fits are done,
    the first frame let go: the same output."""
    inputs = ReadOnce(campaign_appetence, appetence_inputs(), again={"segments"})
    result = campaign_appetence(**inputs.arguments)

    assert set(campaign_appetence.deferred) == {
        "sends",
        "bookings",
        "segments",
        "members",
        "households",
        "consent",
    }
    assert inputs.reads == [
        "bookings",
        "sends",
        "households",
        "members",
        "segments",
        "consent",
        "segments",
    ]
    assert isinstance(result, ProductOutput)
    pd.testing.assert_frame_equal(result.frame, appetence_result.frame)
    assert result.metadata == appetence_result.metadata


def test_programmes_are_kept_dropped_or_added_when_they_raise_the_mean() -> None:
    # programmes: ANNUAL, STAY, POWDER_ALARM; shares of all sends 80%, 10%, 10%
    share = np.array([0.8, 0.1, 0.1])
    count = np.array([[2.0, 0.0, 1.0], [0.0, 4.0, 0.0]])
    rec_sum = np.array([[0.2, 0.0, 0.05], [0.0, 2.0, 0.0]])
    hypothetical = np.array([[0.1, 0.5, 0.05], [0.1, 0.5, 0.3]])
    best, chosen = _choose_programmes(count, rec_sum, hypothetical, share)
    # customer 1: annual mails at 0.1, one powder alarm at 0.05, no stay mail; adding
    # stay mails (0.5, at 10% of its 3 sends) and dropping the alarm gives the best mean
    assert best[0] == pytest.approx((0.2 + 0.5 * 0.3) / 2.3)
    assert chosen[0].tolist() == [True, True, False]
    # customer 2 only received stay mails (0.5 each): nothing beats them as received
    assert best[1] == pytest.approx(0.5)
    assert chosen[1].tolist() == [False, True, False]


def test_predictions_in_batches_are_the_bits_of_one_prediction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domains.customer_intelligence.python import _models

    rng = np.random.default_rng(7)
    x = np.column_stack([rng.integers(0, 4, 2_000), rng.normal(size=(2_000, 3))])
    y = (x[:, 1] + rng.normal(size=2_000) > 0.5).astype(np.int64)
    model = _models.fit_binary(x, y, seed=7, categorical=[True, False, False, False], max_iter=20)
    monkeypatch.setattr(_models, "PREDICTION_BATCH_ROWS", 300)
    built: list[int] = []

    def matrix(part: slice) -> np.ndarray:
        built.append(len(x[part]))
        return x[part]

    batched = _models.batched_log_odds(model, len(x), matrix)
    assert batched.tobytes() == _models.log_odds(model, x).tobytes()
    assert max(built) == 300
    assert sum(built) == len(x)
    assert _models.batched_log_odds(model, 0, matrix).size == 0


def test_a_python_input_reads_the_columns_it_orders_by() -> None:
    """A column an input orders by without loading it is read all the same: removing it
    upstream would break the consumer (campaign appetence keeps send order by send id)."""
    from mesh_platform.evolution.reads import python_reads

    reads = {(r.upstream, r.column) for r in python_reads(campaign_appetence.definition())}
    assert "send_id" not in campaign_appetence.columns["sends"]
    assert ("campaigns.campaign_sends", "send_id") in reads
    assert ("campaigns.campaign_sends", "customer_id") in reads
