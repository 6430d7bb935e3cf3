"""Seasons: a business year that starts in a given month, declared once by the mesh.

The platform knows what a season *is* (a year starting on the first day of a month,
labelled ``"2023-24"``); the mesh's contracts declare *which* month it starts in, once
(``contracts/calendar.py``), by registering a :class:`SeasonCalendar`. Season
partitions, the ``SEASON_OF(date)`` SQL macro and the Python code of the domains all
read that one calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

_Number = TypeVar("_Number")


@dataclass(frozen=True)
class SeasonCalendar:
    """Seasons starting on the first day of ``first_month``.

    Example:
        >>> winter_first = SeasonCalendar(first_month=11)
        >>> winter_first.of(dt.date(2023, 11, 1)), winter_first.of(dt.date(2024, 10, 31))
        ('2023-24', '2023-24')
    """

    first_month: int
    winter_months: int = 6
    """The season's winter half: this many months from its first month; summer the rest."""

    def __post_init__(self) -> None:
        if not 1 <= self.first_month <= 12:
            raise ValueError(f"a season starts in a month 1..12, not {self.first_month}")
        if not 1 <= self.winter_months <= 11:
            raise ValueError(f"a winter half lasts 1..11 months, not {self.winter_months}")

    def is_winter(self, month: _Number) -> _Number:
        """Whether a month (a number or a numpy array of numbers) is in the winter half.

        Example:
            >>> [SeasonCalendar(11).is_winter(m) for m in (10, 11, 4, 5)]
            [False, True, True, False]
        """
        return (month - self.first_month) % 12 < self.winter_months  # type: ignore[operator,return-value]

    def start_year(self, year: _Number, month: _Number) -> _Number:
        """The start year of the season of a (year, month): scalars or numpy arrays alike.

        Example:
            >>> SeasonCalendar(11).start_year(2024, 10), SeasonCalendar(11).start_year(2024, 11)
            (2023, 2024)
        """
        return year - (month < self.first_month)  # type: ignore[operator,return-value]

    @staticmethod
    def label(start_year: int) -> str:
        """The label of the season starting in ``start_year``.

        Example:
            >>> SeasonCalendar.label(2023)
            '2023-24'
        """
        return f"{start_year}-{(start_year + 1) % 100:02d}"

    def of(self, day: dt.date) -> str:
        """The label of the season ``day`` belongs to."""
        return self.label(self.start_year(day.year, day.month))

    def bounds(self, label: str) -> tuple[dt.date, dt.date]:
        """The first and last day of the season ``label``.

        Example:
            >>> SeasonCalendar(11).bounds("2023-24")
            (datetime.date(2023, 11, 1), datetime.date(2024, 10, 31))
        """
        try:
            start = int(label[:4])
        except ValueError:
            start = -1
        if start < 0 or label != self.label(start):
            raise ValueError(f"{label!r} is not a season label such as '2023-24'")
        first = dt.date(start, self.first_month, 1)
        return first, dt.date(start + 1, self.first_month, 1) - dt.timedelta(days=1)


_REGISTERED: list[SeasonCalendar] = []


def register_season_calendar(calendar: SeasonCalendar) -> SeasonCalendar:
    """Declare the mesh's season calendar (once; the contracts package does it)."""
    if _REGISTERED and _REGISTERED[0] != calendar:
        raise ValueError(f"a season calendar is already declared: {_REGISTERED[0]}")
    if not _REGISTERED:
        _REGISTERED.append(calendar)
    return calendar


def season_calendar() -> SeasonCalendar:
    """The mesh's season calendar, as its contracts declare it."""
    if not _REGISTERED:
        from mesh_platform.contract.registry import load_contract_modules

        load_contract_modules()
    if not _REGISTERED:
        raise LookupError("no season calendar declared: contracts must register one")
    return _REGISTERED[0]
