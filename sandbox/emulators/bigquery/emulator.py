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

``<state>`` is ``$MESH_STATE_DIR``, else ``.mesh`` at the project's root.

Example:
    >>> with BigQueryEmulator() as emulator:  # doctest: +SKIP
    ...     rows = emulator.client("trident-local").query_and_wait("SELECT 1 AS x")

From a shell: ``python -m sandbox.emulators.bigquery start|stop|status``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from mesh_platform.errors import MeshError

if TYPE_CHECKING:
    from google.cloud import bigquery

REQUIREMENTS = Path("deploy") / "local" / "bigquery-emulator" / "requirements.txt"
"""The emulator's pinned requirements, relative to the project's root."""

PYTHON_VERSION = (3, 13)
STATE_VARIABLE = "MESH_STATE_DIR"
PYTHON_VARIABLE = "MESH_BIGQUERY_EMULATOR_PYTHON"
"""An explicit Python 3.13 interpreter for the emulator, tried before any other."""

EMULATOR_HOST_VARIABLE = "BIGQUERY_EMULATOR_HOST"
"""The google-cloud-bigquery convention for an emulator's URL."""

_PROBE_PROJECT = "local"
_VENV_MARKER = ".requirements.sha256"
_LOG_TAIL_LINES = 40
_CHECK_PYTHON = (
    f"import sys; print(sys.version_info[:2] == {PYTHON_VERSION}); print(sys.executable)"
)
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
_SUBPROCESS_VARIABLES_TO_DROP = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class EmulatorError(MeshError):
    """The BigQuery emulator could not be set up, started or stopped."""


@dataclass(frozen=True)
class DuckDBRuntime:
    """What the emulator's DuckDB is and which extension files came with it.

    Attributes:
        version: DuckDB's library version, e.g. ``v1.5.5``.
        platform: DuckDB's platform string, e.g. ``linux_amd64``.
        extensions: the ``*.duckdb_extension`` files of the installed
            ``duckdb-extension-*`` packages.
    """

    version: str
    platform: str
    extensions: tuple[Path, ...]


def project_root() -> Path:
    """The project's root: the folder that holds the emulator's requirements.

    Found next to this package's sources (editable install), else from the current
    directory upwards.

    Raises:
        EmulatorError: no such folder.
    """
    here = Path(__file__).resolve()
    cwd = Path.cwd().resolve()
    for folder in (*here.parents, cwd, *cwd.parents):
        if (folder / REQUIREMENTS).is_file():
            return folder
    raise EmulatorError(
        f"cannot find {REQUIREMENTS.as_posix()} above {here.parent} or the current directory"
    )


def default_state_dir() -> Path:
    """The local state folder: ``$MESH_STATE_DIR``, else ``.mesh`` at the project's root."""
    configured = os.environ.get(STATE_VARIABLE)
    return Path(configured) if configured else project_root() / ".mesh"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would leak the project's Python into 3.13."""
    env = {k: v for k, v in os.environ.items() if k not in _SUBPROCESS_VARIABLES_TO_DROP}
    env.update(extra)
    return env


def _run(args: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )


