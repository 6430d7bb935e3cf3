"""Campaign appetence's customer history and household sends, counted as integers a
season (or a batch of sends) at a time: the same bits as sums of unit weights over
every send at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python import campaign_appetence as appetence
from domains.customer_intelligence.python._household_rfm import rfm_by_customer
from domains.customer_intelligence.python._models import label_year, logit
from domains.customer_intelligence.python._send_history import (
    CUSTOMER_PRIOR_WEIGHT,
    VALUE_PRIOR_WEIGHT,
    customer_history,
)
from domains.customer_intelligence.python._send_log import PROGRAMMES, SETTINGS, SendLog
from tests.domains.test_send_log import send_log, sends_world


@pytest.fixture(scope="module")
def log() -> SendLog:
    return send_log(*sends_world())


def _weighted(log: SendLog, hit: np.ndarray, eligible: np.ndarray, as_of: int) -> dict:
    """The history of one signal as unit weights summed over every send at once."""
    customers, width = log.customers.size, log.n_seasons + 1
    cell = log.customer.astype(np.int64) * width + log.season + 1
    weight = eligible.astype(np.float64)
    hits = (hit * eligible).astype(np.float64)

    def per_cell(w: np.ndarray) -> np.ndarray:
        counted = np.bincount(cell, weights=w, minlength=customers * width)
        return counted.reshape(customers, width).cumsum(axis=1)

    sends = per_cell(weight)
    base = float(hits.sum() / max(weight.sum(), 1.0))
    prior = (per_cell(hits) + CUSTOMER_PRIOR_WEIGHT * base) / (sends + CUSTOMER_PRIOR_WEIGHT)
    before = log.season < as_of
    lifts = {}
    for name, values in {**SETTINGS, "cycle": PROGRAMMES}.items():
        index = log.customer.astype(np.int64) * len(values) + log.codes[name]
        size = customers * len(values)
        count = np.bincount(index[before], weights=weight[before], minlength=size)
        won = np.bincount(index[before], weights=hits[before], minlength=size)
        own = prior[:, as_of, None]
        rate = (won.reshape(customers, -1) + VALUE_PRIOR_WEIGHT * own) / (
            count.reshape(customers, -1) + VALUE_PRIOR_WEIGHT
        )
        lifts[name] = logit(rate) - logit(np.broadcast_to(own, rate.shape))
    return {"sends": sends, "prior": prior, "value_lift": lifts}


@pytest.mark.parametrize("as_of", [1, 2, None])
def test_the_history_counted_per_season_is_the_bits_of_unit_weights(
    log: SendLog, as_of: int | None
) -> None:
    history = customer_history(log, as_of=as_of)
    at = log.n_seasons if as_of is None else as_of
    email = log.channel == 0
    for signal, hit, eligible in (
        (history.action, log.action, np.ones(log.rows, dtype=bool)),
        (history.open, log.opened, email),
    ):
        expected = _weighted(log, hit, eligible, at)
        assert signal.sends.dtype == np.int32  # counts, held in 32 bits
        assert signal.sends.astype(np.float64).tobytes() == expected["sends"].tobytes()
        assert signal.prior.tobytes() == expected["prior"].tobytes()
        for name, lift in expected["value_lift"].items():
            assert signal.value_lift[name].tobytes() == lift.tobytes(), name
    assert 0 < history.action.sends[:, -1].sum() == log.rows
    assert history.open.sends[:, -1].sum() == email.sum() < log.rows


def test_the_per_value_lifts_kept_for_some_customers_are_theirs_and_only_theirs(
    log: SendLog,
) -> None:
    whole = customer_history(log, as_of=2)
    valued = np.flatnonzero(np.arange(log.customers.size) % 3 == 1)[::-1]  # any order
    assert 0 < valued.size < log.customers.size
    some = customer_history(log, as_of=2, valued=valued)
    rows = np.sort(valued)
    for full, kept in ((whole.action, some.action), (whole.open, some.open)):
        assert kept.prior.tobytes() == full.prior.tobytes()
        for name, lift in full.value_lift.items():
            assert kept.value_lift[name].shape == (rows.size, lift.shape[1])
            assert kept.value_lift[name].tobytes() == lift[rows].tobytes(), name
    customer = np.repeat(valued, 2)
    codes = {k: np.resize(np.arange(len(v)), customer.size) for k, v in SETTINGS.items()}
    codes["cycle"] = np.resize(np.arange(len(PROGRAMMES)), customer.size)
    asked, expected = some.value_lifts(customer, codes), whole.value_lifts(customer, codes)
    assert all(asked[k].tobytes() == expected[k].tobytes() for k in expected)
    # kept through ``keeping``, and a customer left out is refused, never read as another
    assert some.keeping(some.kept[:3]).value_lifts(customer, codes).keys() == expected.keys()
    with pytest.raises(ValueError, match="per-value lifts the history did not keep"):
        some.value_lifts(np.array([valued[0], 0]), {k: v[:2] for k, v in codes.items()})


@pytest.mark.parametrize("as_of", [1, 2, None])
@pytest.mark.parametrize("some", [False, True])
def test_per_value_lifts_counted_after_the_fit_are_the_bits_of_one_pass(
    log: SendLog, as_of: int | None, some: bool
) -> None:
    """A history built without per-value lifts (as a model is fitted on), then valued,
    is the history built with them: the same lifts, bit for bit, and the same priors,
    counts and own lifts of its kept sends."""
    kept = np.flatnonzero(np.arange(log.rows) % 5 == 2)
    valued = np.flatnonzero(np.arange(log.customers.size) % 4 == 1)[::-1] if some else None
    whole = customer_history(log, kept=kept, as_of=as_of, valued=valued)
    bare = customer_history(log, kept=kept, as_of=as_of, valued=np.zeros(0, dtype=np.int64))
    assert all(v.shape[0] == 0 for v in bare.action.value_lift.values())
    with pytest.raises(ValueError, match="per-value lifts the history did not keep"):
        bare.value_lifts(
            np.array([0]), {k: np.zeros(1, dtype=np.int64) for k in bare.action.value_lift}
        )
    valued_later = bare.valuing(log, valued)
    assert valued_later.valued.tolist() == whole.valued.tolist()
    assert valued_later.kept.tolist() == whole.kept.tolist()
    for later, once in ((valued_later.action, whole.action), (valued_later.open, whole.open)):
        assert later.prior.tobytes() == once.prior.tobytes()
        assert later.sends.tobytes() == once.sends.tobytes()
        assert later.value_lift.keys() == once.value_lift.keys()
        for name, lift in once.value_lift.items():
            assert lift.shape[0] == (log.customers.size if valued is None else valued.size)
            assert later.value_lift[name].tobytes() == lift.tobytes(), name
            assert later.send_lift[name].tobytes() == once.send_lift[name].tobytes(), name


@pytest.mark.parametrize("batch", [7, 1_000, 10_000_000])
def test_household_sends_counted_a_batch_at_a_time_are_the_grouped_sends(
    log: SendLog, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(appetence, "SEND_BATCH_ROWS", batch)
    # every third customer without a household; households of one to three customers
    known = np.arange(log.customers.size) % 3 != 0
    household = pd.Series(
        np.where(known, [f"HH{i // 2:05d}" for i in range(log.customers.size)], None)
    )

    counted = appetence._household_sends(log, household)

    sends = pd.DataFrame(
        {
            "household_id": household.to_numpy()[log.customer],
            "year": log.first_year + log.season.astype(np.int64),
            "action": log.action.astype(np.int64),
        }
    ).dropna(subset=["household_id"])
    expected = (
        sends.groupby(["household_id", "year"], sort=True)
        .agg(sends=("action", "size"), actions=("action", "sum"))
        .reset_index()
    )
    pd.testing.assert_frame_equal(counted, expected, check_dtype=False)
    assert counted["sends"].sum() == known[log.customer].sum()


def test_each_customer_takes_its_households_rfm_of_each_season() -> None:
    """Per household filled, then taken by customer: the same array as joining every
    customer to its household's seasons; customers without a household or whose
    household has no segment, and seasons outside the window, stay zero."""
    seasons = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]
    rng = np.random.default_rng(3)
    households = [f"HH{i:03d}" for i in range(40)]
    segments = pd.DataFrame(
        [
            {
                "household_id": h,
                "season": season,
                "segment_rank": int(rng.integers(1, 7)),
                "frequency_seasons": int(rng.integers(1, 6)),
                "recency_seasons": int(rng.integers(0, 5)),
                "amount_eur": float(rng.normal(800, 900)),  # some negative: clipped
            }
            for h in households[:30]  # ten households never segmented
            for season in seasons
            if rng.random() < 0.7
        ]
    )
    customers = np.array([f"CU{i:04d}" for i in range(100)], dtype=object)
    household_of = pd.Series(
        [households[i % 40] for i in range(90)], index=customers[:90]
    )  # ten customers without a household

    held = rfm_by_customer(segments, household_of, customers, first_year=2020, width=4)
    assert held.measures.shape == (31, 4, 4)  # once per household segmented, and the zeros
    code, slot = np.repeat(np.arange(100), 4), np.tile(np.arange(4), 100)
    rfm = held.at(code, slot).reshape(100, 4, 4)

    expected = np.zeros((100, 4, 4))
    frame = pd.DataFrame({"customer_id": customers, "code": np.arange(100)})
    frame["household_id"] = frame["customer_id"].map(household_of)
    seg = segments.assign(slot=label_year(segments["season"]) - 2020 + 1)
    joined = frame.merge(seg[(seg["slot"] >= 0) & (seg["slot"] < 4)], on="household_id")
    expected[joined["code"].to_numpy(), joined["slot"].to_numpy()] = np.column_stack(
        [
            joined["segment_rank"].to_numpy(float),
            joined["frequency_seasons"].to_numpy(float),
            joined["recency_seasons"].to_numpy(float),
            np.log1p(joined["amount_eur"].to_numpy(float).clip(min=0)),
        ]
    )
    assert rfm.tobytes() == expected.tobytes()
    assert (rfm[90:] == 0).all()  # no household
    assert (rfm[30:40] == 0).all()  # a household never segmented
    assert (rfm[:30, 1:] != 0).any()
    assert (rfm[:, :, 3] >= 0).all()
    assert held.at(np.array([5, 95, 5]), 2).tobytes() == rfm[[5, 95, 5], 2].tobytes()
    none = rfm_by_customer(segments[:0], household_of, customers, first_year=2020, width=4)
    assert none.at(code, slot).tobytes() == np.zeros((400, 4)).tobytes()
