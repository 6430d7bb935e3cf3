"""The learning base of campaign appetence: one entry per send, coded into compact arrays.

Not a product (see the package): the machinery of ``campaign_appetence``. The sends are
coded a batch at a time (:func:`code_sends`), so the frame of every send is never held
whole: for the large world's 70 million sends it held some ten gigabytes, the coded
arrays hold fifteen bytes a send. Each send's coding depends on that send alone (its
settings, its Paris time, its customer's bookings) and the customers are numbered in
the order of their ids once every batch is read, so the arrays are the same bits
whatever the batches' size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd

from contracts.calendar import SEASONS
from contracts.campaigns import CycleLabel, MainHighlight, SecondaryHighlight, SubjectType
from contracts.customer_intelligence import TimeSlot, Weekday
from domains.customer_intelligence.python._models import latest_moment, utc

SETTINGS: dict[str, tuple[str, ...]] = {
    "main_highlight": get_args(MainHighlight),
    "secondary_highlight": get_args(SecondaryHighlight),
    "subject_type": get_args(SubjectType),
    "best_send_day": get_args(Weekday),
    "best_send_time_slot": get_args(TimeSlot),
}
"""The five content and timing settings, with their values in contract order."""
PROGRAMMES: tuple[str, ...] = get_args(CycleLabel)
"""The campaign programmes (``cycle_label``); stay-cycle mails and powder alarms are the
two programmes whose usefulness is decided per customer."""
PARIS = "Europe/Paris"
ACTION_WINDOW = pd.Timedelta(days=7)
"""A booking this soon after a send is an action on the send."""
_CODED = ("customer", "year", "channel", "action", "opened")


@dataclass(frozen=True)
class SendLog:
    """The learning base: one entry per send, settings as integer codes, each in the
    smallest integers that hold it (used as indices, or widened where added to a year)."""

    customers: np.ndarray  # customer_id of each code
    customer: np.ndarray  # code per send (int32)
    season: np.ndarray  # 0 .. n_seasons-1 per send (int16)
    first_year: int
    n_seasons: int
    codes: dict[str, np.ndarray]  # setting (and "cycle") -> value code per send (int8)
    channel: np.ndarray  # 0 e-mail, 1 SMS (int8)
    action: np.ndarray  # 1 when the send triggered an action (int8)
    opened: np.ndarray  # 1 when the send was opened (int8)

    @property
    def rows(self) -> int:
        return int(self.customer.size)


def in_send_order(sends: pd.DataFrame) -> pd.DataFrame:
    """The sends in send order: the platform delivers them so (``SENDS.order_by``),
    without their ids; a frame passed with its ids in another order is sorted."""
    if "send_id" in sends and not sends["send_id"].is_monotonic_increasing:
        return sends.sort_values("send_id", ignore_index=True)
    return sends


def code_sends(
    batches: Iterable[pd.DataFrame], bookers: Bookers
) -> tuple[SendLog, list[pd.Timestamp]]:
    """Codes the sends, a batch at a time in send order, and labels them: clicked,
    opened twice, or followed by a booking of the customer within seven days; also
    returns the latest send time of each batch (for the data's "today").

    Raises:
        ValueError: a send with a setting value the contract does not know.
    """
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (*_CODED, *SETTINGS, "cycle")}
    latest: list[pd.Timestamp] = []
    # customers numbered as first seen, their ids held once (not once per batch)
    seen = pd.Index([], dtype=object)
    for batch in batches:
        coded, ids, last_sent = _code_batch(batch, bookers)
        number = seen.get_indexer(pd.Index(ids, dtype=object))
        new = number < 0
        if new.any():
            number[new] = np.arange(len(seen), len(seen) + int(new.sum()))
            seen = seen.append(pd.Index(ids[new], dtype=object))
        coded["customer"] = number[coded["customer"]].astype(np.int32)
        for name, values in coded.items():
            parts[name].append(values)
        latest.append(last_sent)
    # then numbered in the order of their ids
    ids_seen = seen.to_numpy(dtype=object)
    order = np.argsort(ids_seen, kind="stable")
    customers = ids_seen[order]
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    parts["customer"] = [rank[first_seen] for first_seen in parts["customer"]]
    whole = {name: _joined(values, name) for name, values in parts.items()}
    years = whole.pop("year")
    first_year = int(years.min()) if years.size else 0
    return (
        SendLog(
            customers=np.asarray(customers, dtype=object),
            customer=whole.pop("customer"),
            season=(years.astype(np.int64) - first_year).astype(np.int16),
            first_year=first_year,
            n_seasons=int(years.max() - first_year + 1) if years.size else 0,
            channel=whole.pop("channel"),
            action=whole.pop("action"),
            opened=whole.pop("opened"),
            codes=whole,
        ),
        latest,
    )


def _joined(values: list[np.ndarray], name: str) -> np.ndarray:
    """One field of every batch as one array (the batches' own arrays let go)."""
    empty = np.int32 if name == "customer" else np.int16 if name == "year" else np.int8
    joined = np.concatenate(values) if values else np.array([], dtype=empty)
    values.clear()
    return joined


def _code_batch(
    sends: pd.DataFrame, bookers: Bookers
) -> tuple[dict[str, np.ndarray], np.ndarray, pd.Timestamp]:
    """One batch of sends coded: its fields, the customers numbered within the batch
    (``customer``), the customer ids of those numbers, and its latest send time."""
    stamps = utc(sends["sent_at"])
    sent = stamps.astype("datetime64[ns, UTC]")
    # Paris times through an index, not the Series' ``.dt`` (which the Series caches in a
    # reference cycle, freed only by the cycle collector)
    moments = pd.DatetimeIndex(sent)
    local = moments.tz_convert(PARIS)
    hour = local.hour.to_numpy()
    slot = np.select([(hour >= 6) & (hour < 12), (hour >= 12) & (hour < 18)], [0, 1], 2)
    coded = {
        name: pd.Categorical(sends[name], categories=SETTINGS[name]).codes.astype(np.int8)
        for name in ("main_highlight", "secondary_highlight", "subject_type")
    }
    coded["best_send_day"] = local.dayofweek.to_numpy().astype(np.int8)
    coded["best_send_time_slot"] = slot.astype(np.int8)
    coded["cycle"] = pd.Categorical(sends["cycle_label"], categories=PROGRAMMES).codes.astype(
        np.int8
    )
    if any((c < 0).any() for c in coded.values()):
        raise ValueError("customer_intelligence.campaign_appetence: unknown campaign setting value")
    local_codes, ids = pd.factorize(sends["customer_id"].astype(str))
    booked = bookers.booked_after(local_codes, np.asarray(ids, dtype=object), sent)
    action = (
        (sends["clicks_count"].to_numpy() > 0) | (sends["opens_count"].to_numpy() >= 2) | booked
    )
    years = SEASONS.start_year(moments.year.to_numpy(), moments.month.to_numpy())
    coded |= {
        "customer": local_codes.astype(np.int32),
        "year": np.asarray(years, dtype=np.int16),
        "channel": (sends["channel"] == "sms").to_numpy().astype(np.int8),
        "action": action.astype(np.int8),
        "opened": (sends["opens_count"].to_numpy() > 0).astype(np.int8),
    }
    return coded, np.asarray(ids, dtype=object), stamps.max()


class Bookers:
    """The bookings, numbered by customer once, matched against each batch of sends:
    their customers and times only (the bookings' frame need not be kept)."""

    def __init__(self, bookings: pd.DataFrame) -> None:
        codes, ids = pd.factorize(bookings["customer_id"].astype(str))
        self._ids = pd.Index(ids)
        self._bookings = pd.DataFrame(
            {
                "customer": codes,
                "booked_at": utc(bookings["created_at"]).astype("datetime64[ns, UTC]"),
            }
        ).sort_values("booked_at")
        self.latest = latest_moment(bookings["created_at"])
        """The latest booking time, as read (for the data's "today")."""

    def booked_after(self, customer: np.ndarray, ids: np.ndarray, sent: pd.Series) -> np.ndarray:
        """Whether each send (its customer's code among ``ids``, its time) is followed
        by a booking of the customer within seven days; customers are matched by id.

        Only the sends of customers with a booking enter the match (the others have none
        to be followed by), in time order, ties in send order."""
        booker = self._ids.get_indexer(ids)[customer] if ids.size else customer
        rows = np.flatnonzero(booker >= 0)
        rows = rows[np.argsort(sent.to_numpy("datetime64[ns]")[rows], kind="stable")]
        left = pd.DataFrame({"customer": booker[rows], "at": sent.array[rows]})
        right = self._bookings[np.isin(self._bookings["customer"].to_numpy(), left["customer"])]
        matched = pd.merge_asof(
            left,
            right,
            left_on="at",
            right_on="booked_at",
            by="customer",
            direction="forward",
            tolerance=ACTION_WINDOW,
        )
        booked = np.zeros(customer.size, dtype=bool)
        booked[rows] = matched["booked_at"].notna().to_numpy()
        return booked
