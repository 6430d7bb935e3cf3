"""The lead features' left joins give what pandas' merge gives, without its copies; the
clicked sends kept a batch at a time are those of the whole frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python._lead_signals import clicked_sends, join_left


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
