"""The platform's landing manifest is what the simulation writes."""

from __future__ import annotations

import json

from mesh_platform.landing import MANIFEST
from sandbox.simulation.manifest import simulated_landing_schema


def test_manifest_matches_the_simulated_landing_zone() -> None:
    actual = simulated_landing_schema("tiny")
    recorded = json.loads(MANIFEST.read_text())
    assert recorded == actual, "run `python -m sandbox.simulation.manifest` to refresh the manifest"
