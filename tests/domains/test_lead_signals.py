"""The lead features' left joins give what pandas' merge gives, without its copies; the
clicked sends kept a batch at a time are those of the whole frame; a scored pair's
maturity is matched on its two ids."""

from __future__ import annotations

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


def test_maturity_without_signals_is_cold() -> None:
    scored = pd.DataFrame({"customer_id": ["C1", "C2"], "village_id": ["V1", "V1"]})
    level = maturity(signals(sessions=[]), scored, TODAY)
    assert level.tolist() == ["cold", "cold"]
