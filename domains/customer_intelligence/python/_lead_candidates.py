"""Lead scoring's candidate (customer, village) pairs for a season, with their features,
built a block of customers at a time.

Not a product (see the package): the machinery of ``lead_scores``. At the large scale a
season's candidates are tens of millions of pairs by some twenty columns, gigabytes
when held whole. Every feature of a pair depends on its own customer's signals, and on
the season's village popularity only. So :class:`SeasonCandidates` works out once what
the season shares (who is active at the cutoff, the villages' popularity, each signal
up to the cutoff with its rows sorted by block of customers) and then builds the
candidates of one block of customers at a time, the customers in order: the blocks put
one after the other are the candidates of the whole season, row for row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from domains.customer_intelligence.python._lead_signals import (
    LEAD_FEATURES,
    LEAD_POPULAR_CANDIDATES,
    LeadEvents,
    count_by,
    join_left,
)
from domains.customer_intelligence.python._models import season_start_year

LEAD_BLOCK_CUSTOMERS = 100_000
"""Customers whose candidates are built at once: about a million pairs, a few hundred
megabytes with their features."""

CANDIDATE_COLUMNS = ("customer_id", "village_id", *LEAD_FEATURES, "booked")

_NOT_COUNTS = (
    "seasons_since_stay_here",
    "mean_booking_amount",
    "type_affinity",
    "village_popularity",
    "recency_seasons",
)
"""The features worked out from others, or with a default of their own."""
_COUNTS = [
    *(name for name in LEAD_FEATURES if name not in _NOT_COUNTS),
    "typed_signals",
    "all_signals",
]
"""Counts and the RFM segment's measures (zero when missing), and the type affinity's
two counts."""


class SeasonCandidates:
    """Candidate (customer, village) pairs for a season, with the features known at
    ``cutoff`` and, when the season is over, the outcome ``booked``.

    Candidates: every customer with a purchase, a booking or an identified session in
    the five years before ``cutoff``; for each, the villages of their past stays,
    sessions and sales calls of the past year, and the most booked villages of the
    last season complete at ``cutoff`` (plus the web favourite village when
    ``operating`` is given, i.e. when scoring, which keeps the operating villages only).

    :meth:`frames` builds them ``block_customers`` customers at a time (by default
    :data:`LEAD_BLOCK_CUSTOMERS`), ordered by customer then village; :attr:`rows` counts
    them, building the pairs only.
    """

    def __init__(
        self,
        ev: LeadEvents,
        season_year: int,
        cutoff: pd.Timestamp,
        operating: set[str] | None,
        *,
        block_customers: int | None = None,
    ) -> None:
        if block_customers is None:
            block_customers = LEAD_BLOCK_CUSTOMERS
        if block_customers < 1:
            raise ValueError(
                "customer_intelligence.lead_scores: candidates are built for at least one "
                f"customer at a time, not {block_customers}"
            )
        self.season_year = season_year
        self._operating = operating
        self._village_type = ev.village_type
        five_years = cutoff - pd.DateOffset(years=5)
        year = cutoff - pd.DateOffset(years=1)
        stays = ev.stays
        past = (stays["created_at"] < cutoff) & (stays["season_year"] < season_year)
        history = stays[past]
        before = ev.sessions["at"] < cutoff
        active = pd.concat(
            [
                ev.purchases.loc[
                    ev.purchases["at"].between(five_years, cutoff, "left"), "customer_id"
                ],
                stays.loc[stays["created_at"].between(five_years, cutoff, "left"), "customer_id"],
                ev.sessions.loc[before & (ev.sessions["at"] >= five_years), "customer_id"],
            ]
        ).unique()
        # popularity: shares of the stays of the last season complete at the cutoff
        complete = min(season_year, int(season_start_year(pd.Series([cutoff]))[0])) - 1
        popularity = history.loc[history["season_year"] == complete, "village_id"].value_counts(
            normalize=True
        )
        del history
        self._popularity = popularity
        popular = popularity.sort_index().sort_values(ascending=False, kind="stable")
        self._top = np.array(list(popular.index[:LEAD_POPULAR_CANDIDATES]), dtype=object)
        self._quarter = cutoff - pd.Timedelta(days=90)
        self._year = year
        segments = ev.segments
        # each signal's rows up to the cutoff: the events' own frames and the positions of
        # those rows (never a copy of the rows: several seasons are held at once)
        signals: dict[str, tuple[pd.DataFrame, pd.Series | np.ndarray, list[str] | None]] = {
            "history": (stays, past, None),
            "year_web": (ev.sessions, before & (ev.sessions["at"] >= year), None),
            "year_calls": (
                ev.sales_calls,
                ev.sales_calls["at"].between(year, cutoff, "left"),
                None,
            ),
            "clicks": (ev.clicks, ev.clicks["at"] < cutoff, None),
            "segment": (
                segments,
                segments["season_year"] == season_year - 1,
                [c for c in segments.columns if c != "season_year"],
            ),
            "booked": (stays, stays["season_year"] == season_year, ["customer_id", "village_id"]),
        }
        if operating is not None:
            signals["favourite"] = (ev.favourite, np.ones(len(ev.favourite), dtype=bool), None)
        # the active customers in the order the candidates are sorted in, cut into blocks
        customers = pd.Index(np.sort(np.asarray(active, dtype=object)))
        self._blocks = [
            customers[start : start + block_customers]
            for start in range(0, len(customers), block_customers)
        ]
        self._signals = {
            name: _Signal.of(frame, _kept(rows), columns, customers, block_customers)
            for name, (frame, rows, columns) in signals.items()
        }
        self._rows: int | None = None

    @property
    def rows(self) -> int:
        """How many candidates the season has (counted once, from the pairs alone)."""
        if self._rows is None:
            self._rows = sum(len(self._pairs(block)) for block in range(len(self._blocks)))
        return self._rows

    def frames(self) -> Iterator[pd.DataFrame]:
        """The candidates with their features (:data:`CANDIDATE_COLUMNS`), a block of
        customers at a time, in order; one empty frame when no customer is active."""
        if not self._blocks:
            yield pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
        for block in range(len(self._blocks)):
            yield self._features(block)

    def _signal(self, name: str, block: int) -> pd.DataFrame:
        return self._signals[name].block(block)

    def _pairs(self, block: int) -> pd.DataFrame:
        """The block's candidate pairs, sorted by customer then village."""
        customers = self._blocks[block].to_numpy()
        history = self._signal("history", block)
        year_web = self._signal("year_web", block)
        signals = [
            history[["customer_id", "village_id"]],
            year_web.loc[year_web["village_id"].notna(), ["customer_id", "village_id"]],
            self._signal("year_calls", block)[["customer_id", "village_id"]],
            pd.DataFrame(
                {
                    "customer_id": np.repeat(customers, self._top.size),
                    "village_id": np.tile(self._top, customers.size),
                }
            ),
        ]
        if self._operating is not None:
            signals.append(self._signal("favourite", block))
        # every signal's rows are of the block's active customers (see _rows_by_block)
        pairs = pd.concat(signals, ignore_index=True).astype(str).drop_duplicates()
        if self._operating is not None:
            pairs = pairs[pairs["village_id"].isin(self._operating)]
        return pairs.sort_values(["customer_id", "village_id"], ignore_index=True)

    def _features(self, block: int) -> pd.DataFrame:
        pairs = self._pairs(block)
        history = self._signal("history", block)
        year_web = self._signal("year_web", block)
        year_calls = self._signal("year_calls", block)
        here = history.groupby(["customer_id", "village_id"], as_index=False).agg(
            stays_here=("season_year", "size"), last_here=("season_year", "max")
        )
        per_customer = history.groupby("customer_id", as_index=False).agg(
            stays=("season_year", "size"),
            seasons_with_stay=("season_year", "nunique"),
            mean_booking_amount=("amount_eur", "mean"),
        )
        web_here = year_web.dropna(subset=["village_id"])
        sessions_here = count_by(web_here, ["customer_id", "village_id"], "sessions_here")
        searches_here = count_by(
            web_here[web_here["dated_search"]], ["customer_id", "village_id"], "searches_here"
        )
        sessions = count_by(year_web, ["customer_id"], "sessions")
        calls_here = count_by(year_calls, ["customer_id", "village_id"], "sales_calls_here")
        clicks = self._signal("clicks", block)
        clicks_90 = count_by(clicks[clicks["at"] >= self._quarter], ["customer_id"], "clicks_90d")
        clicks_365 = count_by(clicks[clicks["at"] >= self._year], ["customer_id"], "clicks_365d")
        # type affinity: the customer's past stays and village sessions on villages of this
        # village's type, smoothed towards one half
        typed = pd.concat(
            [history[["customer_id", "village_id"]], web_here[["customer_id", "village_id"]]]
        )
        typed = typed.assign(village_type=typed["village_id"].map(self._village_type))
        by_type = count_by(typed, ["customer_id", "village_type"], "typed_signals")
        all_typed = count_by(typed, ["customer_id"], "all_signals")

        frame = pairs.assign(village_type=pairs["village_id"].map(self._village_type))
        for extra, keys in (
            (here, ["customer_id", "village_id"]),
            (per_customer, ["customer_id"]),
            (sessions_here, ["customer_id", "village_id"]),
            (searches_here, ["customer_id", "village_id"]),
            (sessions, ["customer_id"]),
            (calls_here, ["customer_id", "village_id"]),
            (clicks_90, ["customer_id"]),
            (clicks_365, ["customer_id"]),
            (by_type, ["customer_id", "village_type"]),
            (all_typed, ["customer_id"]),
            (self._signal("segment", block), ["customer_id"]),
        ):
            frame = join_left(frame, extra, keys)
        frame[_COUNTS] = frame[_COUNTS].fillna(0).astype(float)
        frame["recency_seasons"] = frame["recency_seasons"].fillna(5).astype(float)
        since = (self.season_year - frame["last_here"]).fillna(6).clip(upper=6)
        frame["seasons_since_stay_here"] = since.astype(float)  # one dtype in every block
        frame["mean_booking_amount"] = frame["mean_booking_amount"].fillna(0.0)
        frame["type_affinity"] = (frame["typed_signals"] + 0.5) / (frame["all_signals"] + 1.0)
        frame["village_popularity"] = frame["village_id"].map(self._popularity).fillna(0.0)
        booked = self._signal("booked", block).drop_duplicates().assign(booked=1)
        frame = join_left(frame, booked, ["customer_id", "village_id"])
        frame["booked"] = frame["booked"].fillna(0).astype(np.int8)
        return frame[list(CANDIDATE_COLUMNS)]


