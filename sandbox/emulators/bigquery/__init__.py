"""The local BigQuery emulator, run as a sidecar in a virtualenv of its own.

Production runs on BigQuery; locally and in tests the same SQL runs against
``local-bigquery``, an emulator that serves BigQuery's REST API and runs GoogleSQL on
DuckDB. It needs Python 3.13 and pinned packages that must never enter the project's
own environment, so it lives in a virtualenv of its own under the local state folder,
like a sidecar container (real users may run its container image instead):

- ``<state>/bigquery-emulator/venv``: the emulator's virtualenv, built from
  ``deploy/local/bigquery-emulator/requirements.txt`` and rebuilt only when that file
  (or the interpreter) changes;
- ``<state>/bigquery-emulator/home``: the emulator's own ``HOME``. DuckDB cannot download
  its extensions here, so the ones installed from PyPI (``duckdb-extension-*``) are
  copied (hard-linked where possible) into ``home/.duckdb/extensions/<version>/<platform>/``;
- ``<state>/bigquery-emulator/{data,emulator.log,emulator.pid,emulator.json}``: the
  default data folder, log and run files of ``deploy/local/bigquery-emulator/start``.

``<state>/bigquery-emulator`` is the settings' ``bigquery_emulator_dir`` (in the state
folder, ``$MESH_STATE_DIR`` or ``.mesh``).

Example:
    >>> with BigQueryEmulator() as emulator:  # doctest: +SKIP
    ...     rows = emulator.client("trident-local").query_and_wait("SELECT 1 AS x")

From a shell: ``python -m sandbox.emulators.bigquery start|stop|status``.
"""

from sandbox.emulators.bigquery.emulator import EMULATOR_HOST_VARIABLE, BigQueryEmulator
from sandbox.emulators.bigquery.environment import (
    PYTHON_VARIABLE,
    PYTHON_VERSION,
    EmulatorError,
    find_python,
)
from sandbox.emulators.bigquery.files import REQUIREMENTS, DuckDBRuntime, project_root
from sandbox.processes import free_port

__all__ = [
    "EMULATOR_HOST_VARIABLE",
    "PYTHON_VARIABLE",
    "PYTHON_VERSION",
    "REQUIREMENTS",
    "BigQueryEmulator",
    "DuckDBRuntime",
    "EmulatorError",
    "find_python",
    "free_port",
    "project_root",
]
