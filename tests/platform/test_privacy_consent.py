"""A Python product's rows kept by the consent its contract declares
(:func:`~mesh_platform.privacy.consent.keep_consented`)."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd

from mesh_platform.contract import Consent, DataContract, Privacy, column
from mesh_platform.privacy.consent import NO_CONSENT, keep_consented
from mesh_platform.products.python import DeferredInput


class Targets(
    DataContract,
    domain="crm",
    product="consent_targets",
    grain=("customer_id", "village_id"),
    privacy=Privacy(
        consent=Consent(
            purpose="marketing", channels=("email",), source="customers.customer_consent"
        )
    ),
    register=False,
):
    """One row per customer and village to write to."""

    customer_id: str = column("The customer.")
    village_id: str = column("The village.")
    score: float = column("The score.")


REGISTER = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "C"],
        "channel": ["email", "email", "sms", "email"],
        "is_contactable": pd.array([True, False, True, None], dtype="boolean"),
    }
)


def test_the_consented_rows_and_the_others_left_out_renumbered() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "A", "C", "D"],
            "village_id": ["V1", "V1", "V2", "V3", "V1"],
            "score": [0.5, 0.4, 0.3, 0.2, 0.1],
        },
        index=[40, 41, 42, 43, 44],  # a model's rows, numbered as it sorted them
    )
    before = frame.copy()
    read: list[str] = []

    def register() -> pd.DataFrame:
        read.append("register")
        return REGISTER

    kept, left_out = keep_consented(
        Targets, frame, DeferredInput("customers.customer_consent", register)
    )

    assert read == ["register"]  # the deferred register is read when filtering
    pd.testing.assert_frame_equal(kept, before.loc[[40, 42]].reset_index(drop=True))
    assert isinstance(kept.index, pd.RangeIndex)
    assert isinstance(left_out.index, pd.RangeIndex)
    assert left_out["customer_id"].tolist() == ["B", "C", "D"]  # refused, sms only, unknown
    assert set(left_out["reason"]) == {NO_CONSENT}
    assert left_out["row_key"].tolist() == ["customer_id=B", "customer_id=C", "customer_id=D"]
    # the product's frame gave its columns to the two parts
    assert list(frame.columns) == []


def test_every_row_consented_leaves_none_out() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["A", "A"], "village_id": ["V1", "V2"], "score": [1.0, 2.0]}
    )
    before = frame.copy()
    kept, left_out = keep_consented(Targets, frame, REGISTER)
    pd.testing.assert_frame_equal(kept, before)
    assert left_out.empty
    assert list(left_out.columns) == [*before.columns, "reason", "row_key"]


def test_the_parts_take_new_columns_as_frames_of_their_own() -> None:
    """A product may add its constant columns to both parts once split (no chained
    assignment: neither part is a selection of the product's frame)."""
    frame = pd.DataFrame(
        {"customer_id": ["A", "B", "A"], "village_id": ["V1", "V1", "V2"], "score": 1.0}
    )
    before = frame.copy()
    kept, left_out = keep_consented(Targets, frame, REGISTER)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' SettingWithCopyWarning fails the test
        for part in (kept, left_out):
            part["model_version"] = "v1"
    assert kept["model_version"].tolist() == ["v1", "v1"]
    assert left_out["model_version"].tolist() == ["v1"]
    pd.testing.assert_frame_equal(
        kept.drop(columns="model_version"), before.loc[[0, 2]].reset_index(drop=True)
    )


def test_the_rows_of_a_customer_left_out_share_one_key() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["B", "A", "D", "B", "D", "B", None],
            "village_id": ["V1", "V1", "V1", "V2", "V2", "V3", "V1"],
        }
    )
    _, left_out = keep_consented(Targets, frame, REGISTER)

    assert left_out["row_key"].tolist() == [
        "customer_id=B",
        "customer_id=D",
        "customer_id=B",
        "customer_id=D",
        "customer_id=B",
        "customer_id=None",
    ]
    keys = left_out["row_key"].to_numpy()
    assert keys[0] is keys[2] is keys[4]
    assert keys[1] is keys[3]


def test_every_dtype_moves_to_the_parts_in_the_frame_order() -> None:
    """Columns of every kind, some in pandas' shared blocks and some on their own (as a
    product adds them one by one), keep their dtypes, values and order."""
    rows = 12
    frame = pd.DataFrame(
        {
            "score": np.linspace(0.0, 1.0, rows),
            "customer_id": list("ABCD") * 3,
            "rank": np.arange(rows, dtype="int64"),
            "village_id": [f"V{i % 5}" for i in range(rows)],
            "weight": np.arange(rows, dtype="float64") / 3,
        }
    )
    frame["at"] = pd.date_range("2026-01-01", periods=rows, freq="D", tz="UTC")
    frame["maturity"] = pd.Categorical(["hot", "warm", "cold"] * 4)
    frame["visits"] = pd.array([1, None, 3, 4] * 3, dtype="Int64")
    frame["opted"] = np.arange(rows) % 2 == 0
    frame["count"] = np.arange(rows, dtype="int32")
    frame[0] = np.arange(rows, dtype="int64")  # a name that is not text
    before = frame.copy()
    consented = before["customer_id"].eq("A")

    kept, left_out = keep_consented(Targets, frame, REGISTER)

    pd.testing.assert_frame_equal(kept, before[consented].reset_index(drop=True))
    pd.testing.assert_frame_equal(
        left_out.drop(columns=["reason", "row_key"]),
        before[~consented].reset_index(drop=True),
    )
    assert list(frame.columns) == []


def test_the_rows_are_held_once_and_a_half_not_twice() -> None:
    """The frame's columns are let go one dtype at a time as their parts are made: the
    move holds at most one dtype's columns twice, where a selection of the whole frame
    held every row twice (a model's millions of scored rows)."""
    rows = 200_000
    tracemalloc.start()
    try:
        # a model's scored rows: most customers consented (A), a quarter not (B)
        frame = pd.DataFrame(
            {
                "customer_id": np.array(["A", "A", "A", "B"], dtype=object)[np.arange(rows) % 4],
                **{f"f{i}": np.full(rows, float(i)) for i in range(6)},
                **{f"i{i}": np.full(rows, i, dtype="int64") for i in range(6)},
            }
        )
        size = int(frame.memory_usage(index=False, deep=False).sum())
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept, left_out = keep_consented(Targets, frame, REGISTER)
        held, peak = (value - start for value in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()

    assert (len(kept), len(left_out)) == (rows - rows // 4, rows // 4)
    # the frame's 13 columns (104 bytes a row) moved, 6 at most held twice (48 bytes a
    # row): its memory went as its parts came
    assert peak < 0.75 * size, (peak, size)
    assert held < 0.25 * size, (held, size)
