"""The product catalogue (source family: products).

The catalogue holds every product the group sells, per season: stays per village
and room category, ski passes, ski school, equipment rental, parking, transport,
insurance, activities, spa and kids' clubs. A *core* product exists for each
combination the sale lines need; the rest of the catalogue are variants of them
(other tariffs, older codes, inactive products).

Landing table ``landing_products.families`` - the family referential: ``family_code``
VARCHAR, ``family_label`` VARCHAR (the reference spelling), ``category_code``
VARCHAR (STAY, SKI_PASS, SKI_SCHOOL, EQUIPMENT_RENTAL, ACTIVITY, TRANSPORT,
INSURANCE, OTHER).

Landing table ``landing_products.catalogue`` - one row per product version. Dirty:
family labels spelled several ways, some sub-families missing, and a few products
appear twice (an older and a newer version, ``updated_at`` tells which).

    ============================ ========= ================================================
    column                       type      meaning
    ============================ ========= ================================================
    product_id                   VARCHAR   ``P`` + 6 digits (the correspondence id)
    source_product_code          VARCHAR   code in the selling system
    product_label                VARCHAR   label
    family_code                  VARCHAR   HEB, FORF, COURS, LOC, PARK, TRANS, ASSU,
                                           ACTI, SPA, ENF
    family_label                 VARCHAR   label of the family (spelling varies)
    sub_family                   VARCHAR   sub-family (room category, course type, ...)
    ski_duration_category        VARCHAR   ski pass duration class (``4-6 jours``)
    duration_code                VARCHAR   ``1J``, ``6J``, ``7N`` ...
    duration_label               VARCHAR   ``6 jours``, ``7 nuits`` ...
    age_class                    VARCHAR   ENFANT, ADULTE, SENIOR for passes and courses
    park_type_family_label       VARCHAR   ski area of a lift pass (``Les 3 Vallées``), or
                                           COUVERT / EXTERIEUR for a parking product
    accommodation_capacity_label VARCHAR   ``1-2 pers.``, ``2-4 pers.``, ``4-6 pers.``
    ski_school_label             VARCHAR   ESF, ESI or ECOLE DU VILLAGE
    ski_course_type_label        VARCHAR   COLLECTIF, PARTICULIER, SNOWBOARD, FREESTYLE
    ski_course_group_label       VARCHAR   GROUPE or INDIVIDUEL
    village_code                 VARCHAR   village the product is sold in (null: any)
    season_code                  VARCHAR   season, ``2023-24``
    list_price_eur               DOUBLE    catalogue price of one unit, euros
    active_flag                  VARCHAR   ``O`` on sale, ``N`` withdrawn
    updated_at                   TIMESTAMP last change of this product version
    ============================ ========= ================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sandbox.simulation.context import Context
from sandbox.simulation.dirt import vary_case
from sandbox.simulation.frames import concat, frame, numbered, pick, timestamps, with_nulls
from sandbox.simulation.places import VILLAGES
from sandbox.simulation.resorts import Villages
from sandbox.simulation.stays import ROOM_CATEGORIES
from sandbox.simulation.timeline import DAY

FAMILIES = ("HEB", "FORF", "COURS", "LOC", "PARK", "TRANS", "ASSU", "ACTI", "SPA", "ENF")
FAMILY_LABELS = (
    ("Hébergement", "HEBERGEMENT", "Hebergement"),
    ("Forfait ski", "FORFAIT SKI", "Forfaits"),
    ("Cours de ski", "COURS DE SKI", "Cours ski"),
    ("Location matériel", "LOCATION MATERIEL", "Location"),
    ("Parking", "PARKING", "parking"),
    ("Transport", "TRANSPORT", "Transports"),
    ("Assurance", "ASSURANCE", "Assurances"),
    ("Activités & excursions", "ACTIVITES", "Activites et excursions"),
    ("Spa & bien-être", "SPA", "Spa et bien-etre"),
    ("Club enfants", "CLUB ENFANTS", "Mini Club"),
)
SKI_DURATIONS = ("1 jour", "2-3 jours", "4-6 jours", "7 jours et +")
SKI_DAYS = np.array([1, 3, 6, 7])
AGE_CLASSES = ("ADULTE", "ENFANT", "SENIOR")
COURSE_TYPES = ("COLLECTIF", "PARTICULIER", "SNOWBOARD", "FREESTYLE")
SCHOOLS = ("ESF", "ESI", "ECOLE DU VILLAGE")
PARKING_TYPES = ("EXTERIEUR", "COUVERT")
INSURANCES = ("ANNULATION", "MULTIRISQUE")
ACTIVITIES = ("EXCURSION", "SPORT")
CAPACITY_LABELS = ("1-2 pers.", "2-4 pers.", "2-4 pers.", "4-6 pers.")
CATEGORIES = (
    "STAY", "SKI_PASS", "SKI_SCHOOL", "EQUIPMENT_RENTAL", "OTHER",
    "TRANSPORT", "INSURANCE", "ACTIVITY", "ACTIVITY", "OTHER",
)  # fmt: skip
"""Group-level category of each family, in the order of FAMILIES."""
SKI_AREAS = {
    "VTH": "Les 3 Vallées", "MEN": "Les 3 Vallées", "MER": "Les 3 Vallées",
    "ARC": "Paradiski", "PEI": "Paradiski", "PLA": "Paradiski", "TIG": "Espace Killy",
    "VDI": "Espace Killy", "ALP": "Alpe d'Huez Grand Domaine", "DAL": "Les 2 Alpes",
    "SER": "Serre Chevalier Vallée", "VMO": "Grand Domaine", "ROS": "Espace San Bernardo",
    "SAM": "Grand Massif", "FLA": "Grand Massif", "AVO": "Portes du Soleil",
    "CHA": "Chamonix Le Pass", "FRO": "Pyrénées 2000", "SMO": "Engadin St. Moritz",
    "VIL": "Villars-Gryon", "WEN": "Jungfrau Ski Region", "PRA": "Via Lattea",
    "CER": "Cervino Ski Paradise",
}  # fmt: skip
"""Ski area of the lift passes sold in each mountain village (else the village's name)."""


@dataclass(frozen=True)
class Catalogue:
    """Products grouped by what a sale line asks for (family, village, season, variant)."""

    lookup: np.ndarray  # (family, village + 1, season, a, b) -> group, -1 when absent
    group_offsets: np.ndarray  # products of group g: positions offsets[g] .. offsets[g+1]-1
    product_number: np.ndarray  # product numbers in group order
    list_price: np.ndarray  # list price of the products, in group order

    def group(
        self,
        family: np.ndarray | int,
        village: np.ndarray,
        season: np.ndarray,
        a: np.ndarray | int = 0,
        b: np.ndarray | int = 0,
    ) -> np.ndarray:
        """The group of each requested (family, village, season, a, b); -1 if none."""
        return np.asarray(self.lookup[family, village + 1, season, a, b])

    def pick(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """One product (its position in group order) drawn uniformly within each group."""
        lo = self.group_offsets[groups]
        size = self.group_offsets[groups + 1] - lo
        return np.asarray(lo + np.floor(rng.random(groups.size) * size).astype(np.int64))


def _core(villages: Villages, n_seasons: int) -> dict[str, np.ndarray]:
    """The combinations sale lines need: family, village (-1: any), season, a, b."""
    v = np.arange(villages.n)
    mountain = np.flatnonzero(villages.mountain)
    fr_mountain = np.flatnonzero(
        villages.mountain & np.array([c == "FR" for c in villages.country])
    )
    parts: list[tuple[int, np.ndarray, int, int]] = [
        (0, v, 4, 1),
        (1, mountain, 4, 3),
        (2, mountain, 4, 1),
        (3, mountain, 2, 1),
        (4, fr_mountain, 2, 1),
        (5, v, 1, 1),
        (6, np.array([-1]), 2, 1),
        (7, v, 2, 1),
        (8, v, 1, 1),
        (9, v, 1, 1),
    ]
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("family", "village", "season", "a", "b")}
    for family, vs, na, nb in parts:
        grid = np.array(
            np.meshgrid(vs, np.arange(n_seasons), np.arange(na), np.arange(nb), indexing="ij")
        ).reshape(4, -1)
        cols["family"].append(np.full(grid.shape[1], family))
        cols["village"].append(grid[0])
        cols["season"].append(grid[1])
        cols["a"].append(grid[2])
        cols["b"].append(grid[3])
    return {k: np.concatenate(v_) for k, v_ in cols.items()}


def core_size(villages: Villages, n_seasons: int) -> int:
    """Products the catalogue needs at least."""
    return int(_core(villages, n_seasons)["family"].size)


def build(ctx: Context, villages: Villages) -> Catalogue:
    """Generate and write the catalogue; return the lookup sale lines use."""
    tl = ctx.timeline
    rng = ctx.streams("products.catalogue")
    core = _core(villages, tl.n_seasons)
    n_core = core["family"].size
    total = ctx.scale.products
    if total < n_core:
        raise ValueError(
            f"scale {ctx.scale.name!r}: products={total} is below the {n_core} products "
            "the catalogue needs (one per family, village, season and variant)"
        )
    n_dup = max(1, total // 800)
    n_fill = total - n_core - n_dup
    group = np.concatenate([np.arange(n_core), rng.integers(0, n_core, n_fill)])
    order = np.argsort(group, kind="stable")
    group = group[order]
    fam, vil, sea, a, b = (core[k][group] for k in ("family", "village", "season", "a", "b"))
    n = group.size
    variant = np.concatenate([np.zeros(n_core, dtype=np.int64), rng.integers(1, 9, n_fill)])[order]

    price = _list_price(fam, vil, a, b, villages) * rng.lognormal(0, 0.06, n)
    price = np.where(variant > 0, price * rng.uniform(0.85, 1.1, n), price)
    numbers = rng.permutation(np.arange(1, 999_999))[:n] if n < 999_998 else np.arange(1, n + 1)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n_core))])
    lookup = np.full((len(FAMILIES), villages.n + 1, tl.n_seasons, 4, 3), -1, dtype=np.int64)
    lookup[core["family"], core["village"] + 1, core["season"], core["a"], core["b"]] = np.arange(
        n_core
    )

    rows = _rows(
        ctx, rng, fam=fam, vil=vil, sea=sea, a=a, b=b, variant=variant, numbers=numbers, price=price
    )
    dup = rows.sample(n=n_dup, seed=int(rng.integers(0, 2**31))).with_columns(
        product_label=pl.col("product_label").str.to_uppercase(),
        updated_at=pl.col("updated_at") + pl.duration(days=30),
    )
    ctx.writer.write("products", "catalogue", pl.concat([rows, dup]))
    ctx.writer.write(
        "products",
        "families",
        frame(
            {
                "family_code": pl.Series(FAMILIES),
                "family_label": pl.Series([labels[0] for labels in FAMILY_LABELS]),
                "category_code": pl.Series(CATEGORIES),
            }
        ),
    )
    return Catalogue(lookup=lookup, group_offsets=offsets, product_number=numbers, list_price=price)


