"""Pytest plugin: the local BigQuery emulator, started once per test run.

Registered in ``tests/conftest.py`` (``pytest_plugins``). Tests ask for the
``bigquery_emulator`` fixture and get a running
:class:`~sandbox.emulators.bigquery.BigQueryEmulator`, with
``BIGQUERY_EMULATOR_HOST`` pointing at it for the whole run. Each run (each
pytest-xdist worker) gets an emulator of its own, on free ports, with an empty data
folder; the emulator's virtualenv is built once and reused by every run.

When the emulator cannot start (no Python 3.13, no network for the first install...)
its tests fail with the reason in CI (``CI`` is set) and are skipped with the reason
elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mesh_platform.settings import MeshSettings
from sandbox.emulators.bigquery import EMULATOR_HOST_VARIABLE, BigQueryEmulator, EmulatorError
from tests.support.unavailable import unavailable

# Read before any test changes it: the emulator's virtualenv is shared by every run.
STATE_DIR_AT_IMPORT = MeshSettings().state_dir


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigQueryEmulator]:
    """A running BigQuery emulator for the whole test run (stopped at its end)."""
    try:
        emulator = BigQueryEmulator(
            state_dir=STATE_DIR_AT_IMPORT,
            workdir=tmp_path_factory.mktemp("bigquery-emulator"),
            attached=True,
        )
        emulator.start()
    except EmulatorError as error:
        unavailable(f"the local BigQuery emulator could not start: {error}")
    patch = pytest.MonkeyPatch()
    patch.setenv(EMULATOR_HOST_VARIABLE, emulator.endpoint)
    try:
        yield emulator
    finally:
        patch.undo()
        emulator.stop()
