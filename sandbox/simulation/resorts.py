"""The villages and their daily capacity (source family: resorts).

Landing tables (schema ``landing_resorts``):

``villages`` - the village referential, one row per village (70 in 26 countries).

    ================ ======== ========================================================
    column           type     meaning
    ================ ======== ========================================================
    village_code     VARCHAR  three-letter code (``VTH``)
    village_name     VARCHAR  name as typed in the referential (case varies)
    country_code     VARCHAR  ISO 3166-1 alpha-2 code of the village's country
    country_name     VARCHAR  country name in French
    region_label     VARCHAR  sales region (``Europe - Alpes``, ``Asie``, ...)
    village_type     VARCHAR  MOUNTAIN, SEA or COUNTRYSIDE
    season_type      VARCHAR  WINTER, WINTER_SUMMER, SUMMER or ALL_YEAR
    comfort_label    VARCHAR  3T, 4T, 5T (tridents) or EXC (exclusive collection)
    latitude         DOUBLE   degrees
    longitude        DOUBLE   degrees
    altitude_m       INTEGER  altitude of mountain villages (null elsewhere)
    opening_date     DATE     opening of a village opened during the period, else null
    closing_date     DATE     permanent closure, else null
    beds             INTEGER  design capacity in beds
    ================ ======== ========================================================

``capacity`` - beds and rooms on sale per village and day, from the first season
to the end of the season after the extraction day. Closed days (out of season,
epidemic closures, before opening, after closing) have ``is_open`` false and 0
beds.

    ================ ======== ===========================================
    column           type     meaning
    ================ ======== ===========================================
    village_code     VARCHAR  the village
    capacity_date    DATE     the night
    is_open          BOOLEAN  the village sells this night
    rooms_available  INTEGER  rooms on sale
    beds_available   INTEGER  beds on sale
    ================ ======== ===========================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.dirt import vary_case
from sandbox.simulation.frames import dates, frame, pick
from sandbox.simulation.places import COUNTRY_NAMES, VILLAGES
from sandbox.simulation.timeline import CLOSURES, Timeline

KINDS = ("MOUNTAIN", "SEA", "COUNTRYSIDE")
COMFORTS = ("3T", "4T", "5T", "EXC")
NIGHT_PRICE = np.array([150.0, 205.0, 290.0, 450.0])
"""Base price of an adult night by comfort level, euros."""

_OPEN_RANGES: dict[str, tuple[tuple[int, int, int, int], ...]] = {
    "WINTER": ((12, 8, 4, 20),),
    "WINTER_SUMMER": ((12, 8, 4, 20), (6, 20, 9, 5)),
    "SUMMER": ((4, 10, 10, 25),),
    "ALL_YEAR": ((1, 1, 5, 24), (6, 15, 12, 31)),
}


@dataclass(frozen=True)
class Villages:
    """The villages with their calendars, prices and hidden quality."""

    codes: tuple[str, ...]
    kind: np.ndarray  # index into KINDS
    comfort: np.ndarray  # index into COMFORTS
    country: tuple[str, ...]
    region: tuple[str, ...]
    size: np.ndarray
    night_price: np.ndarray
    quality: np.ndarray  # hidden guest satisfaction, standard score
    planned_open: np.ndarray  # (villages, days) the normal opening calendar
    open: np.ndarray  # (villages, days) after epidemic closures

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def mountain(self) -> np.ndarray:
        return np.asarray(self.kind == 0)


def _calendar(timeline: Timeline, season_type: str) -> np.ndarray:
    code = timeline.month * 100 + timeline.mday
    out = np.zeros(timeline.n_days, dtype=bool)
    for m1, d1, m2, d2 in _OPEN_RANGES[season_type]:
        lo, hi = m1 * 100 + d1, m2 * 100 + d2
        out |= (code >= lo) & (code <= hi) if lo <= hi else (code >= lo) | (code <= hi)
    return out


def build(ctx: Context) -> Villages:
    """The villages' truth: calendars, prices and quality (written later with capacity)."""
    tl = ctx.timeline
    rng = ctx.streams("resorts.villages")
    n = len(VILLAGES)
    planned = np.zeros((n, tl.n_days), dtype=bool)
    closed = np.zeros((n, tl.n_days), dtype=bool)
    for i, v in enumerate(VILLAGES):
        planned[i] = _calendar(tl, v.season_type)
        if v.kind == "MOUNTAIN" and v.region == "Asie":
            planned[i] &= ~((tl.month == 4) | ((tl.month == 12) & (tl.mday < 15)))
        if v.opened is not None:
            planned[i, : max(0, tl.index_of(v.opened))] = False
        if v.closed is not None:
            planned[i, max(0, tl.index_of(v.closed) + 1) :] = False
        for closure in CLOSURES:
            if closure.countries is not None and v.country not in closure.countries:
                continue
            if closure.kinds is not None and v.kind not in closure.kinds:
                continue
            lo = max(0, tl.index_of(closure.start))
            hi = min(tl.n_days, tl.index_of(closure.end) + 1)
            closed[i, lo:hi] = True
    comfort = np.array([COMFORTS.index(v.comfort) for v in VILLAGES])
    return Villages(
        codes=tuple(v.code for v in VILLAGES),
        kind=np.array([KINDS.index(v.kind) for v in VILLAGES]),
        comfort=comfort,
        country=tuple(v.country for v in VILLAGES),
        region=tuple(v.region for v in VILLAGES),
        size=np.array([v.size for v in VILLAGES]),
        night_price=NIGHT_PRICE[comfort] * rng.lognormal(0, 0.08, n),
        quality=rng.normal(0, 0.6, n) + 0.15 * comfort,
        planned_open=planned,
        open=planned & ~closed,
    )


