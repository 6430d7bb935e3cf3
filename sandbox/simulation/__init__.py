"""The simulated world: one deterministic generator of the whole local landing zone.

In production the landing sources are operational extracts and the booking event
stream; locally :func:`simulate` draws them from one seed, at one of the
:data:`SCALES`, into DuckDB schemas ``landing_<domain>``. Each source family's
module documents its tables and columns.

The generator (:mod:`sandbox.simulation.world`, with every source family) is imported
on first use of :func:`simulate` or :class:`SimulationReport`: a command that only
names a scale (``mesh build --no-simulate``) does not pay for it.
"""

from typing import TYPE_CHECKING, Any

from sandbox.simulation.scales import SCALES, SEED_VOLUMES, Scale, get_scale

if TYPE_CHECKING:
    from sandbox.simulation.world import SimulationReport, simulate

__all__ = ["SCALES", "SEED_VOLUMES", "Scale", "SimulationReport", "get_scale", "simulate"]


def __getattr__(name: str) -> Any:
    if name in ("SimulationReport", "simulate"):
        from sandbox.simulation import world

        return getattr(world, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
