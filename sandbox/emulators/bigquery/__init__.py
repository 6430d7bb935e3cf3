"""The local BigQuery emulator (:mod:`sandbox.emulators.bigquery.emulator`).

From a shell: ``python -m sandbox.emulators.bigquery start|stop|status``.
"""

from sandbox.emulators.bigquery.emulator import (
    EMULATOR_HOST_VARIABLE,
    PYTHON_VARIABLE,
    REQUIREMENTS,
    STATE_VARIABLE,
    BigQueryEmulator,
    EmulatorError,
    default_state_dir,
    find_python,
    project_root,
)

__all__ = [
    "EMULATOR_HOST_VARIABLE",
    "PYTHON_VARIABLE",
    "REQUIREMENTS",
    "STATE_VARIABLE",
    "BigQueryEmulator",
    "EmulatorError",
    "default_state_dir",
    "find_python",
    "project_root",
]