def write(ctx: Context, villages: Villages, occupied_beds: np.ndarray) -> None:
    """Write ``villages`` and ``capacity``, sizing each village to its simulated demand.

    ``occupied_beds`` is (villages, days): beds taken by confirmed stays each night.
    Beds on sale are constant over a village's season and cover its peak demand.
    """
    tl = ctx.timeline
    rng = ctx.streams("resorts.capacity")
    n, n_days = villages.open.shape
    season = tl.season
    beds = np.zeros((n, n_days), dtype=np.int64)
    for s in range(tl.n_seasons):
        in_season = season == s
        peak = occupied_beds[:, in_season].max(axis=1, initial=0)
        typical = villages.size * 40 * ctx.volume + 4
        season_beds = np.ceil(np.maximum(peak * 1.04, typical * 0.3) + 2).astype(np.int64)
        beds[:, in_season] = season_beds[:, None]
    beds = np.where(villages.open, beds, 0)
    design = beds.max(axis=1)
    rooms_per_bed = 1 / np.asarray(rng.uniform(2.1, 2.6, n))
    rooms = np.ceil(beds * rooms_per_bed[:, None]).astype(np.int64)

    names = pl.Series([v.name for v in VILLAGES])
    names = vary_case(names, rng, upper=0.15, lower=0.0, title=0.0)
    ctx.writer.write(
        "resorts",
        "villages",
        frame(
            {
                "village_code": pl.Series(villages.codes),
                "village_name": names,
                "country_code": pl.Series(villages.country),
                "country_name": pl.Series([COUNTRY_NAMES[c] for c in villages.country]),
                "region_label": pl.Series(villages.region),
                "village_type": pick(KINDS, villages.kind),
                "season_type": pl.Series([v.season_type for v in VILLAGES]),
                "comfort_label": pick(COMFORTS, villages.comfort),
                "latitude": np.array([v.lat for v in VILLAGES]),
                "longitude": np.array([v.lon for v in VILLAGES]),
                "altitude_m": pl.Series([v.altitude for v in VILLAGES], dtype=pl.Int32),
                "opening_date": pl.Series(
                    [_in_window(v.opened, tl) for v in VILLAGES], dtype=pl.Date
                ),
                "closing_date": pl.Series([v.closed for v in VILLAGES], dtype=pl.Date),
                "beds": design.astype(np.int32),
            }
        ),
    )
    village_idx = np.repeat(np.arange(n), n_days)
    ctx.writer.write(
        "resorts",
        "capacity",
        frame(
            {
                "village_code": pick(villages.codes, village_idx),
                "capacity_date": dates(np.tile(tl.days, n)),
                "is_open": villages.open.reshape(-1),
                "rooms_available": rooms.reshape(-1).astype(np.int32),
                "beds_available": beds.reshape(-1).astype(np.int32),
            }
        ),
    )


def _in_window(day: dt.date | None, tl: Timeline) -> dt.date | None:
    """Opening dates before the simulated period are not recorded in the referential."""
    if day is None or day < tl.scale.start:
        return None
    return day
