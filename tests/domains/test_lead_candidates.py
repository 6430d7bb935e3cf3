"""Lead scoring's candidates built a block of customers at a time are the season's
candidates row for row, whatever the block; the product publishes the same rows and
metrics with blocks of a handful of customers as with one block, and with its inputs
read one at a time as with them all given at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.customer_intelligence.python import _lead_candidates
from domains.customer_intelligence.python._calibration import calibrate
from domains.customer_intelligence.python._lead_candidates import (
    CANDIDATE_COLUMNS,
    SeasonCandidates,
    customer_numbers,
)
from domains.customer_intelligence.python._lead_signals import (
    LEAD_FEATURES,
    LeadEvents,
    lead_events,
)
from domains.customer_intelligence.python._models import season_start
from domains.customer_intelligence.python.lead_scores import (
    held_out,
    lead_scores,
    training_sample,
)
from mesh_platform.products.python import ProductOutput
from tests.domains.test_customer_intelligence import (
    TODAY,
    VILLAGES,
    customer,
    lead_arguments,
    lead_world,
)
from tests.support.products import ReadOnce

ONE_BLOCK = 1_000_000
"""More customers than the lead world has: its season in one block."""


@pytest.fixture(scope="module")
def events() -> LeadEvents:
    arguments = lead_arguments(lead_world())
    del arguments["consent"]
    return lead_events(**arguments)


SEASONS = {
    "a past season, with its outcome": (2022, season_start(2022), None),
    "today's season, scored on the operating villages": (2024, TODAY, set(VILLAGES[:4])),
}


def whole(candidates: SeasonCandidates) -> pd.DataFrame:
    return pd.concat(list(candidates.frames()), ignore_index=True)


@pytest.mark.parametrize("season", SEASONS.values(), ids=SEASONS.keys())
@pytest.mark.parametrize("block", [5, 16, 1000])
def test_the_blocks_put_together_are_the_season_in_one_block(
    events: LeadEvents, season: tuple, block: int
) -> None:
    one = whole(SeasonCandidates(events, *season, block_customers=ONE_BLOCK))
    candidates = SeasonCandidates(events, *season, block_customers=block)
    frames = list(candidates.frames())

    assert len(one) > 200
    assert list(one.columns) == list(CANDIDATE_COLUMNS)
    assert len(frames) == -(-one["customer_id"].nunique() // block)
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), one)
    assert candidates.rows == len(one)
    for frame in frames:  # a block holds its customers whole, at most ``block`` of them
        assert frame["customer_id"].nunique() <= block
    ordered = one.sort_values(["customer_id", "village_id"], ignore_index=True)
    pd.testing.assert_frame_equal(one, ordered)
    if season[2] is not None:
        assert one["village_id"].isin(season[2]).all()


def test_the_features_of_a_loyal_customer(events: LeadEvents) -> None:
    """Customer 3 stayed in its village most past seasons: the pair holds them."""
    frame = whole(SeasonCandidates(events, 2024, TODAY, None, block_customers=5))
    loyal = frame[(frame["customer_id"] == customer(3)) & (frame["village_id"] == VILLAGES[1])]
    assert len(loyal) == 1
    row = loyal.iloc[0]
    assert row["stays_here"] == row["stays"] >= 3
    assert row["searches_here"] == 1
    assert row["sessions_here"] == 1
    assert row["seasons_since_stay_here"] >= 1
    assert frame[list(LEAD_FEATURES)].notna().all(axis=None)


def test_the_training_sample_of_blocks_is_the_rows_of_the_concatenation(events: LeadEvents) -> None:
    seasons = [
        SeasonCandidates(events, year, season_start(year), None, block_customers=9)
        for year in (2021, 2022)
    ]
    together = pd.concat([whole(s) for s in seasons], ignore_index=True)
    rows = np.sort(np.random.default_rng(1).choice(len(together), size=150, replace=False))

    x, y = training_sample(seasons, rows)

    np.testing.assert_array_equal(x, together.iloc[rows][list(LEAD_FEATURES)].to_numpy(float))
    np.testing.assert_array_equal(y, together["booked"].to_numpy()[rows])


def test_a_training_row_beyond_the_candidates_is_an_error(events: LeadEvents) -> None:
    season = SeasonCandidates(events, 2022, season_start(2022), None, block_customers=50)
    with pytest.raises(RuntimeError, match=r"lead_scores: 1 training rows .* 0 were found"):
        training_sample([season], np.array([season.rows]))


def test_customers_are_numbered_in_their_order() -> None:
    ids = np.array(["CU1", "CU1", "CU2", "CU7", "CU7", "CU7"], dtype=object)
    np.testing.assert_array_equal(customer_numbers(ids, 3), [3, 3, 4, 5, 5, 5])
    assert customer_numbers(np.array([], dtype=object), 5).size == 0


def test_numbered_customers_give_the_calibration_of_their_ids(events: LeadEvents) -> None:
    """What :func:`held_out` numbers (the inverse of the sorted ids) calibrates as the
    ids themselves: the same customers in each half."""
    season = SeasonCandidates(events, 2022, season_start(2022), None)
    ids = whole(season)["customer_id"].to_numpy()
    numbers = np.unique(ids, return_inverse=True)[1]
    rng = np.random.default_rng(2)
    odds, booked = rng.normal(size=ids.size), (rng.random(ids.size) < 0.3).astype(np.int8)
    by_id = calibrate(odds, booked, ids, np.random.default_rng(5), 5)
    by_number = calibrate(odds, booked, numbers, np.random.default_rng(5), 5)
    assert by_number[1] == by_id[1]
    np.testing.assert_array_equal(by_number[0](odds), by_id[0](odds))


def test_held_out_numbers_the_customers_of_every_block(events: LeadEvents) -> None:
    class Model:  # the log-odds of a row: its first feature
        def decision_function(self, x: np.ndarray) -> np.ndarray:
            return x[:, 0]

    season = SeasonCandidates(events, 2022, season_start(2022), None, block_customers=12)
    one = whole(season)
    held = held_out(Model(), season)
    np.testing.assert_array_equal(held.log_odds, one[LEAD_FEATURES[0]].to_numpy(float))
    np.testing.assert_array_equal(held.booked, one["booked"].to_numpy())
    inverse = np.unique(one["customer_id"].to_numpy(), return_inverse=True)[1]
    np.testing.assert_array_equal(held.customer, inverse)


@pytest.mark.parametrize("season", SEASONS.values(), ids=SEASONS.keys())
def test_a_season_holds_positions_in_the_events_never_a_copy(
    events: LeadEvents, season: tuple
) -> None:
    """Each signal of a block is the rows the season's filter keeps of an event frame,
    as a frame of their own cut by block would give them (index, columns, order); the
    season holds the events' own frames and integer positions only."""
    year, cutoff, operating = season
    candidates = SeasonCandidates(events, year, cutoff, operating, block_customers=7)
    stays, sessions = events.stays, events.sessions
    past_web = sessions[sessions["at"] < cutoff]
    filtered = {
        "history": stays[(stays["created_at"] < cutoff) & (stays["season_year"] < year)],
        "year_web": past_web[past_web["at"] >= cutoff - pd.DateOffset(years=1)],
        "year_calls": events.sales_calls[
            events.sales_calls["at"].between(cutoff - pd.DateOffset(years=1), cutoff, "left")
        ],
        "clicks": events.clicks[events.clicks["at"] < cutoff],
        "segment": events.segments[events.segments["season_year"] == year - 1].drop(
            columns="season_year"
        ),
        "booked": stays.loc[stays["season_year"] == year, ["customer_id", "village_id"]],
    }
    if operating is not None:
        filtered["favourite"] = events.favourite
    assert sum(len(rows) > 0 for rows in filtered.values()) >= 2  # the test compares rows
    frames = {id(getattr(events, name)) for name in vars(events) if name != "latest"}
    assert set(candidates._signals) == set(filtered)
    for name, rows in filtered.items():
        signal = candidates._signals[name]
        assert id(signal.frame) in frames, name  # the events' frame, not a copy
        assert all(r.dtype.kind == "i" for r in signal.rows), name
        blocks = [signal.block(b) for b in range(len(candidates._blocks))]
        customers = pd.Index(np.concatenate([b.to_numpy() for b in candidates._blocks]))
        active = rows[rows["customer_id"].isin(customers)]
        block_of = customers.get_indexer(active["customer_id"]) // 7
        for b, frame in enumerate(blocks):
            pd.testing.assert_frame_equal(frame, active[block_of == b], obj=f"{name} {b}")


