"""The resort group's calendar, declared once for every domain.

A season runs from November to October: ``"2023-24"`` is 2023-11-01 to 2024-10-31.
Contracts, the platform's season partitions, the models and the simulation read
:data:`SEASONS`; SQL products call the ``SEASON_OF(date)`` macro, which the platform
expands from this same calendar for every engine.
"""

from __future__ import annotations

from mesh_platform.contract.calendar import SeasonCalendar, register_season_calendar

SEASONS = register_season_calendar(SeasonCalendar(first_month=11))
"""Seasons start on the 1st of November and end on the 31st of October."""

SEASON_FIRST_MONTH = SEASONS.first_month
season_start_year = SEASONS.start_year
season_label = SEASONS.label
season_of = SEASONS.of
season_bounds = SEASONS.bounds
