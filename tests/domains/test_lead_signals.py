"""The lead features' left joins give what pandas' merge gives, without its copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python._lead_signals import join_left


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
