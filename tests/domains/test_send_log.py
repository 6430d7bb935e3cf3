"""Campaign appetence's learning base, coded a batch of sends at a time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python import campaign_appetence as appetence
from domains.customer_intelligence.python._send_log import (
    PROGRAMMES,
    SETTINGS,
    Bookers,
    SendLog,
    code_sends,
    in_send_order,
)
from mesh_platform.products.python import DeferredInput
from tests.support.products import deferred_in_batches


def sends_world(n: int = 5_000, customers: int = 700) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sends in send order to customers drawn at random (each customer's sends spread
    over every batch), over three seasons and both sides of midnight in Paris; bookings
    of a fifth of the customers, some within seven days after one of their sends."""
    rng = np.random.default_rng(5)
    who = rng.integers(0, customers, n)
    sent = pd.Timestamp("2021-09-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 3 * 365 * 24 * 60, n)), unit="min"
    )
    sends = pd.DataFrame(
        {
            "send_id": [f"SD{i:010d}" for i in range(n)],
            "customer_id": [f"CU{c:07d}" for c in who],
            "sent_at": sent,
            "channel": rng.choice(["email", "sms"], n, p=[0.8, 0.2]),
            **{
                name: rng.choice(values, n)
                for name, values in SETTINGS.items()
                if name in ("main_highlight", "secondary_highlight", "subject_type")
            },
            "cycle_label": rng.choice(PROGRAMMES, n),
            "opens_count": rng.integers(0, 3, n),
            "clicks_count": (rng.random(n) < 0.05).astype(int),
        }
    )
    booked = sends.sample(customers // 5, random_state=2)
    bookings = pd.DataFrame(
        {
            "customer_id": booked["customer_id"].to_numpy(),
            "created_at": booked["sent_at"]
            + pd.to_timedelta(rng.integers(0, 14 * 24, len(booked)), unit="h"),
        }
    )
    return sends, bookings


def send_log(sends: pd.DataFrame, bookings: pd.DataFrame) -> SendLog:
    """The reference: every send coded at once, as one batch."""
    return code_sends([in_send_order(sends)], Bookers(bookings))[0]


def assert_same_bits(left: SendLog, right: SendLog) -> None:
    for field in dataclasses.fields(SendLog):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, dict):
            assert a.keys() == b.keys(), field.name
            for name in a:
                assert a[name].dtype == b[name].dtype, name
                assert a[name].tobytes() == b[name].tobytes(), name
        elif isinstance(a, np.ndarray) and a.dtype == object:
            assert a.tolist() == b.tolist(), field.name
        elif isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, field.name
            assert a.tobytes() == b.tobytes(), field.name
        else:
            assert a == b, field.name


@pytest.mark.parametrize("rows", [13, 64, 999, 5_000, 10_000])
def test_sends_coded_in_batches_are_the_bits_of_the_whole_frame(rows: int) -> None:
    """Whatever the batches' size, the coded arrays are those of the whole frame coded
    at once: customers numbered in the order of their ids, bookings matched across
    batches, the same seasons; the deferred input counts every row read."""
    sends, bookings = sends_world()
    whole = send_log(sends, bookings)
    deferred = DeferredInput("campaigns.campaign_sends", lambda: sends)

    log, latest = code_sends(deferred.batches(rows=rows), Bookers(bookings))

    assert_same_bits(log, whole)
    assert deferred.rows == len(sends)
    assert max(latest) == sends["sent_at"].max()
    assert len(latest) == -(-len(sends) // rows)


def test_the_whole_frames_coding_finds_what_the_world_holds() -> None:
    """The reference itself is right: sorted customer ids, seasons from 2020-21, a
    booking within seven days after a send is an action on it, one booked later is not."""
    sends, bookings = sends_world()
    log = send_log(sends, bookings)

    assert log.customers.tolist() == sorted(set(sends["customer_id"]))
    assert log.customers[log.customer].tolist() == sends["customer_id"].tolist()
    assert (log.first_year, log.n_seasons) == (2020, 4)
    engaged = (sends["clicks_count"] > 0) | (sends["opens_count"] >= 2)
    booked = log.action.astype(bool) & ~engaged.to_numpy()
    assert booked.any()
    for at in np.flatnonzero(booked)[:20]:
        who, when = sends["customer_id"].iloc[at], sends["sent_at"].iloc[at]
        theirs = bookings.loc[bookings["customer_id"] == who, "created_at"]
        assert ((theirs >= when) & (theirs <= when + pd.Timedelta(days=7))).any()
    unbooked = ~log.action.astype(bool)
    for at in np.flatnonzero(unbooked)[:200]:
        who, when = sends["customer_id"].iloc[at], sends["sent_at"].iloc[at]
        theirs = bookings.loc[bookings["customer_id"] == who, "created_at"]
        assert not ((theirs >= when) & (theirs <= when + pd.Timedelta(days=7))).any()


def test_a_batch_with_an_unknown_setting_names_the_product() -> None:
    sends, bookings = sends_world(n=300)
    sends.loc[250, "main_highlight"] = "HOLOGRAM"
    with pytest.raises(ValueError, match="campaign_appetence: unknown campaign setting value"):
        code_sends((sends[i : i + 100] for i in range(0, 300, 100)), Bookers(bookings))


def test_no_send_codes_an_empty_base() -> None:
    _, bookings = sends_world(n=1_000)
    log, latest = code_sends(iter(()), Bookers(bookings))
    assert (log.rows, log.customers.size, log.n_seasons, latest) == (0, 0, 0, [])


def test_the_product_reads_its_sends_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's deferred sends are never read whole: the product asks for batches
    of :data:`SEND_BATCH_ROWS`, and its learning base is that of the whole frame."""
    sends, bookings = sends_world(n=2_000)
    monkeypatch.setattr(appetence, "SEND_BATCH_ROWS", 300)
    asked: list[int] = []
    deferred = deferred_in_batches("campaigns.campaign_sends", sends, asked)
    log, today = appetence._learning_base(deferred, bookings)

    assert asked == [300]
    assert_same_bits(log, send_log(sends, bookings))
    assert today == max(sends["sent_at"].max(), bookings["created_at"].max())
