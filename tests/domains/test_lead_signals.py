"""The lead features' left joins give what pandas' merge gives, without its copies; the
clicked sends kept a batch at a time are those of the whole frame; a scored pair's
maturity is matched on its two ids."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python._lead_signals import (
    MATURITY,
    LeadEvents,
    clicked_sends,
    join_left,
    maturity,
)
from domains.customer_intelligence.python.lead_scores import score_deciles


def candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3", "C4"],
            "village_id": ["V1", "V2", "V1", "V3", "V1"],
            "village_type": ["sea", "mountain", "sea", None, "sea"],
            "score": [0.1, 0.2, 0.3, 0.4, 0.5],
        }
    )


EXTRAS = {
    "per pair, ints, some pairs missing": (
        pd.DataFrame(
            {
                "customer_id": ["C1", "C2", "C9"],
                "village_id": ["V2", "V1", "V1"],
                "stays_here": [3, 1, 7],
                "last_here": [2021, 2022, 2019],
            }
        ),
        ["customer_id", "village_id"],
    ),
    "per pair, every pair found: ints stay ints": (
        pd.DataFrame(
            {
                "customer_id": ["C4", "C3", "C2", "C1", "C1"],
                "village_id": ["V1", "V3", "V1", "V2", "V1"],
                "booked": [1, 1, 1, 1, 1],
            }
        ),
        ["customer_id", "village_id"],
    ),
    "per customer, floats": (
        pd.DataFrame({"customer_id": ["C3", "C1"], "amount_log": [np.nan, 2.5]}),
        ["customer_id"],
    ),
    "a missing key in the frame matches nothing": (
        pd.DataFrame(
            {
                "customer_id": ["C3", "C1"],
                "village_type": ["sea", "sea"],
                "typed_signals": [4, 2],
            }
        ),
        ["customer_id", "village_type"],
    ),
    "a key held twice repeats the frame's rows (the merge)": (
        pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "segment_rank": [1.0, 2.0, 3.0]}),
        ["customer_id"],
    ),
    "a missing key in extra matches the frame's missing keys (the merge)": (
        pd.DataFrame(
            {"customer_id": ["C3", "C3"], "village_type": [None, "sea"], "typed_signals": [9, 4]}
        ),
        ["customer_id", "village_type"],
    ),
    "a column in both gets the merge's suffixes (the merge)": (
        pd.DataFrame({"customer_id": ["C1"], "score": [9.0]}),
        ["customer_id"],
    ),
    "no row": (
        pd.DataFrame(
            {"customer_id": pd.Series([], dtype=object), "sessions": pd.Series([], dtype="int64")}
        ),
        ["customer_id"],
    ),
}


@pytest.mark.parametrize("case", list(EXTRAS))
def test_join_left_gives_the_merge(case: str) -> None:
    extra, keys = EXTRAS[case]
    frame = candidates()
    before = frame.copy()
    expected = frame.merge(extra, on=keys, how="left")
    joined = join_left(frame, extra, keys)
    pd.testing.assert_frame_equal(joined, expected, check_exact=True)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is left as it was


def sends(n: int = 1_000) -> pd.DataFrame:
    """Sends in send order, a tenth clicked, a few with no send time."""
    rng = np.random.default_rng(11)
    sent = pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 500 * 24 * 60, n)), unit="min"
    )
    clicks = np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), 0)
    frame = pd.DataFrame(
        {
            "customer_id": [f"CU{c:05d}" for c in rng.integers(0, 200, n)],
            "sent_at": sent,
            "clicks_count": clicks,
            "last_clicked_at": sent.where(clicks > 0) + pd.Timedelta(hours=2),
        }
    )
    frame.loc[rng.random(n) < 0.02, "sent_at"] = pd.NaT
    return frame


@pytest.mark.parametrize("rows", [1, 7, 100, 999, 1_000, 5_000])
def test_the_clicked_sends_of_batches_are_those_of_the_whole_frame(rows: int) -> None:
    whole = sends()
    kept = clicked_sends(
        whole[i : i + rows].reset_index(drop=True) for i in range(0, len(whole), rows)
    )
    expected = whole.loc[
        whole["clicks_count"] > 0, ["customer_id", "clicks_count", "last_clicked_at"]
    ]
    pd.testing.assert_frame_equal(kept.clicked, expected, check_index_type=False)
    assert kept.latest.max() == whole["sent_at"].max()
    assert kept.latest.dtype == whole["sent_at"].dtype
    assert len(kept.latest) <= -(-len(whole) // rows)  # at most one time a batch


def test_a_batch_without_a_send_time_gives_no_latest_time() -> None:
    whole = sends(10)
    whole["sent_at"] = pd.NaT
    kept = clicked_sends([whole[:4], whole[4:]])
    assert kept.latest.empty


def test_no_batch_keeps_no_send() -> None:
    kept = clicked_sends(iter(()))
    assert kept.clicked.empty
    assert list(kept.clicked.columns) == ["customer_id", "clicks_count", "last_clicked_at"]
    assert kept.latest.empty


TODAY = pd.Timestamp("2024-06-01 12:00", tz="UTC")


def _dated(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows (ids..., days ago) as a frame of the columns, the last one ``at``."""
    frame = pd.DataFrame(rows, columns=[*columns, "days"]).astype({"days": "int64"})
    frame["at"] = TODAY - pd.to_timedelta(frame.pop("days"), unit="D")
    return frame.astype(dict.fromkeys(columns, object))


