"""The signals lead scoring learns from, and its candidate (customer, village) pairs.

Not a product (see the package): the machinery of ``lead_scores``. :func:`lead_events`
gathers the dated signals once (the candidate pairs of a season, with the features
known at a cutoff, are built from them in ``_lead_candidates``); :func:`maturity` says
how close a scored pair is to a booking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from domains.customer_intelligence.python._models import (
    Frame,
    label_year,
    latest_moment,
    season_start_year,
    utc,
)
from mesh_platform.products.python import read_input

LEAD_POPULAR_CANDIDATES = 5
"""Most booked villages of the last complete season added to every customer's
candidates."""
LEAD_FEATURES = (
    "stays_here",
    "seasons_since_stay_here",
    "stays",
    "seasons_with_stay",
    "mean_booking_amount",
    "sessions_here",
    "searches_here",
    "sessions",
    "sales_calls_here",
    "clicks_90d",
    "clicks_365d",
    "type_affinity",
    "village_popularity",
    "segment_rank",
    "frequency_seasons",
    "recency_seasons",
    "amount_log",
)


@dataclass(frozen=True)
class ClickedSends:
    """What lead scoring keeps of the sends, read a batch at a time.

    Attributes:
        clicked: the clicked sends (``customer_id``, ``clicks_count``,
            ``last_clicked_at``), indexed by their position among every send, as the
            whole frame filtered would be.
        latest: each batch's latest send time, as read (for the data's "today").
    """

    clicked: pd.DataFrame
    latest: pd.Series


def clicked_sends(batches: Iterable[pd.DataFrame]) -> ClickedSends:
    """The clicked sends and the latest send times of ``batches`` of sends (their
    ``customer_id``, ``sent_at``, ``clicks_count`` and ``last_clicked_at``), one batch
    held at a time: the same rows, order and values as the whole frame filtered."""
    clicked: list[pd.DataFrame] = []
    latest: list[pd.Series] = []
    offset = 0
    for batch in batches:
        mask = (batch["clicks_count"] > 0).to_numpy()
        kept = batch.loc[mask, ["customer_id", "clicks_count", "last_clicked_at"]]
        kept.index = pd.Index(offset + np.flatnonzero(mask))
        clicked.append(kept)
        latest.append(latest_moment(batch["sent_at"]))  # none when every time is null
        offset += len(batch)
    if not clicked:
        return ClickedSends(
            pd.DataFrame(columns=["customer_id", "clicks_count", "last_clicked_at"]),
            pd.Series([], dtype="datetime64[us, UTC]"),
        )
    return ClickedSends(pd.concat(clicked), pd.concat(latest))


@dataclass(frozen=True)
class LeadEvents:
    """The dated signals lead scoring learns from, one small frame each."""

    stays: pd.DataFrame  # customer_id, village_id, created_at, season_year, amount_eur
    purchases: pd.DataFrame  # customer_id, at
    sessions: pd.DataFrame  # customer_id, village_id, at, dated_search
    sales_calls: pd.DataFrame  # customer_id, village_id, at
    clicks: pd.DataFrame  # customer_id, at
    village_type: pd.Series  # village_id -> type
    segments: pd.DataFrame  # customer_id, season_year, segment_rank, F, R, amount_log
    favourite: pd.DataFrame  # customer_id, village_id
    latest: tuple[pd.Series, ...] = ()
    """The latest booking, session and call times, as read (for the data's "today")."""

    def once_scored(self) -> LeadEvents:
        """The events today's scored rows still read: the stays (the expected revenue)
        and the sessions, calls and clicks (the maturity). The signals only the features
        read (purchases, segments, favourite villages) are let go: empty frames of the
        same columns, so a season's candidates can no longer be made from them."""
        return replace(
            self,
            purchases=self.purchases.iloc[:0].copy(),
            segments=self.segments.iloc[:0].copy(),
            favourite=self.favourite.iloc[:0].copy(),
        )


def lead_events(
    *,
    sales: Frame,
    bookings: Frame,
    sessions: Frame,
    affinities: Frame,
    calls: Frame,
    sends: pd.DataFrame,
    villages: pd.DataFrame,
    segments: Frame,
    members: Frame,
) -> LeadEvents:
    """The signals of the inputs. Each input given deferred is read here, one at a time,
    and let go once its few columns are taken: the upstream frames (gigabytes at the
    large scale) are never held together, nor beside the candidates."""
    stays, booked_latest = _stays(read_input(bookings))
    web, session_latest = _web(read_input(sessions))
    sales_calls, call_latest = _sales_calls(read_input(calls))
    clicked = sends[sends["clicks_count"] > 0]
    clicks = pd.DataFrame(
        {"customer_id": clicked["customer_id"].astype(str), "at": utc(clicked["last_clicked_at"])}
    )
    return LeadEvents(
        stays=stays,
        purchases=_purchases(read_input(sales)),
        sessions=web,
        sales_calls=sales_calls,
        clicks=clicks,
        village_type=villages.set_index("village_id")["village_type"].astype(str),
        segments=_segments(read_input(segments), read_input(members)),
        favourite=_favourite(read_input(affinities)),
        latest=(booked_latest, session_latest, call_latest),
    )


def _stays(bookings: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The bookings not cancelled, and the latest booking time."""
    kept = bookings[bookings["status"] != "cancelled"]
    stays = pd.DataFrame(
        {
            "customer_id": kept["customer_id"].astype(str),
            "village_id": kept["village_id"].astype(str),
            "created_at": utc(kept["created_at"]),
            "season_year": season_start_year(kept["arrival_date"]),
            "amount_eur": kept["amount_eur"].astype(float),
        }
    )
    return stays, latest_moment(bookings["created_at"])


def _purchases(sales: pd.DataFrame) -> pd.DataFrame:
    bought = sales[~sales["is_cancelled"].astype(bool)]
    return pd.DataFrame(
        {"customer_id": bought["payer_customer_id"].astype(str), "at": utc(bought["sale_date"])}
    )


def _web(sessions: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The identified sessions, and the latest session time (of every session)."""
    known = sessions[sessions["customer_id"].notna()]
    web = pd.DataFrame(
        {
            "customer_id": known["customer_id"].astype(str),
            "village_id": known["village_id"],
            "at": utc(known["started_at"]),
            "dated_search": known["searched_arrival_date"].notna(),
        }
    )
    return web, latest_moment(sessions["started_at"])


def _sales_calls(calls: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The sales calls about a village of an identified customer, and the latest call
    time (of every call)."""
    selling = calls[
        calls["customer_id"].notna() & calls["village_id"].notna() & (calls["call_type"] == "sales")
    ]
    sales_calls = pd.DataFrame(
        {
            "customer_id": selling["customer_id"].astype(str),
            "village_id": selling["village_id"].astype(str),
            "at": utc(selling["started_at"]),
        }
    )
    return sales_calls, latest_moment(calls["started_at"])


def _segments(segments: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Each customer's household RFM measures, by season."""
    household = members[["customer_id", "household_id"]].astype(str)
    seg = segments.assign(season_year=label_year(segments["season"])).merge(
        household, on="household_id"
    )
    return pd.DataFrame(
        {
            "customer_id": seg["customer_id"],
            "season_year": seg["season_year"],
            "segment_rank": seg["segment_rank"].astype(float),
            "frequency_seasons": seg["frequency_seasons"].astype(float),
            "recency_seasons": seg["recency_seasons"].astype(float),
            "amount_log": np.log1p(seg["amount_eur"].astype(float).clip(lower=0)),
        }
    )


def _favourite(affinities: pd.DataFrame) -> pd.DataFrame:
    favourite = affinities.loc[
        affinities["favourite_village_id"].notna(), ["customer_id", "favourite_village_id"]
    ].rename(columns={"favourite_village_id": "village_id"})
    return favourite.astype(str)


def count_by(frame: pd.DataFrame, keys: list[str], name: str) -> pd.DataFrame:
    return frame.groupby(keys, as_index=False).size().rename(columns={"size": name})


def join_left(frame: pd.DataFrame, extra: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame.merge(extra, on=keys, how="left")``, the same rows, columns, dtypes and
    values, with ``extra``'s columns added one at a time to ``frame`` itself.

    A merge copies the whole frame at each join: the candidates of a season (millions of
    pairs by the dozen columns) were held twice at every feature. When ``extra`` has
    one row per key (the counts and aggregates here do), each of its columns is looked
    up by position instead; a missing key gives what the merge gives (a missing value,
    integers widened to floats). A key held twice in ``extra`` (the merge repeats the
    frame's rows), a missing value among ``extra``'s keys (the merge matches missing to
    missing) or a column name in both falls back to the merge.
    """
    added = extra.columns.drop(keys)
    if (
        extra.duplicated(subset=keys).any()
        or extra[keys].isna().any(axis=None)
        or added.isin(frame.columns).any()
    ):
        return frame.merge(extra, on=keys, how="left")
    if len(keys) == 1:
        at = pd.Index(extra[keys[0]]).get_indexer(frame[keys[0]])
    else:
        at = pd.MultiIndex.from_frame(extra[keys]).get_indexer(
            pd.MultiIndex.from_frame(frame[keys])
        )
    # ``extra`` has no missing key, so a frame's row with one matches nothing
    at[frame[keys].isna().any(axis=1).to_numpy()] = -1
    found = at >= 0
    frame = frame.copy(deep=False)
    for name in added:
        values = extra[name].reset_index(drop=True)
        frame[name] = values.take(at).to_numpy() if found.all() else values.reindex(at).to_numpy()
    return frame


MATURITY = np.array(["cold", "warm", "hot"], dtype=object)
"""The maturity levels, coldest first: a scored pair's level is one of these objects
(millions of rows, three strings)."""


def maturity(ev: LeadEvents, scored: pd.DataFrame, today: pd.Timestamp) -> np.ndarray:
    """``hot`` after a dated search or a sales call about the village in the last 30 days,
    ``warm`` after a session on the village or a campaign click in the last 90 days.

    The scored pairs are matched on one integer per pair (their customer's and village's
    numbers among the scored ones), never on a text key or an index of their millions of
    rows; the sessions are read where they are, not copied."""
    month = today - pd.Timedelta(days=30)
    quarter = today - pd.Timedelta(days=90)
    customers = pd.Index(scored["customer_id"].astype(str).unique())
    villages = pd.Index(scored["village_id"].astype(str).unique())

    def pair_keys(frame: pd.DataFrame) -> np.ndarray:
        """The pairs of ``frame`` as numbers; a pair with an id no scored pair has is -1."""
        customer = customers.get_indexer(pd.Index(frame["customer_id"].astype(str)))
        village = villages.get_indexer(pd.Index(frame["village_id"].astype(str)))
        return np.where((customer >= 0) & (village >= 0), customer * len(villages) + village, -1)

    sessions = ev.sessions
    web = (sessions["at"] <= today) & sessions["village_id"].notna()
    hot_keys = np.concatenate(
        [
            pair_keys(sessions.loc[web & sessions["dated_search"] & (sessions["at"] >= month)]),
            pair_keys(ev.sales_calls.loc[ev.sales_calls["at"].between(month, today)]),
        ]
    )
    warm_keys = pair_keys(sessions.loc[web & (sessions["at"] >= quarter)])
    clickers = set(ev.clicks.loc[ev.clicks["at"].between(quarter, today), "customer_id"])
    pairs = pair_keys(scored)
    hot = pd.Series(pairs, copy=False).isin(hot_keys[hot_keys >= 0]).to_numpy()
    warm = pd.Series(pairs, copy=False).isin(warm_keys[warm_keys >= 0]).to_numpy()
    del pairs
    warm |= scored["customer_id"].isin(clickers).to_numpy()
    return MATURITY[np.where(hot, 2, np.where(warm, 1, 0))]