def _check_python(candidate: str | Path) -> Path | None:
    """The interpreter's own path if ``candidate`` runs and is Python 3.13, else ``None``."""
    try:
        done = _run([candidate, "-c", _CHECK_PYTHON], env=_clean_env(), timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = done.stdout.strip().split("\n", 1)
    if done.returncode != 0 or len(answer) != 2 or answer[0] != "True":
        return None
    return Path(answer[1])


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _pyenv_candidates() -> Iterator[Path]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
        candidate = Path(root) / "bin" / "pyenv"
        pyenv = str(candidate) if candidate.is_file() else None
    if pyenv is None:
        return
    try:
        listed = _run([pyenv, "versions", "--bare"], timeout=30).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return
    wanted = re.compile(r"^{}\.{}\.\d+$".format(*PYTHON_VERSION))
    for version in sorted((v for v in listed if wanted.match(v)), key=_version_key, reverse=True):
        prefix = _run([pyenv, "prefix", version], timeout=30).stdout.strip()
        if prefix:
            yield Path(prefix) / "bin" / "python{}.{}".format(*PYTHON_VERSION)


def _uv() -> str | None:
    """The uv binary: on PATH, else the one ``deploy/local/run`` installs in the state folder."""
    found = shutil.which("uv")
    if found:
        return found
    with contextlib.suppress(EmulatorError):
        local = default_state_dir() / "tools" / "bin" / "uv"
        if local.is_file():
            return str(local)
    return None


def find_python() -> Path:
    """A Python 3.13 interpreter for the emulator, without assuming where it is installed.

    Tried in order: ``$MESH_BIGQUERY_EMULATOR_PYTHON``; ``uv python find 3.13`` (no
    downloads); the newest 3.13.x that pyenv has installed; ``python3.13`` on PATH.
    Each candidate must actually run and report 3.13.

    Raises:
        EmulatorError: none of them gives a working Python 3.13.
    """
    wanted = "{}.{}".format(*PYTHON_VERSION)
    tried: list[str] = []

    explicit = os.environ.get(PYTHON_VARIABLE)
    if explicit:
        tried.append(f"${PYTHON_VARIABLE}={explicit}")
        if found := _check_python(explicit):
            return found

    uv = _uv()
    if uv:
        tried.append(f"uv python find {wanted}")
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            done = _run(
                [uv, "python", "find", "--no-project", wanted],
                env=_clean_env(UV_PYTHON_DOWNLOADS="never"),
                timeout=60,
            )
            if done.returncode == 0 and (found := _check_python(done.stdout.strip())):
                return found

    tried.append(f"pyenv versions {wanted}.x")
    for candidate in _pyenv_candidates():
        if found := _check_python(candidate):
            return found

    on_path = shutil.which(f"python{wanted}")
    tried.append(f"python{wanted} on PATH")
    if on_path and (found := _check_python(on_path)):
        return found

    raise EmulatorError(
        f"the BigQuery emulator needs Python {wanted}, and none was found "
        f"(tried: {', '.join(tried)}). Install one (e.g. `uv python install {wanted}` or "
        f"`pyenv install {wanted}`) or point ${PYTHON_VARIABLE} at one."
    )


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (pytest-xdist workers) on ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _place(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination``: a hard link when possible (no second copy)."""
    if destination.exists():
        if os.path.samefile(source, destination):
            return
        same = destination.stat()
        if (same.st_size, same.st_mtime) == (source.stat().st_size, source.stat().st_mtime):
            return
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:
        shutil.copy2(source, partial)
    partial.replace(destination)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path("/proc") / str(pid) / "cmdline"
    if cmdline.exists():  # Linux: make sure the pid was not reused by something else
        with contextlib.suppress(OSError):
            return re.search(rb"local[-_]bigquery", cmdline.read_bytes()) is not None
    return True


class BigQueryEmulator:
    """The local BigQuery emulator: provisioned on first use, started, stopped.

    Args:
        host: the interface to listen on.
        port: the REST port (a free one when not given).
        grpc_port: the Storage API (gRPC) port (a free one when not given).
        state_dir: the local state folder (default :func:`default_state_dir`); the
            virtualenv and the emulator's HOME live in ``<state_dir>/bigquery-emulator``.
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
        self.state_dir = Path(state_dir) if state_dir else default_state_dir()
        self.root = self.state_dir / "bigquery-emulator"
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
        with _locked(self.root / "provision.lock"):
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
            uv, reqs = _uv(), self.requirements
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
                        env=_clean_env(UV_PYTHON_DOWNLOADS="never"),
                        cwd=self.root,
                        check=False,
                    )
                if done.returncode != 0:
                    raise EmulatorError(
                        "installing the BigQuery emulator failed "
                        f"({' '.join(map(str, step[:3]))} ... exited {done.returncode}); "
                        f"end of {install_log}:\n{_tail(install_log)}"
                    )
            marker = self.venv / _VENV_MARKER
            marker.write_text(f"{self._requirements_hash(interpreter)} {interpreter}\n")
            return self.python

    def duckdb_runtime(self) -> DuckDBRuntime:
        """Ask the emulator's DuckDB for its version, platform and extension files."""
        done = _run([self.python, "-c", _PROBE_DUCKDB], env=_clean_env(HOME=str(self.home)))
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
        with _locked(self.root / "provision.lock"):
            target.mkdir(parents=True, exist_ok=True)
            for source in runtime.extensions:
                _place(source, target / source.name)
        return target

    # -- running ---------------------------------------------------------------------

    def recorded(self) -> dict[str, Any] | None:
        """What the run files of ``workdir`` say of a running emulator, if one runs."""
        try:
            info = json.loads(self.info_path.read_text())
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _pid_alive(pid):
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
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_clean_env(HOME=str(self.home)),
                cwd=self.workdir,
                start_new_session=not self.attached,
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
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = process.poll()
            if code is not None:
                raise EmulatorError(
                    f"the BigQuery emulator exited with code {code} while starting; "
                    f"end of {self.log_path}:\n{_tail(self.log_path)}"
                )
            if self._answers():
                return
            if time.monotonic() > deadline:
                raise EmulatorError(
                    f"the BigQuery emulator did not answer on {self.endpoint} within "
                    f"{self.startup_timeout:.0f} s; end of {self.log_path}:\n{_tail(self.log_path)}"
                )
            time.sleep(0.2)

    def _terminate(self, pid: int, timeout: float = 15.0) -> None:
        if self._process is not None and self._process.pid == pid:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(pid):
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
            (self._process is not None and self._process.poll() is None) or _pid_alive(pid)
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
            from mesh_platform.settings import get_settings

            project = get_settings().gcp_project
        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``start``, ``stop`` or ``status`` of the emulator recorded in the state folder."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.emulators.bigquery",
        description="The local BigQuery emulator, in a virtualenv of its own.",
    )
    parser.add_argument("command", nargs="?", default="start", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, help="REST port (default: a free one)")
    parser.add_argument("--grpc-port", type=int, help="gRPC port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data-dir", type=Path, help="data folder (default: in the state folder)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for it")
    args = parser.parse_args(argv)
    emulator = BigQueryEmulator(
        host=args.host,
        port=args.port,
        grpc_port=args.grpc_port,
        data_dir=args.data_dir,
        startup_timeout=args.timeout,
    )
    try:
        running = emulator.recorded()
        if args.command == "status":
            if running is None:
                print("the BigQuery emulator is not running")
                return 1
            print(f"the BigQuery emulator runs at {running['endpoint']} (pid {running['pid']})")
            return 0
        if args.command == "stop":
            stopped = emulator.stop()
            print(
                "stopped the BigQuery emulator" if stopped else "no BigQuery emulator was running"
            )
            return 0
        if running is not None:
            where = f"{running['endpoint']} (pid {running['pid']})"
            print(f"the BigQuery emulator already runs at {where}")
            print(f"export {EMULATOR_HOST_VARIABLE}={running['endpoint']}")
            return 0
        started = time.monotonic()
        emulator.start()
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"the BigQuery emulator runs at {emulator.endpoint} (gRPC {emulator.grpc_address}, "
        f"pid {emulator.pid}, ready in {time.monotonic() - started:.1f} s)"
    )
    print(f"log: {emulator.log_path}")
    print(f"export {EMULATOR_HOST_VARIABLE}={emulator.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
