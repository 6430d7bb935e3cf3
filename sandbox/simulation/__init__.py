"""The simulated world: one deterministic generator of the whole local landing zone.

In production the landing sources are operational extracts and the booking event
stream; locally :func:`simulate` draws them from one seed, at one of the
:data:`SCALES`, into DuckDB schemas ``landing_<domain>``. Each source family's
module documents its tables and columns.
"""

from sandbox.simulation.scales import SCALES, SEED_VOLUMES, Scale, get_scale
from sandbox.simulation.world import SimulationReport, simulate

__all__ = ["SCALES", "SEED_VOLUMES", "Scale", "SimulationReport", "get_scale", "simulate"]