def test_a_season_without_active_customers_is_one_empty_frame(events: LeadEvents) -> None:
    season = SeasonCandidates(events, 2000, season_start(2000), None)
    frames = list(season.frames())
    assert season.rows == 0
    assert len(frames) == 1
    assert frames[0].empty
    assert list(frames[0].columns) == list(CANDIDATE_COLUMNS)


def test_a_block_of_no_customer_is_refused(events: LeadEvents) -> None:
    with pytest.raises(ValueError, match=r"lead_scores: .* at least one customer.*not 0"):
        SeasonCandidates(events, 2022, season_start(2022), None, block_customers=0)


def test_lead_scores_publish_the_same_with_blocks_of_a_few_customers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arguments = lead_arguments(lead_world())
    default = lead_scores(**arguments)
    monkeypatch.setattr(_lead_candidates, "LEAD_BLOCK_CUSTOMERS", 16)
    small = lead_scores(**arguments)

    assert isinstance(default, ProductOutput)
    assert isinstance(small, ProductOutput)
    pd.testing.assert_frame_equal(small.frame, default.frame)
    assert small.metadata == default.metadata
    assert default.frame["customer_id"].nunique() > 16 * 8  # many blocks


def test_lead_scores_hold_one_upstream_frame_at_a_time() -> None:
    """Every input declared deferred is read once, when no frame read before it is
    still held (but the RFM segments, joined to the households' members): the
    upstream frames are never held together. The scores and metadata are those of the
    frames given at once."""
    arguments = lead_arguments(lead_world())
    given = lead_scores(**arguments)
    inputs = ReadOnce(lead_scores, arguments, {"members": {"segments"}})
    result = lead_scores(**inputs.arguments)

    assert set(lead_scores.deferred) == set(arguments) - {"villages"}
    assert set(inputs.read) == set(lead_scores.deferred)
    assert isinstance(given, ProductOutput)
    assert isinstance(result, ProductOutput)
    pd.testing.assert_frame_equal(result.frame, given.frame)
    assert result.metadata == given.metadata
