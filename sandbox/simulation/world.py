"""One simulated world from one seed: the whole local landing zone.

:func:`simulate` draws households and people, their stays, what they bought,
the campaigns they received, opened and clicked, their web visits, calls and
reviews, and the media that targeted them; then writes every source as a raw
extract into DuckDB schemas ``landing_<domain>``. Same seed and scale, same
tables; another seed, another world.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from mesh_platform.engines.frames import frame_buffers
from mesh_platform.settings import get_settings
from sandbox.simulation import (
    accounts,
    bookings,
    campaigns,
    customers,
    media,
    population,
    products,
    resorts,
    reviews,
    sale_lines,
    sales,
    stays,
    telephony,
    territory,
    web,
)
from sandbox.simulation.context import Context
from sandbox.simulation.randomness import Streams
from sandbox.simulation.scales import Scale, get_scale
from sandbox.simulation.timeline import Timeline
from sandbox.simulation.writer import LandingWriter


class SimulationReport(BaseModel):
    """What a simulation wrote."""

    model_config = ConfigDict(frozen=True)

    scale: str = Field(description="Name of the scale.")
    seed: int = Field(description="Seed of the world.")
    as_of: dt.date = Field(description="Extraction day: the extracts' cut-off is its 00:00 UTC.")
    seasons: tuple[str, ...] = Field(description="The complete seasons simulated.")
    duration_seconds: float = Field(description="Wall-clock time of the simulation.")
    tables: dict[str, int] = Field(description="Rows per landing table (``schema.table``).")

    @property
    def total_rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.tables.values())

    def rows(self, table: str) -> int:
        """Rows of one table, e.g. ``rows("landing_sales.sale_lines")``."""
        return self.tables[table]


def simulate(
    connection: duckdb.DuckDBPyConnection,
    scale: Scale | str = "small",
    seed: int | None = None,
) -> SimulationReport:
    """Generate the landing zone into ``connection`` (tables are replaced).

    DuckDB's buffers are held to the settings' ``duckdb_frame_memory_limit`` while it
    runs; the connection's limit is then the settings' ``duckdb_memory_limit``.

    Args:
        connection: the DuckDB connection to write ``landing_<domain>`` schemas into.
        scale: a :class:`Scale` or the name of one (``tiny``, ``small``, ``seed``, ``large``).
        seed: the world's seed; defaults to the settings' ``seed``.

    Returns:
        The rows written per table, with the scale, seed and duration.
    """
    settings = get_settings()
    # the simulation only appends frames: the process's memory goes to them, not to
    # DuckDB's buffers (afterwards the limit is the session's again)
    with frame_buffers(connection, settings):
        return _simulate(connection, get_scale(scale), settings.seed if seed is None else seed)


def _simulate(
    connection: duckdb.DuckDBPyConnection, config: Scale, world_seed: int
) -> SimulationReport:
    """Draw and write the world, step by step. Each step draws from streams of its own
    (:class:`Streams`), so their order decides only what is held at once: each part of
    the world is let go after the last step that reads it (at the large world, the sale
    lines and the CRM view are each hundreds of megabytes)."""
    started = time.perf_counter()
    writer = LandingWriter(connection, chunk_rows=config.write_chunk_rows)
    ctx = Context(
        scale=config, streams=Streams(world_seed), timeline=Timeline.build(config), writer=writer
    )
    zones = territory.build(ctx)
    villages = resorts.build(ctx)
    people = population.build(ctx, zones)
    catalogue = products.build(ctx, villages)
    trips = stays.build(ctx, people, villages)
    resorts.write(ctx, villages, stays.occupied_beds(ctx, villages, trips))
    holders = accounts.build(ctx, people, trips)
    lines = sales.build(ctx, people, villages, trips, catalogue)
    sale_lines.write(
        ctx,
        pop=people,
        villages=villages,
        stays=trips,
        accounts=holders,
        catalogue=catalogue,
        lines=lines,
    )
    bookings.write_contracts(ctx, people, trips, holders, lines)
    bookings.write_events(ctx, people, trips, holders, lines)
    del lines, catalogue
    customers.write_booking(ctx, people, holders)
    del holders
    view = customers.crm_view(ctx, people, zones)
    outcome = campaigns.run(ctx, people, view, trips, villages)
    customers.write_crm(ctx, people, trips, view, outcome.unsubscribed_at)
    media.run(ctx, people, view, trips)
    del view
    web.run(ctx, people, villages, trips, outcome)
    del outcome
    telephony.run(ctx, people, trips)
    reviews.run(ctx, people, villages, trips)
    return SimulationReport(
        scale=config.name,
        seed=world_seed,
        as_of=config.as_of,
        seasons=config.season_labels,
        duration_seconds=round(time.perf_counter() - started, 3),
        tables=dict(sorted(writer.rows.items())),
    )
