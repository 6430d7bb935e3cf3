"""What every generator of the simulation shares: the scale, the random streams,
the calendar and the landing writer."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.simulation.randomness import Streams
from sandbox.simulation.scales import SEED_VOLUMES, Scale
from sandbox.simulation.timeline import Timeline
from sandbox.simulation.writer import LandingWriter


@dataclass(frozen=True)
class Context:
    """The shared state of one simulation run."""

    scale: Scale
    streams: Streams
    timeline: Timeline
    writer: LandingWriter

    @property
    def volume(self) -> float:
        """Size of the world relative to the ``seed`` scale (its contacts over the seed's)."""
        return self.scale.contacts / SEED_VOLUMES["contacts"]
