"""France's IRIS zones and their enrichment variables (source family: territory).

Landing tables (schema ``landing_territory``):

``iris_zones`` - INSEE's IRIS referential with census counts, one row per zone.

    ============== ========= =====================================================
    column         type      meaning
    ============== ========= =====================================================
    iris_code      VARCHAR   9 characters: commune code (5) + 4 digits
    iris_name      VARCHAR   name of the zone (the commune's name for type Z)
    iris_type      VARCHAR   H housing, A activity, D miscellaneous, Z undivided
    commune_code   VARCHAR   INSEE commune code (``2A004`` in Corsica, ``97411``)
    commune_name   VARCHAR   name of the commune
    department_code VARCHAR  ``01`` .. ``95``, ``2A``, ``2B``, ``971`` .. ``976``
    department_name VARCHAR  name of the department
    postal_code    VARCHAR   main postal code of the commune
    population     INTEGER   inhabitants (census)
    households     DOUBLE    households (census estimate, fractional)
    ============== ========= =====================================================

``iris_enrichment`` - the enrichment vendor's file, one row per zone it covers.
Dirty: the zone code was stored as a number, so codes of departments 01 to 09
lost their leading zero (8 characters); about 1% of the referential's zones are
missing and a few rows name zones of an older geography that no longer exist;
income is suppressed (null) for small zones.

    ============================== ======= ==========================================
    column                         type    meaning
    ============================== ======= ==========================================
    iris                           VARCHAR zone code as the vendor spells it
    median_income_eur              DOUBLE  median disposable income per consumption
                                           unit, euros per year (null: suppressed)
    poverty_rate                   DOUBLE  share of inhabitants under the poverty line
    share_executives               DOUBLE  executives among working inhabitants
    share_families_with_children   DOUBLE  households that are families with children
    share_couples_without_children DOUBLE  households that are couples without children
    share_age_65_plus              DOUBLE  inhabitants aged 65 or more
    share_under_25                 DOUBLE  inhabitants under 25
    share_owners                   DOUBLE  households owning their home
    share_second_homes             DOUBLE  dwellings that are second homes
    share_higher_education         DOUBLE  adults with a higher-education degree
    mean_household_size            DOUBLE  persons per household
    cars_per_household             DOUBLE  cars per household
    ski_practice_index             DOUBLE  ski practice, 100 = national average
    distance_to_mountain_km        DOUBLE  road distance to the nearest ski area
    distance_to_coast_km           DOUBLE  road distance to the sea
    density_class                  VARCHAR URBAIN, PERIURBAIN or RURAL
    vintage                        VARCHAR vendor's data vintage (``2023-S2``)
    ============================== ======= ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.frames import frame, numbered, pick, with_nulls
from sandbox.simulation.people import COMMUNE_ROOTS, COMMUNE_SUFFIXES, IRIS_NAMES
from sandbox.simulation.places import (
    AFFLUENCE,
    COASTAL_DEPARTMENTS,
    DEPARTMENTS,
    MOUNTAIN_DEPARTMENTS,
)
from sandbox.simulation.randomness import choose


@dataclass(frozen=True)
class Territory:
    """The IRIS zones the customers of France live in."""

    iris_code: pl.Series
    postal_code: pl.Series
    commune_name: pl.Series
    department: np.ndarray  # index into DEPARTMENTS
    households: np.ndarray
    affluence: np.ndarray  # standard score
    mountain: np.ndarray  # bool: department with ski areas

    @property
    def size(self) -> int:
        return int(self.households.size)


def _allocate(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integer counts proportional to ``weights``, each >= ``minimum``, summing to ``total``."""
    base = np.full(weights.size, minimum, dtype=np.int64)
    rest = total - base.sum()
    if rest < 0:
        raise ValueError(f"cannot allocate {total} items with a minimum of {minimum} each")
    share = weights / weights.sum() * rest
    counts = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[: rest - counts.sum()]] += 1
    return base + counts


