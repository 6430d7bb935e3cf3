"""The emulator itself: provisioned on first use, started, stopped."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from mesh_platform.settings import get_settings
from sandbox.emulators.bigquery.environment import (
    EmulatorError,
    clean_env,
    find_python,
    find_uv,
    run,
)
from sandbox.emulators.bigquery.files import (
    REQUIREMENTS,
    DuckDBRuntime,
    pid_alive,
    place,
    project_root,
)
from sandbox.processes import (
    LocalService,
    free_port,
    launch,
    locked,
    stop_process,
    tail,
    wait_until_ready,
)

if TYPE_CHECKING:
    from google.cloud import bigquery

EMULATOR_HOST_VARIABLE = "BIGQUERY_EMULATOR_HOST"
"""The google-cloud-bigquery convention for an emulator's URL."""

_PROBE_PROJECT = "local"
_VENV_MARKER = ".requirements.sha256"
_PROBE_DUCKDB = """
import importlib.metadata, json, duckdb
extensions = []
for dist in importlib.metadata.distributions():
    name = (dist.metadata["Name"] or "").lower().replace("_", "-")
    if name.startswith("duckdb-extension-"):
        files = [f for f in dist.files or () if f.name.endswith(".duckdb_extension")]
        extensions += [str(dist.locate_file(f)) for f in files]
con = duckdb.connect()
print(json.dumps({
    "version": con.execute("PRAGMA version").fetchone()[0],
    "platform": con.execute("PRAGMA platform").fetchone()[0],
    "extensions": sorted(extensions),
}))
"""
_SERVE_ATTACHED = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
if sys.platform == "linux":  # stop when the process that started us dies
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != parent:
    sys.exit("the process that started the emulator is gone")