def _list_price(
    fam: np.ndarray, vil: np.ndarray, a: np.ndarray, b: np.ndarray, villages: Villages
) -> np.ndarray:
    night = villages.night_price[np.maximum(vil, 0)]
    return np.select(
        [fam == 0, fam == 1, fam == 2, fam == 3, fam == 4, fam == 5, fam == 6, fam == 7, fam == 8],
        [
            night * np.array([1.0, 1.25, 1.6, 2.4])[np.minimum(a, 3)],
            SKI_DAYS[np.minimum(a, 3)] * np.array([55.0, 40.0, 48.0])[np.minimum(b, 2)],
            np.array([180.0, 320.0, 210.0, 240.0])[np.minimum(a, 3)],
            np.array([28.0, 18.0])[np.minimum(a, 1)],
            np.array([15.0, 24.0])[np.minimum(a, 1)],
            np.where(villages.kind[np.maximum(vil, 0)] == 0, 180.0, 520.0),
            np.array([45.0, 79.0])[np.minimum(a, 1)],
            np.array([95.0, 60.0])[np.minimum(a, 1)],
            np.full(fam.size, 120.0),
        ],
        default=35.0,
    )


def _rows(
    ctx: Context,
    rng: np.random.Generator,
    *,
    fam: np.ndarray,
    vil: np.ndarray,
    sea: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    variant: np.ndarray,
    numbers: np.ndarray,
    price: np.ndarray,
) -> pl.DataFrame:
    n = fam.size
    tl = ctx.timeline
    seasons = tl.season_labels()
    family = pick(FAMILIES, fam)
    codes = pick(["ALL", *[v.code for v in VILLAGES]], vil + 1)
    season = pick(seasons, sea)
    names = pick(["", *[v.name for v in VILLAGES]], vil + 1)

    def is_(family: int) -> pl.Series:
        return pl.Series(fam == family)

    room = pick(ROOM_CATEGORIES, np.minimum(a, 3))
    sub_family = pl.select(
        pl.when(is_(0))
        .then(room)
        .when(is_(1))
        .then(pick(SKI_DURATIONS, np.minimum(a, 3)))
        .when(is_(2))
        .then(pick(COURSE_TYPES, np.minimum(a, 3)))
        .when(is_(3))
        .then(pick(("SKI ADULTE", "SKI ENFANT"), np.minimum(a, 1)))
        .when(is_(4))
        .then(pick(PARKING_TYPES, np.minimum(a, 1)))
        .when(is_(5))
        .then(pl.lit("VOL A/R"))
        .when(is_(6))
        .then(pick(INSURANCES, np.minimum(a, 1)))
        .when(is_(7))
        .then(pick(ACTIVITIES, np.minimum(a, 1)))
        .when(is_(8))
        .then(pl.lit("SOINS"))
        .otherwise(pl.lit("MINI CLUB"))
    ).to_series()
    variant_tag = pl.select(
        pl.when(pl.Series(variant > 0))
        .then(pl.lit(" - TARIF ") + pl.Series(variant).cast(pl.String))
        .otherwise(pl.lit(""))
    ).to_series()
    label = concat(pick([f[0] for f in FAMILY_LABELS], fam), " ", sub_family)
    label = pl.select(
        pl.when(pl.Series(vil >= 0)).then(label + pl.lit(" ") + names).otherwise(label)
    ).to_series()
    label = concat(label, " ", season, variant_tag)
    label = vary_case(label, rng, upper=0.3, lower=0.05)
    family_label = pl.Series([f[k] for f in FAMILY_LABELS for k in range(3)]).gather(
        fam * 3 + np.where(rng.random(n) < 0.8, 0, rng.integers(1, 3, n))
    )
    ski = is_(1)
    course = is_(2)
    duration_days = np.where(fam == 1, SKI_DAYS[np.minimum(a, 3)], 6)
    duration_code = pl.select(
        pl.when(is_(0))
        .then(pl.lit("7N"))
        .when(ski | course | is_(3) | is_(4))
        .then(pl.Series(duration_days).cast(pl.String) + pl.lit("J"))
        .otherwise(None)
    ).to_series()
    duration_label = pl.select(
        pl.when(is_(0))
        .then(pl.lit("7 nuits"))
        .when(ski | course | is_(3) | is_(4))
        .then(pl.Series(duration_days).cast(pl.String) + pl.lit(" jours"))
        .otherwise(None)
    ).to_series()
    age = pl.select(
        pl.when(ski)
        .then(pick(AGE_CLASSES, np.minimum(b, 2)))
        .when(course | is_(3))
        .then(pick(AGE_CLASSES, np.where(a == 1, 1, 0)))
        .otherwise(None)
    ).to_series()
    school = pick(SCHOOLS, rng.integers(0, 3, n))
    updated = tl.days[0] * DAY + (sea * 365 - 120 + rng.integers(0, 200, n)) * DAY
    return frame(
        {
            "product_id": numbered("P", numbers, 6),
            "source_product_code": concat(
                family, "-", codes, "-", numbered("", numbers % 10_000, 4)
            ),
            "product_label": label,
            "family_code": family,
            "family_label": family_label,
            "sub_family": with_nulls(sub_family, rng.random(n) < 0.03),
            "ski_duration_category": with_nulls(pick(SKI_DURATIONS, np.minimum(a, 3)), fam != 1),
            "duration_code": duration_code,
            "duration_label": duration_label,
            "age_class": age,
            "park_type_family_label": pl.select(
                pl.when(is_(1))
                .then(pick(["", *[SKI_AREAS.get(v.code, v.name) for v in VILLAGES]], vil + 1))
                .when(is_(4))
                .then(pick(PARKING_TYPES, np.minimum(a, 1)))
                .otherwise(None)
            ).to_series(),
            "accommodation_capacity_label": with_nulls(
                pick(CAPACITY_LABELS, np.minimum(a, 3)), fam != 0
            ),
            "ski_school_label": with_nulls(school, fam != 2),
            "ski_course_type_label": with_nulls(pick(COURSE_TYPES, np.minimum(a, 3)), fam != 2),
            "ski_course_group_label": with_nulls(
                pick(("GROUPE", "INDIVIDUEL", "GROUPE", "GROUPE"), np.minimum(a, 3)), fam != 2
            ),
            "village_code": with_nulls(codes, vil < 0),
            "season_code": season,
            "list_price_eur": np.round(price, 2),
            "active_flag": pick(("O", "N"), ((variant > 0) & (rng.random(n) < 0.35)).astype(int)),
            "updated_at": timestamps(updated),
        }
    )