def build(ctx: Context) -> Territory:
    """Generate the IRIS zones and write ``iris_zones`` and ``iris_enrichment``."""
    rng = ctx.streams("territory.iris")
    n = ctx.scale.iris_zones
    deps = DEPARTMENTS
    pop = np.array([d.population for d in deps], dtype=np.float64)
    per_dep = _allocate(pop, n, 2)
    dep_of = np.repeat(np.arange(len(deps)), per_dep)
    dep_start = np.concatenate([[0], np.cumsum(per_dep)[:-1]])
    pos_in_dep = np.arange(n) - dep_start[dep_of]
    is_dom = np.array([len(d.code) == 3 for d in deps])
    # communes: the first quarter of a department's zones form its main town; after
    # that a new commune starts with probability p (capped so codes fit)
    main_town = pos_in_dep < np.maximum(1, per_dep[dep_of] // 4)
    p_new = np.where(is_dom[dep_of], 0.25, 0.55)
    new_commune = (pos_in_dep == 0) | (~main_town & (rng.random(n) < p_new))
    commune_of = np.cumsum(new_commune) - 1
    commune_first = np.flatnonzero(new_commune)
    commune_dep = dep_of[commune_first]
    dep_commune_start = np.searchsorted(commune_dep, np.arange(len(deps)))
    ordinal = np.arange(commune_first.size) - dep_commune_start[commune_dep]
    capacity = np.where(is_dom[commune_dep], 99, 999)
    ordinal = np.minimum(ordinal, capacity - 1)
    # merge communes beyond capacity into the last code
    commune_size = np.diff(np.concatenate([commune_first, [n]]))
    rank_in_commune = np.arange(n) - commune_first[commune_of]

    dep_codes = pl.Series([d.code for d in deps])
    commune_dep_code = dep_codes.gather(commune_dep)
    suffix_width = np.where(is_dom[commune_dep], 2, 3)
    commune_num = ordinal + 1
    commune_suffix = pl.select(
        pl.when(pl.Series(suffix_width == 2))
        .then(pl.Series(commune_num).cast(pl.String).str.zfill(2))
        .otherwise(pl.Series(commune_num).cast(pl.String).str.zfill(3))
    ).to_series()
    commune_code_c = commune_dep_code + commune_suffix
    names_c = pick(COMMUNE_ROOTS, rng.integers(0, len(COMMUNE_ROOTS), commune_first.size)) + pick(
        COMMUNE_SUFFIXES, rng.integers(0, len(COMMUNE_SUFFIXES), commune_first.size)
    )
    paris = (commune_dep_code == "75").to_numpy() & (ordinal == 0)
    names_c = pl.select(
        pl.when(pl.Series(paris)).then(pl.lit("Paris")).otherwise(names_c)
    ).to_series()
    # postal code: department digits then 3 digits shared by neighbouring communes
    dep_postal = commune_dep_code.str.replace(r"^2[AB]$", "20")
    postal_tail = ((ordinal // 3) * 10 + 10) % 1000
    postal_c = pl.select(
        pl.when(pl.Series(suffix_width == 2))
        .then(dep_postal + pl.Series(postal_tail % 100).cast(pl.String).str.zfill(2))
        .otherwise(dep_postal + pl.Series(postal_tail).cast(pl.String).str.zfill(3))
    ).to_series()

    undivided = commune_size[commune_of] == 1
    iris_suffix = pl.select(
        pl.when(pl.Series(undivided))
        .then(pl.lit("0000"))
        .otherwise(
            pl.Series(rank_in_commune // 99 + 1).cast(pl.String).str.zfill(2)
            + pl.Series(rank_in_commune % 99 + 1).cast(pl.String).str.zfill(2)
        )
    ).to_series()
    commune_code = commune_code_c.gather(commune_of)
    iris_code = commune_code + iris_suffix
    # codes must stay unique even where communes were merged by the capacity cap
    dup = iris_code.is_duplicated().to_numpy()
    if dup.any():
        serial = numbered("", np.arange(n) % 10_000, 4)
        iris_code = pl.select(
            pl.when(pl.Series(dup)).then(commune_code + serial).otherwise(iris_code)
        ).to_series()
    kind = np.where(undivided, 3, choose(rng, [0.86, 0.09, 0.05], n))
    iris_type = pick(("H", "A", "D", "Z"), kind)
    commune_name = names_c.gather(commune_of)
    iris_label = pick(IRIS_NAMES, rng.integers(0, len(IRIS_NAMES), n)) + pl.Series(
        np.where(rng.random(n) < 0.4, " " + (rank_in_commune + 1).astype(str), "")
    )
    iris_name = pl.select(
        pl.when(pl.Series(undivided)).then(commune_name).otherwise(iris_label)
    ).to_series()

    population = np.where(
        kind == 0,
        rng.lognormal(np.log(2300), 0.25, n),
        np.where(kind == 1, rng.lognormal(np.log(600), 0.5, n), rng.lognormal(np.log(250), 0.8, n)),
    )
    population = np.where(kind == 3, rng.lognormal(np.log(700), 0.9, n), population)
    population = np.clip(np.round(population), 0, 12_000).astype(np.int64)
    hh_size = np.clip(rng.normal(2.2, 0.2, n), 1.5, 3.2)
    households = np.round(population / hh_size, 2)

    dep_aff = np.array([AFFLUENCE.get(d.code, 0.0) for d in deps])
    urban = main_town | (per_dep[dep_of] > 400)
    affluence = dep_aff[dep_of] + rng.normal(0, 0.8, n) + np.where(main_town, 0.15, -0.1)
    mountain = np.array([d.code in MOUNTAIN_DEPARTMENTS for d in deps])[dep_of]
    coastal = np.array([d.code in COASTAL_DEPARTMENTS for d in deps])[dep_of]

    ctx.writer.write(
        "territory",
        "iris_zones",
        frame(
            {
                "iris_code": iris_code,
                "iris_name": iris_name,
                "iris_type": iris_type,
                "commune_code": commune_code,
                "commune_name": commune_name,
                "department_code": dep_codes.gather(dep_of),
                "department_name": pl.Series([d.name for d in deps]).gather(dep_of),
                "postal_code": postal_c.gather(commune_of),
                "population": population.astype(np.int32),
                "households": households,
            }
        ),
    )
    _write_enrichment(
        ctx,
        iris_code,
        population=population,
        affluence=affluence,
        mountain=mountain,
        coastal=coastal,
        urban=urban,
        dep_of=dep_of,
    )
    return Territory(
        iris_code=iris_code,
        postal_code=postal_c.gather(commune_of),
        commune_name=commune_name,
        department=dep_of,
        households=households,
        affluence=affluence,
        mountain=mountain,
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _write_enrichment(
    ctx: Context,
    iris_code: pl.Series,
    *,
    population: np.ndarray,
    affluence: np.ndarray,
    mountain: np.ndarray,
    coastal: np.ndarray,
    urban: np.ndarray,
    dep_of: np.ndarray,
) -> None:
    rng = ctx.streams("territory.enrichment")
    n = iris_code.len()
    z = affluence

    def noise(spread: float) -> np.ndarray:
        return np.asarray(rng.normal(0, spread, n))

    dep_mountain_km = ctx.streams("territory.distance").uniform(120, 750, len(DEPARTMENTS))
    dep_coast_km = ctx.streams("territory.coast").uniform(60, 450, len(DEPARTMENTS))
    rural = ~urban & (rng.random(n) < 0.6)
    income = 22_500 * np.exp(0.23 * z + noise(0.05))
    income_null = (population < 300) | (rng.random(n) < 0.04)
    columns: dict[str, pl.Series | np.ndarray] = {
        "iris": iris_code.str.replace(r"^0", ""),
        "median_income_eur": with_nulls(pl.Series(np.round(income, -1)), income_null),
        "poverty_rate": np.round(np.clip(_sigmoid(-1.9 - 0.7 * z + noise(0.2)), 0, 1), 4),
        "share_executives": np.round(_sigmoid(-1.7 + 0.75 * z + noise(0.2)), 4),
        "share_families_with_children": np.round(
            np.clip(0.27 + 0.04 * z + np.where(rural, 0.03, 0.0) + noise(0.05), 0.02, 0.8), 4
        ),
        "share_couples_without_children": np.round(np.clip(0.25 + noise(0.05), 0.02, 0.7), 4),
        "share_age_65_plus": np.round(
            np.clip(0.21 + np.where(rural, 0.05, -0.02) + noise(0.06), 0.01, 0.7), 4
        ),
        "share_under_25": np.round(
            np.clip(0.29 + np.where(urban, 0.03, -0.02) + noise(0.05), 0.05, 0.7), 4
        ),
        "share_owners": np.round(
            _sigmoid(0.2 + 0.3 * z + np.where(urban, -0.8, 0.6) + noise(0.3)), 4
        ),
        "share_second_homes": np.round(
            _sigmoid(-3.0 + np.where(mountain | coastal, 1.6, 0.0) + noise(0.6)), 4
        ),
        "share_higher_education": np.round(_sigmoid(-0.9 + 0.7 * z + noise(0.2)), 4),
        "mean_household_size": np.round(np.clip(2.2 + 0.1 * z + noise(0.15), 1.4, 3.5), 2),
        "cars_per_household": np.round(
            np.clip(1.1 + np.where(urban, -0.4, 0.3) + noise(0.15), 0.1, 2.5), 2
        ),
        "ski_practice_index": np.round(
            100 * np.exp(0.35 * z + np.where(mountain, 0.6, 0.0) + noise(0.15)), 1
        ),
        "distance_to_mountain_km": np.round(
            np.where(mountain, rng.uniform(5, 60, n), dep_mountain_km[dep_of] * np.exp(noise(0.1))),
            1,
        ),
        "distance_to_coast_km": np.round(
            np.where(coastal, rng.uniform(0, 40, n), dep_coast_km[dep_of] * np.exp(noise(0.1))), 1
        ),
        "density_class": pick(
            ("URBAIN", "PERIURBAIN", "RURAL"), np.where(urban, 0, np.where(rural, 2, 1))
        ),
    }
    enrichment = frame(columns).with_columns(vintage=pl.lit("2023-S2"))
    keep = rng.random(n) >= 0.01
    enrichment = enrichment.filter(pl.Series(keep))
    # a few zones of an older geography, gone from the referential
    n_old = max(2, n // 400)
    old = enrichment.head(n_old).with_columns(
        iris=pl.col("iris").str.slice(0, 5) + pl.lit("9") + pl.col("iris").str.slice(6)
    )
    ctx.writer.write("territory", "iris_enrichment", pl.concat([enrichment, old]))
