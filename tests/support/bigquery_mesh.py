"""Pytest plugin: the whole mesh built on the BigQuery emulator at the tiny scale, by the
real ``mesh build`` command, in the background while the other tests run.

The build takes minutes, most of them inside the emulator's own process, so it starts
as soon as collection shows a test that asks for ``bigquery_mesh``, in a subprocess:
``mesh build --scale tiny`` with ``MESH_ENGINE=bigquery``, a state folder of its own and
an emulator of its own (the emulator's virtualenv is the shared one). The fixture waits
for it. Under pytest-xdist the build starts when a worker first asks for the fixture.

When the emulator cannot start, the tests that need it fail with the reason in CI
(``CI`` is set) and are skipped with the reason elsewhere, as in
:mod:`tests.support.bigquery`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.settings import MeshSettings
from sandbox.emulators.bigquery import EMULATOR_HOST_VARIABLE, BigQueryEmulator, EmulatorError
from tests.support.bigquery import STATE_DIR_AT_IMPORT
from tests.support.unavailable import unavailable

FIXTURE = "bigquery_mesh"
BUILD_TIMEOUT_S = 1500.0
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BigQueryMesh:
    """The tiny mesh as ``mesh build`` left it on the emulator."""

    state: Path
    endpoint: str
    returncode: int
    output: str

    @property
    def settings(self) -> MeshSettings:
        return MeshSettings(
            state_dir=self.state, engine="bigquery", bigquery_endpoint=self.endpoint
        )

    def engine(self) -> BigQueryEngine:
        """An engine on the emulator's warehouse."""
        return BigQueryEngine(self.settings, endpoint=self.endpoint)


class _Build:
    """The background build: its emulator, state folder and process."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="trident-bigquery-mesh-"))
        self.state = self.root / "state"
        self.log = self.root / "build.log"
        self.emulator: BigQueryEmulator | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.error: str | None = None
        self.result: BigQueryMesh | None = None

    def start(self) -> None:
        try:
            self.emulator = BigQueryEmulator(
                state_dir=STATE_DIR_AT_IMPORT, workdir=self.root / "emulator", attached=True
            )
            self.emulator.start()
        except EmulatorError as error:
            self.error = f"the local BigQuery emulator could not start: {error}"
            return
        env = {
            **os.environ,
            "MESH_STATE_DIR": str(self.state),
            "MESH_ENGINE": "bigquery",
            EMULATOR_HOST_VARIABLE: self.emulator.endpoint,
            "COLUMNS": "200",
        }
        for name in ("MESH_ENV", "MESH_DUCKDB_PATH", "MESH_DATASET_PREFIX", "DAGSTER_HOME"):
            env.pop(name, None)
        mesh = Path(sys.executable).with_name("mesh")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(mesh), "build", "--scale", "tiny"],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> BigQueryMesh:
        if self.result is not None:
            return self.result
        if self.process is None and self.error is None:
            self.start()
        if self.error is not None:
            unavailable(self.error)
        assert self.process is not None
        assert self.emulator is not None
        deadline = time.monotonic() + BUILD_TIMEOUT_S
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"mesh build on BigQuery took over {BUILD_TIMEOUT_S:.0f} s")
            time.sleep(1)
        self.result = BigQueryMesh(
            state=self.state,
            endpoint=self.emulator.endpoint,
            returncode=self.process.returncode,
            output=self.log.read_text(errors="replace"),
        )
        return self.result

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.emulator is not None:
            self.emulator.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_BUILD = _Build()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the build as soon as a collected test needs it (not in xdist workers, where
    the fixture starts it when a worker first needs it)."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return
    if any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        _BUILD.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _BUILD.stop()


@pytest.fixture(scope="session")
def bigquery_mesh() -> BigQueryMesh:
    """The tiny mesh built on the BigQuery emulator by ``mesh build`` (waits for it)."""
    return _BUILD.wait()
