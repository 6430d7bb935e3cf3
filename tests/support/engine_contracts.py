"""Small realistic contracts (not registered in the mesh) for the engine and WAP tests.

``Village`` (resorts.villages) is referenced by ``VillageRating`` (resorts.village_ratings,
partitioned by season) and ``Occupancy`` (resorts.occupancy, partitioned by month);
``SaleLine`` (sales.sale_lines) lives in another domain. The ``*_frame`` builders make
deterministic frames that honour the contracts; tests break one rule at a time.

Run as a module, this file is the program the multi-process tests start::

    python -m tests.support.engine_contracts PRODUCT RUN_ID [--rounds N] [--pause-at STEP]
        [--marker FILE] [--value V]

It publishes ``PRODUCT`` on the DuckDB warehouse of ``MESH_STATE_DIR``. With
``--pause-at``, it writes ``--marker`` and sleeps forever at that step (for a SIGKILL
test): ``audit`` (the staging table is written), ``publish`` (inside the publishing
transaction, after the old rows or the old table were dropped) or ``replica`` (the
publication committed and its read replica exported, the manifest not yet swapped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
from sqlglot import exp

from contracts.common import (
    Count,
    CountryCode,
    Date,
    NonNegativeMoneyEUR,
    ProductId,
    Season,
    Timestamp,
    VillageId,
)
from mesh_platform.contract import DataContract, Owner, Partitioning, column
from mesh_platform.partitions import PartitionRange

TEAM = Owner(team="Village Operations", contact="village-ops@trident.example")

VILLAGE_CODES = ("VTH", "CER", "PIC", "VAL", "TIG", "GRE", "ALP", "LAP")
SEASONS = ("2023-24", "2024-25")


class Village(
    DataContract,
    domain="resorts",
    product="villages",
    version="1.0.0",
    owner=TEAM,
    grain=("village_id",),
    register=False,
):
    """One row per resort village of the group."""

    village_id: VillageId = column("Three-letter village code.")
    name: str = column("Village name as marketed.", min_length=2, max_length=60)
    country: CountryCode = column("Country the village is in.")
    segment: Literal["premium", "exclusive", "family"] = column("Commercial segment.")
    capacity: Count = column("Number of guest beds.", le=5000)
    opened_on: Date | None = column("Opening date, when known.", default=None)


class VillageRating(
    DataContract,
    domain="resorts",
    product="village_ratings",
    version="1.0.0",
    owner=TEAM,
    grain=("village_id", "season"),
    partitioning=Partitioning(column="season", kind="season"),
    register=False,
):
    """Average guest rating per village and season."""

    village_id: VillageId = column("Rated village.", references="resorts.villages.village_id")
    season: Season = column("Season of the stays rated.")
    rating: float = column("Average rating out of 10.", ge=0, le=10)
    reviews: Count = column("Number of reviews averaged.")


class Occupancy(
    DataContract,
    domain="resorts",
    product="occupancy",
    version="1.0.0",
    owner=TEAM,
    grain=("village_id", "night"),
    partitioning=Partitioning(column="night", kind="monthly"),
    register=False,
):
    """Occupied beds per village and night."""

    village_id: VillageId = column("Village.", references="resorts.villages.village_id")
    night: Date = column("Night of stay.")
    occupied_beds: Count = column("Beds occupied that night.")
    measured_at: Timestamp = column("When the figure was computed (UTC).")


class SaleLine(
    DataContract,
    domain="sales",
    product="sale_lines",
    version="1.0.0",
    owner=Owner(team="Sales & Revenue", contact="sales-revenue@trident.example"),
    grain=("line_id",),
    register=False,
):
    """One row per sale line."""

    line_id: int = column("Sale line number.", ge=1)
    product_id: ProductId = column("Catalogue product sold.")
    amount_eur: NonNegativeMoneyEUR = column("Amount in euros, taxes included.")
    season: Season = column("Season of the stay.")
    sold_at: Timestamp = column("When the sale was recorded (UTC).")
    is_online: bool = column("Sold on the website.")


CONTRACTS: dict[str, type[DataContract]] = {
    c.meta().product: c for c in (Village, VillageRating, Occupancy, SaleLine)
}


def villages_frame(capacity_offset: int = 0) -> pd.DataFrame:
    """The eight villages; ``capacity_offset`` makes a changed but valid version."""
    return pd.DataFrame(
        {
            "village_id": list(VILLAGE_CODES),
            "name": [
                "Val Thorens",
                "Cervinia",
                "Punta Cana",
                "Valmorel",
                "Tignes",
                "Grégolimano",
                "Alpe d'Huez",
                "Laplaud",
            ],
            "country": ["FR", "IT", "DO", "FR", "FR", "GR", "FR", "FR"],
            "segment": [
                "exclusive",
                "premium",
                "family",
                "family",
                "premium",
                "premium",
                "family",
                "premium",
            ],
            "capacity": [1200 + capacity_offset + 10 * i for i in range(len(VILLAGE_CODES))],
            "opened_on": [
                dt.date(2014, 12, 1),
                None,
                dt.date(1981, 6, 1),
                dt.date(2011, 12, 15),
                dt.date(1970, 1, 1),
                None,
                dt.date(1984, 12, 20),
                dt.date(2022, 12, 1),
            ],
        }
    )


def ratings_frame(season: str, bump: float = 0.0) -> pd.DataFrame:
    """One rating per village for ``season``."""
    base = 7.0 if season == SEASONS[0] else 7.5
    return pd.DataFrame(
        {
            "village_id": list(VILLAGE_CODES),
            "season": [season] * len(VILLAGE_CODES),
            "rating": [round(base + bump + 0.25 * (i % 4), 2) for i in range(len(VILLAGE_CODES))],
            "reviews": [100 + 17 * i for i in range(len(VILLAGE_CODES))],
        }
    )


def occupancy_frame(month: str, days: int = 3) -> pd.DataFrame:
    """``days`` nights of ``month`` (``YYYY-MM``) for every village."""
    start = dt.date.fromisoformat(f"{month}-01")
    rows = [
        {
            "village_id": code,
            "night": start + dt.timedelta(days=d),
            "occupied_beds": 400 + 13 * i + d,
            "measured_at": dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC),
        }
        for i, code in enumerate(VILLAGE_CODES)
        for d in range(days)
    ]
    return pd.DataFrame(rows)


def sale_lines_frame(rows: int = 200, first_line: int = 1) -> pd.DataFrame:
    """``rows`` sale lines numbered from ``first_line``."""
    lines = range(first_line, first_line + rows)
    return pd.DataFrame(
        {
            "line_id": list(lines),
            "product_id": [f"P{(n * 37) % 1_000_000:06d}" for n in lines],
            "amount_eur": [round(50 + (n * 7.31) % 3000, 2) for n in lines],
            "season": [SEASONS[n % 2] for n in lines],
            "sold_at": [
                dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=17 * n) for n in lines
            ],
            "is_online": [n % 3 == 0 for n in lines],
        }
    )


def frame_for(product: str, value: str | None = None) -> tuple[pd.DataFrame, PartitionRange | None]:
    """A valid frame of a test product, and its partition if partitioned."""
    if product == "villages":
        return villages_frame(int(value or 0)), None
    if product == "village_ratings":
        season = value or SEASONS[0]
        return ratings_frame(season), PartitionRange.one(season)
    if product == "occupancy":
        month = value or "2024-02"
        return occupancy_frame(month), PartitionRange.one(f"{month}-01")
    if product == "sale_lines":
        return sale_lines_frame(first_line=int(value or 1)), None
    raise KeyError(product)


# --- one broken rule at a time ----------------------------------------------------------


def _null_key(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[2, "village_id"] = None
    return frame


def _duplicate_grain(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)


def _out_of_range(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[1, "capacity"] = 9000
    return frame


def _enum_outside_set(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[3, "segment"] = "budget"
    return frame


def _pattern_mismatch(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[4, "country"] = "France"
    return frame


VILLAGE_VIOLATIONS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str | None]] = {
    "null key": (_null_key, "not_null", "village_id"),
    "duplicate grain": (_duplicate_grain, "unique_grain", None),
    "out of range": (_out_of_range, "range", "capacity"),
    "enum outside its set": (_enum_outside_set, "accepted_values", "segment"),
    "pattern mismatch": (_pattern_mismatch, "pattern", "country"),
}
"""Violation kind -> (how to break a villages frame, the rule broken, its column)."""


def orphan_ratings(season: str) -> pd.DataFrame:
    """Ratings of ``season`` whose first row rates a village that does not exist."""
    frame = ratings_frame(season)
    frame.loc[0, "village_id"] = "ZZZ"
    return frame


# --- the program the multi-process tests run -------------------------------------------


def _pausing_engine(pause_at: str | None, marker: Path | None) -> Any:
    from mesh_platform.engines.duckdb import DuckDBEngine

    def pause() -> None:
        assert marker is not None
        marker.write_text("paused")
        while True:
            time.sleep(1)

    class PausingEngine(DuckDBEngine):
        """Stops for ever at one step of write-audit-publish, to be killed there."""

        def publish_replica(self, domain: str, product: str, run_id: str) -> None:
            if pause_at == "replica":  # committed and exported; the manifest swap is next
                from mesh_platform.engines import replica

                replica.swap_in = lambda *args, **kwargs: pause()  # type: ignore[assignment,misc]
            super().publish_replica(domain, product, run_id)

        def load_arrow(self, *args: Any, **kwargs: Any) -> None:
            super().load_arrow(*args, **kwargs)
            if pause_at == "audit":  # the staging table is written, the audit is next
                pause()

        def _run(self, connection: duckdb.DuckDBPyConnection, statement: exp.Expr | str) -> None:
            super()._run(connection, statement)
            if pause_at == "publish" and isinstance(statement, exp.Delete | exp.Create | exp.Drop):
                if isinstance(statement, exp.Create) and statement.kind != "TABLE":
                    return
                if isinstance(statement, exp.Create) and not statement.args.get("replace"):
                    return
                dropped = (
                    statement.args.get("tables") or [] if isinstance(statement, exp.Drop) else []
                )
                if any(t.name.startswith("_staging") for t in dropped):
                    return  # a staging table, not the published one
                pause()

    return PausingEngine()


def main(argv: list[str] | None = None) -> int:
    """Publish one test product on the local DuckDB warehouse (see the module doc)."""
    import logging

    from mesh_platform.wap import publish_product

    parser = argparse.ArgumentParser()
    parser.add_argument("product", choices=sorted(CONTRACTS))
    parser.add_argument("run_id")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--value")
    parser.add_argument("--pause-at", choices=["audit", "publish", "replica"])
    parser.add_argument("--marker", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    engine = _pausing_engine(args.pause_at, args.marker)
    contract = CONTRACTS[args.product]
    for round_ in range(args.rounds):
        frame, partition = frame_for(args.product, args.value)
        result = publish_product(
            engine, contract, frame=frame, partition=partition, run_id=f"{args.run_id}-{round_}"
        )
        cleaned = " ".join(result.cleaned_staging) or "nothing"
        print(f"published {result.product} {result.row_count} rows, cleaned {cleaned}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