def signals(
    sessions: list[tuple[str, str | None, int, bool]],
    calls: list[tuple[str, str, int]] | None = None,
    clicks: list[tuple[str, int]] | None = None,
) -> LeadEvents:
    """Events with the given sessions (customer, village, days ago, dated search), sales
    calls (customer, village, days ago) and clicks (customer, days ago)."""
    empty = pd.DataFrame()
    web = _dated([(c, v, d) for c, v, d, _ in sessions], ["customer_id", "village_id"])
    web["dated_search"] = pd.Series([s[3] for s in sessions], dtype=bool)
    return LeadEvents(
        stays=empty,
        purchases=empty,
        sessions=web,
        sales_calls=_dated(calls or [], ["customer_id", "village_id"]),
        clicks=_dated(clicks or [], ["customer_id"]),
        village_type=pd.Series(dtype=object),
        segments=empty,
        favourite=empty,
    )


def test_maturity_matches_a_pair_on_both_its_ids() -> None:
    scored = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3", "C4", "C5", "C6"],
            "village_id": ["V1", "V2", "V1", "V3", "V1", "V2", "V9"],
        }
    )
    ev = signals(
        sessions=[
            ("C1", "V1", 10, True),  # a dated search this month: hot
            ("C2", "V2", 10, True),  # about another village: nothing for (C2, V1)
            ("C3", "V3", 60, False),  # a session this quarter: warm
            ("C4", "V1", 60, True),  # a dated search older than a month: warm
            ("C1", "V2", 200, False),  # too old
            ("C6", None, 5, True),  # no village
        ],
        calls=[("C5", "V2", 20)],  # a sales call this month: hot
        clicks=[("C6", 30), ("C2", 100)],  # a click this quarter warms every pair
    )
    level = maturity(ev, scored, TODAY)
    assert level.tolist() == ["hot", "cold", "cold", "warm", "warm", "hot", "warm"]
    # three strings, shared by every row (not one string a row)
    assert {id(v) for v in level} <= {id(v) for v in MATURITY}


def test_once_scored_the_events_keep_what_revenue_and_maturity_read() -> None:
    """Once today's candidates are scored, the stays (the expected revenue) and the
    maturity's sessions, calls and clicks are the very frames read; the signals only the
    features read are let go, empty frames of the same columns and dtypes."""
    ev = replace(
        signals(sessions=[("C1", "V1", 10, True)], calls=[("C1", "V1", 3)], clicks=[("C1", 3)]),
        stays=pd.DataFrame({"customer_id": ["C1"], "amount_eur": [100.0]}),
        purchases=_dated([("C1", 40)], ["customer_id"]),
        segments=pd.DataFrame({"customer_id": ["C1"], "season_year": [2023], "F": [2]}),
        favourite=pd.DataFrame({"customer_id": ["C1"], "village_id": ["V1"]}),
    )
    scored = ev.once_scored()
    for kept in ("stays", "sessions", "sales_calls", "clicks", "village_type"):
        assert getattr(scored, kept) is getattr(ev, kept)
    for gone in ("purchases", "segments", "favourite"):
        frame, before = getattr(scored, gone), getattr(ev, gone)
        assert frame.empty
        pd.testing.assert_series_equal(frame.dtypes, before.dtypes)
        assert not np.shares_memory(frame.to_numpy(), before.to_numpy())
    scored_rows = pd.DataFrame({"customer_id": ["C1"], "village_id": ["V1"]})
    assert maturity(scored, scored_rows, TODAY).tolist() == ["hot"]


