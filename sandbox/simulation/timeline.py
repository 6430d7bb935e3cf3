"""The calendar of the simulated world: days, seasons, holiday peaks and closures.

Days are counted from the first day of the first season (day 0 = 1 November of
``Scale.first_season``) up to the end of the season after the last complete one,
so that bookings already taken for the next season have somewhere to land.
Timestamps are whole seconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from contracts.calendar import SEASONS
from sandbox.simulation.scales import Scale

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400

STREAM_START = dt.date(2022, 6, 1)
"""Go-live of the booking event stream (the platform was fed from June 2022); the
history before was replayed into the stream that day."""


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class Closure:
    """Days on which some villages were closed (epidemic waves)."""

    start: dt.date
    end: dt.date
    countries: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None


CLOSURES: tuple[Closure, ...] = (
    Closure(dt.date(2020, 3, 14), dt.date(2020, 6, 30)),
    Closure(
        dt.date(2020, 11, 1),
        dt.date(2021, 5, 31),
        countries=("FR", "IT"),
        kinds=("MOUNTAIN",),
    ),
    Closure(dt.date(2020, 11, 1), dt.date(2021, 2, 28), countries=("FR", "IT", "ES", "PT", "GR")),
    Closure(dt.date(2020, 7, 1), dt.date(2022, 6, 30), countries=("CN", "JP", "TH", "ID", "MY")),
)
"""Closures applied to the villages' opening calendar."""


def _in_ranges(
    month: np.ndarray, mday: np.ndarray, ranges: list[tuple[int, int, int, int]]
) -> np.ndarray:
    code = month * 100 + mday
    hit = np.zeros(code.shape, dtype=bool)
    for m1, d1, m2, d2 in ranges:
        lo, hi = m1 * 100 + d1, m2 * 100 + d2
        hit |= (code >= lo) & (code <= hi) if lo <= hi else (code >= lo) | (code <= hi)
    return hit


@dataclass(frozen=True)
class Timeline:
    """Every day of the world with its season, month, weekday and demand weight."""

    scale: Scale
    day0: int
    days: np.ndarray  # epoch days, one per day index
    season: np.ndarray  # season index (0 .. seasons), the last one incomplete
    month: np.ndarray
    mday: np.ndarray
    weekday: np.ndarray  # 0 = Monday
    winter: np.ndarray  # November to April
    demand: np.ndarray  # relative holiday demand of an arrival that day
    as_of_index: int

    @classmethod
    def build(cls, scale: Scale) -> Timeline:
        start = scale.start
        end = SEASONS.bounds(SEASONS.label(scale.first_season + scale.seasons))[1]
        day0 = epoch_day(start)
        n = (end - start).days + 1
        days = np.arange(day0, day0 + n, dtype=np.int64)
        as_dates = days.astype("datetime64[D]")
        years = as_dates.astype("datetime64[Y]").astype(np.int64) + 1970
        month = (as_dates.astype("datetime64[M]").astype(np.int64) % 12) + 1
        mday = (as_dates - as_dates.astype("datetime64[M]")).astype(np.int64) + 1
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        season_year = SEASONS.start_year(years, month)
        season = (season_year - scale.first_season).astype(np.int64)
        winter = SEASONS.is_winter(month)
        demand = np.ones(n)
        demand[_in_ranges(month, mday, [(12, 19, 1, 4)])] = 2.6
        demand[_in_ranges(month, mday, [(1, 5, 1, 31)])] = 0.8
        demand[_in_ranges(month, mday, [(2, 7, 3, 9)])] = 2.3
        demand[_in_ranges(month, mday, [(4, 4, 4, 26)])] = 1.6
        demand[_in_ranges(month, mday, [(5, 1, 5, 28)])] = 1.15
        demand[_in_ranges(month, mday, [(7, 4, 8, 31)])] = 2.1
        demand[_in_ranges(month, mday, [(8, 1, 8, 20)])] = 2.5
        demand[_in_ranges(month, mday, [(9, 1, 9, 30)])] = 0.9
        demand[_in_ranges(month, mday, [(10, 17, 11, 3)])] = 1.4
        demand[_in_ranges(month, mday, [(11, 4, 12, 12)])] = 0.45
        return cls(
            scale=scale,
            day0=day0,
            days=days,
            season=season,
            month=month,
            mday=mday,
            weekday=weekday,
            winter=winter,
            demand=demand,
            as_of_index=epoch_day(scale.as_of) - day0,
        )

    @property
    def n_days(self) -> int:
        return int(self.days.size)

    @property
    def n_seasons(self) -> int:
        """Complete seasons plus the next, incomplete one."""
        return self.scale.seasons + 1

    @property
    def as_of_seconds(self) -> int:
        """Start of the extraction day, in seconds (the extracts' cut-off)."""
        return int(self.days[self.as_of_index]) * DAY

    @property
    def end_of_as_of_seconds(self) -> int:
        """End of the extraction day: the event stream runs until then."""
        return self.as_of_seconds + DAY - 1

    def index_of(self, day: dt.date) -> int:
        """Day index of a calendar day."""
        return epoch_day(day) - self.day0

    def season_labels(self) -> list[str]:
        """Labels of every season of the calendar, the incomplete one last."""
        first = self.scale.first_season
        return [SEASONS.label(first + i) for i in range(self.n_seasons)]
