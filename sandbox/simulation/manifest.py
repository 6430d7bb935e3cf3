"""The platform's landing manifest, refreshed from the simulated landing zone.

The platform checks SQL products against the landing tables recorded in
``mesh_platform/landing_schema.json``; locally those tables are the simulation's, so
the manifest is generated from it: ``python -m sandbox.simulation.manifest``. A test
proves it is up to date.
"""

from __future__ import annotations

import duckdb

from mesh_platform.landing import MANIFEST, LandingSchema, read_landing_schema, write_manifest
from sandbox.simulation.world import simulate


def simulated_landing_schema(scale: str = "tiny") -> LandingSchema:
    """The landing tables the simulation writes, simulated in memory."""
    with duckdb.connect() as connection:
        simulate(connection, scale=scale)
        return read_landing_schema(connection)


def refresh_manifest(scale: str = "tiny") -> LandingSchema:
    """Simulate the landing zone in memory and record its tables in the manifest."""
    schema = simulated_landing_schema(scale)
    write_manifest(schema)
    return schema


if __name__ == "__main__":
    written = refresh_manifest()
    print(f"{MANIFEST.name}: {sum(len(t) for t in written.values())} landing tables")