def test_maturity_without_signals_is_cold() -> None:
    scored = pd.DataFrame({"customer_id": ["C1", "C2"], "village_id": ["V1", "V1"]})
    level = maturity(signals(sessions=[]), scored, TODAY)
    assert level.tolist() == ["cold", "cold"]


def _maturity_by_tuples(ev: LeadEvents, scored: pd.DataFrame) -> list[str]:
    """The rule of ``maturity``, the slow way: each scored pair looked up as a tuple."""
    month, quarter = TODAY - pd.Timedelta(days=30), TODAY - pd.Timedelta(days=90)
    web = ev.sessions[(ev.sessions["at"] <= TODAY) & ev.sessions["village_id"].notna()]
    calls = ev.sales_calls

    def pairs_of(frame: pd.DataFrame) -> set[tuple[str, str]]:
        return set(zip(frame["customer_id"], frame["village_id"], strict=True))

    hot = pairs_of(web[web["dated_search"] & (web["at"] >= month)]) | pairs_of(
        calls[calls["at"].between(month, TODAY)]
    )
    warm = pairs_of(web[web["at"] >= quarter])
    clickers = set(ev.clicks.loc[ev.clicks["at"].between(quarter, TODAY), "customer_id"])
    return [
        "hot" if pair in hot else "warm" if pair in warm or pair[0] in clickers else "cold"
        for pair in zip(scored["customer_id"], scored["village_id"], strict=True)
    ]


def test_maturity_of_many_pairs_is_the_rule_pair_by_pair() -> None:
    rng = np.random.default_rng(7)
    ids = [f"C{i}" for i in range(40)]
    villages = [f"V{i}" for i in range(6)]
    ev = signals(
        sessions=[
            (ids[c], villages[v] if v < 6 else None, int(d), bool(s))
            for c, v, d, s in zip(
                rng.integers(0, 40, 300),
                rng.integers(0, 7, 300),
                rng.integers(-5, 200, 300),  # a few after today: not read
                rng.random(300) < 0.3,
                strict=True,
            )
        ],
        calls=[
            (ids[c], villages[v], int(d))
            for c, v, d in zip(
                rng.integers(0, 45, 40) % 40,
                rng.integers(0, 6, 40),
                rng.integers(0, 60, 40),
                strict=True,
            )
        ]
        + [("C99", "V1", 3), ("C1", "V99", 3)],  # ids no scored pair has
        clicks=[
            (ids[c], int(d))
            for c, d in zip(rng.integers(0, 40, 30), rng.integers(0, 150, 30), strict=True)
        ],
    )
    pairs = [(c, v) for c in ids for v in villages if rng.random() < 0.5]
    scored = pd.DataFrame(pairs, columns=["customer_id", "village_id"], dtype=object)

    level = maturity(ev, scored, TODAY).tolist()
    assert level == _maturity_by_tuples(ev, scored)
    assert {"hot", "warm", "cold"} <= set(level)


def test_score_deciles_are_the_rows_sorted_by_season_score_and_ids() -> None:
    """The deciles as the sorted rows give them: position in the season's order by
    score, customer and village, times ten over the season's rows, plus one."""
    rng = np.random.default_rng(3)
    rows = 2_000
    scored = pd.DataFrame(
        {
            "customer_id": rng.choice([f"C{i:03d}" for i in range(300)], rows).astype(object),
            "village_id": rng.choice(["V10", "V2", "V7", "V1"], rows).astype(object),
            "season": rng.choice(["2025-2026", "2024-2025"], rows, p=[0.7, 0.3]).astype(object),
            "score": rng.choice([0.1, 0.25, 0.5, 0.9], rows) + rng.choice([0.0, 1e-9], rows),
        }
    ).drop_duplicates(["customer_id", "village_id", "season"], ignore_index=True)
    keys = ["season", "score", "customer_id", "village_id"]
    ordered = scored.sort_values(keys)
    position = ordered.groupby("season").cumcount().to_numpy()
    size = ordered.groupby("season")["score"].transform("size").to_numpy()
    expected = pd.Series(position * 10 // size + 1, index=ordered.index).sort_index()

    deciles = score_deciles(scored)

    assert deciles.dtype == np.int64
    np.testing.assert_array_equal(deciles, expected.to_numpy())
    assert set(deciles) == set(range(1, 11))
