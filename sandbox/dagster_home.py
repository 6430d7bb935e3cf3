"""The local Dagster instance's folder (``DAGSTER_HOME``), as ``mesh build`` and
``mesh dev`` create it.

The mesh writes the instance's ``dagster.yaml`` once, saying that this instance sends no
telemetry: a local sandbox of a company's data should not phone home, and a newcomer's
first ``mesh build`` should not open on Dagster's telemetry banner. A ``dagster.yaml``
already written (by hand, or with other settings) is left as it is.
"""

from __future__ import annotations

from pathlib import Path

INSTANCE_CONFIG = """\
# The local Dagster instance of the mesh (written once by `mesh build` / `mesh dev`;
# edit freely, it is not rewritten). No telemetry leaves a local sandbox.
telemetry:
  enabled: false
"""


def prepare_home(home: Path) -> Path:
    """Create ``home`` and its ``dagster.yaml`` (no telemetry) unless one is written."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or not config.read_text().strip():
        config.write_text(INSTANCE_CONFIG)
    return home