@dataclass(frozen=True)
class _Signal:
    """A signal of a season: rows of one of the events' frames (positions, for each block
    of customers), and its columns (``None``: all of them)."""

    frame: pd.DataFrame
    rows: list[np.ndarray]
    columns: np.ndarray | None

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        kept: np.ndarray,
        columns: list[str] | None,
        customers: pd.Index,
        size: int,
    ) -> _Signal:
        """The rows of ``frame`` where ``kept``, by block: what the kept rows, as a frame
        of their own, give through :func:`_rows_by_block`."""
        positions = np.flatnonzero(kept)
        by_block = _rows_by_block(
            pd.Series(frame["customer_id"].to_numpy()[positions], dtype=object), customers, size
        )
        return cls(
            frame=frame,
            rows=[positions[rows] for rows in by_block],
            columns=None if columns is None else frame.columns.get_indexer(pd.Index(columns)),
        )

    def block(self, block: int) -> pd.DataFrame:
        """The block's rows, in the frame's order, with the signal's columns."""
        if self.columns is None:
            return self.frame.iloc[self.rows[block]]
        return self.frame.iloc[self.rows[block], self.columns]


def _kept(rows: pd.Series | np.ndarray) -> np.ndarray:
    """A filter's rows as booleans, a missing answer not kept (as a frame's filter)."""
    if isinstance(rows, pd.Series):
        return rows.to_numpy(dtype=bool, na_value=False)
    return rows


def _rows_by_block(customer: pd.Series, customers: pd.Index, size: int) -> list[np.ndarray]:
    """Each block's rows of a signal (positions, in the signal's order): the rows whose
    customer is among the block's ``size`` customers of ``customers``; the rows of a
    customer who is not active are in no block."""
    blocks = -(-len(customers) // size)
    at = customers.get_indexer(pd.Index(customer, copy=False))
    block = np.where(at >= 0, at // size, blocks)
    order = np.argsort(block, kind="stable")
    bounds = np.searchsorted(block[order], np.arange(blocks + 1))
    return [order[bounds[b] : bounds[b + 1]] for b in range(blocks)]


def customer_numbers(customer: np.ndarray, first: int) -> np.ndarray:
    """Each row's customer numbered in order from ``first``, for rows sorted by customer
    (equal numbers for one customer; what ``np.unique``'s inverse gives the sorted ids)."""
    if customer.size == 0:
        return np.empty(0, dtype=np.int64)
    new = np.empty(customer.size, dtype=bool)
    new[0] = True
    np.not_equal(customer[1:], customer[:-1], out=new[1:])
    return first + np.cumsum(new) - 1