from local_bigquery.cli import main
main(sys.argv[2:])
"""


class BigQueryEmulator(LocalService):
    """The local BigQuery emulator: provisioned on first use, started, stopped.

    Args:
        host: the interface to listen on.
        port: the REST port (a free one when not given).
        grpc_port: the Storage API (gRPC) port (a free one when not given).
        state_dir: the local state folder (default: the settings' ``state_dir``); the
            virtualenv and the emulator's HOME live in its ``bigquery_emulator_dir``.
        workdir: where the data folder, log and pid file go (default
            ``<state_dir>/bigquery-emulator``); give each concurrent emulator its own.
        data_dir: the emulator's data folder (default ``<workdir>/data``).
        requirements: the pinned requirements (default, from the project's root:
            ``deploy/local/bigquery-emulator/requirements.txt``).
        startup_timeout: seconds to wait for the REST API to answer.
        attached: stop the emulator when this process dies (Linux), as a test run
            wants; otherwise it runs detached from the terminal, as a service.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        grpc_port: int | None = None,
        state_dir: Path | None = None,
        workdir: Path | None = None,
        data_dir: Path | None = None,
        requirements: Path | None = None,
        startup_timeout: float = 120.0,
        attached: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.grpc_port = grpc_port
        settings = get_settings()
        if state_dir is not None:
            settings = settings.model_copy(update={"state_dir": Path(state_dir)})
        self.state_dir = settings.state_dir
        self.root = settings.bigquery_emulator_dir
        self.workdir = Path(workdir) if workdir else self.root
        self.data_dir = Path(data_dir) if data_dir else self.workdir / "data"
        self.requirements = Path(requirements) if requirements else project_root() / REQUIREMENTS
        self.startup_timeout = startup_timeout
        self.attached = attached
        self._process: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None

    # -- where things are ------------------------------------------------------------

    @property
    def venv(self) -> Path:
        """The emulator's own virtualenv."""
        return self.root / "venv"

    @property
    def home(self) -> Path:
        """The emulator's own HOME (DuckDB's extension directory lives in it)."""
        return self.root / "home"

    @property
    def log_path(self) -> Path:
        return self.workdir / "emulator.log"

    @property
    def pid_path(self) -> Path:
        return self.workdir / "emulator.pid"

    @property
    def info_path(self) -> Path:
        """Endpoint, ports and data folder of the running emulator (JSON)."""
        return self.workdir / "emulator.json"

    @property
    def endpoint(self) -> str:
        """The REST endpoint, e.g. ``http://127.0.0.1:9050``."""
        if self.port is None:
            raise EmulatorError("the BigQuery emulator has no port yet: start it first")
        return f"http://{self.host}:{self.port}"

    @property
    def grpc_address(self) -> str:
        """The Storage Read/Write API's address, ``host:port`` (plain gRPC)."""
        if self.grpc_port is None:
            raise EmulatorError("the BigQuery emulator has no gRPC port yet: start it first")
        return f"{self.host}:{self.grpc_port}"

    @property
    def pid(self) -> int | None:
        """The emulator's process id while it runs."""
        return self._pid

    def _bin(self, name: str) -> Path:
        scripts = "Scripts" if os.name == "nt" else "bin"
        suffix = ".exe" if os.name == "nt" else ""
        return self.venv / scripts / f"{name}{suffix}"

    @property
    def python(self) -> Path:
        """The virtualenv's interpreter."""
        return self._bin("python")

    # -- provisioning ----------------------------------------------------------------

    def _requirements_hash(self, interpreter: str) -> str:
        try:
            content = self.requirements.read_bytes()
        except OSError as error:
            raise EmulatorError(
                f"cannot read the emulator's requirements {self.requirements}: {error}"
            ) from error
        return hashlib.sha256(content + b"\0" + interpreter.encode()).hexdigest()

    def is_provisioned(self) -> bool:
        """Whether the virtualenv exists and was built from the current requirements."""
        marker = self.venv / _VENV_MARKER
        if not (marker.is_file() and self.python.exists() and self._bin("local-bigquery").exists()):
            return False
        recorded = marker.read_text().strip().split(" ", 1)
        return len(recorded) == 2 and recorded[0] == self._requirements_hash(recorded[1])

    def ensure_venv(self) -> Path:
        """Create the virtualenv if it is missing or its requirements changed.

        Returns:
            The virtualenv's interpreter.

        Raises:
            EmulatorError: no Python 3.13, or the installation failed (with its output).
        """
        with locked(self.root / "provision.lock"):
            if self.is_provisioned():
                return self.python
            interpreter = str(find_python())
            if self.venv.exists():
                shutil.rmtree(self.venv)
            install_log = self.root / "install.log"
            install_log.unlink(missing_ok=True)
            print(
                f"creating the BigQuery emulator's virtualenv in {self.venv} "
                f"(Python {interpreter}); the first time downloads its packages",
                file=sys.stderr,
            )
            uv, reqs = find_uv(), self.requirements
            if uv:
                steps = [
                    [uv, "venv", "--no-project", "--no-config", "--python", interpreter, self.venv],
                    [uv, "pip", "install", "--no-config", "--python", self.python, "-r", reqs],
                ]
            else:
                steps = [
                    [interpreter, "-m", "venv", self.venv],
                    [self.python, "-m", "pip", "install", "-r", reqs],
                ]
            for step in steps:
                with install_log.open("a") as log:
                    log.write("$ " + " ".join(map(str, step)) + "\n")
                    log.flush()
                    done = subprocess.run(
                        [str(a) for a in step],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=clean_env(UV_PYTHON_DOWNLOADS="never"),
                        cwd=self.root,
                        check=False,
                    )
                if done.returncode != 0:
                    raise EmulatorError(
                        "installing the BigQuery emulator failed "
                        f"({' '.join(map(str, step[:3]))} ... exited {done.returncode}); "
                        f"end of {install_log}:\n{tail(install_log)}"
                    )
            marker = self.venv / _VENV_MARKER
            marker.write_text(f"{self._requirements_hash(interpreter)} {interpreter}\n")
            return self.python

    def duckdb_runtime(self) -> DuckDBRuntime:
        """Ask the emulator's DuckDB for its version, platform and extension files."""
        done = run([self.python, "-c", _PROBE_DUCKDB], env=clean_env(HOME=str(self.home)))
        if done.returncode != 0:
            raise EmulatorError(
                f"the emulator's virtualenv {self.venv} cannot run DuckDB: {done.stderr.strip()}"
            )
        found = json.loads(done.stdout)
        return DuckDBRuntime(
            version=found["version"],
            platform=found["platform"],
            extensions=tuple(Path(p) for p in found["extensions"]),
        )

    def install_extensions(self) -> Path:
        """Put the PyPI-installed DuckDB extensions where the emulator's DuckDB looks (linked).

        Returns:
            ``<home>/.duckdb/extensions/<version>/<platform>``.
        """
        runtime = self.duckdb_runtime()
        if not runtime.extensions:
            raise EmulatorError(
                f"no *.duckdb_extension file in the emulator's virtualenv {self.venv}: "
                f"are the duckdb-extension-* packages in {self.requirements}?"
            )
        target = self.home / ".duckdb" / "extensions" / runtime.version / runtime.platform
        with locked(self.root / "provision.lock"):
            target.mkdir(parents=True, exist_ok=True)
            for source in runtime.extensions:
                place(source, target / source.name)
        return target

    # -- running ---------------------------------------------------------------------

    def recorded(self) -> dict[str, Any] | None:
        """What the run files of ``workdir`` say of a running emulator, if one runs."""
        try:
            info = json.loads(self.info_path.read_text())
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        if not pid_alive(pid):
            return None
        info["pid"] = pid
        return dict(info)

    def _answers(self) -> bool:
        url = f"{self.endpoint}/bigquery/v2/projects/{_PROBE_PROJECT}/datasets"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> Self:
        """Provision if needed, start the emulator and wait until its REST API answers.

        Raises:
            EmulatorError: it could not be provisioned, exited, or did not answer in
                time; the message carries the end of its log.
        """
        if self._process is not None and self._process.poll() is None:
            return self
        if running := self.recorded():
            raise EmulatorError(
                f"a BigQuery emulator already runs from {self.workdir} "
                f"(pid {running['pid']}, {running.get('endpoint')}): stop it first"
            )
        self.ensure_venv()
        self.install_extensions()
        self.port = self.port or free_port(self.host)
        self.grpc_port = self.grpc_port or free_port(self.host)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        serve = [
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--grpc-port",
            str(self.grpc_port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.attached:
            command = [str(self.python), "-c", _SERVE_ATTACHED, str(os.getpid()), *serve]
        else:
            command = [str(self._bin("local-bigquery")), *serve]
        self._process = launch(
            command,
            self.log_path,
            append=False,
            new_session=not self.attached,
            env=clean_env(HOME=str(self.home)),
            cwd=self.workdir,
        )
        self._pid = self._process.pid
        try:
            self._wait_until_ready(self._process)
        except BaseException:
            self._terminate(self._process.pid)
            self._process = None
            self._pid = None
            raise
        self.pid_path.write_text(f"{self._pid}\n")
        self.info_path.write_text(
            json.dumps(
                {
                    "endpoint": self.endpoint,
                    "port": self.port,
                    "grpc_port": self.grpc_port,
                    "data_dir": str(self.data_dir),
                    "log": str(self.log_path),
                },
                indent=2,
            )
            + "\n"
        )
        return self

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        wait_until_ready(
            process,
            self._answers,
            name="the BigQuery emulator",
            where=self.endpoint,
            log=self.log_path,
            error=EmulatorError,
            timeout=self.startup_timeout,
            interval=0.2,
            log_prefix="",
        )

    def _terminate(self, pid: int, timeout: float = 15.0) -> None:
        if self._process is not None and self._process.pid == pid:
            stop_process(self._process, timeout=timeout)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> bool:
        """Stop the emulator this object started, else the one recorded in ``workdir``.

        Returns:
            Whether an emulator was running.
        """
        pid = self._pid
        if pid is None:
            running = self.recorded()
            pid = int(running["pid"]) if running else None
        was_running = pid is not None and (
            (self._process is not None and self._process.poll() is None) or pid_alive(pid)
        )
        if pid is not None:
            self._terminate(pid)
        self._process = None
        self._pid = None
        for path in (self.pid_path, self.info_path):
            path.unlink(missing_ok=True)
        return was_running

    def client(self, project: str | None = None) -> bigquery.Client:
        """A google-cloud-bigquery client on the emulator (anonymous credentials).

        Args:
            project: the BigQuery project (default: the settings' ``gcp_project``).
        """
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        if project is None:
            project = get_settings().gcp_project
        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )
