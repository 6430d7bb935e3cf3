"""The local Dagster deployment behind ``mesh dev``: code servers, webserver and daemon.

``dagster dev`` has the webserver start and load its code servers one after another;
with twelve locations that is most of the wait. Here every location's code server
starts at once and the platform waits until each answers; only then does it write a
workspace whose entries are ``grpc_server`` addresses and start the webserver on it,
then the daemon. By default (on Linux) the code servers are forked from this process
once it has imported Dagster and the platform, which every location needs: the import
is paid once instead of twelve times, which matters most on few cores.

Every child runs in its own process group. Ctrl-C, SIGTERM or SIGHUP stops the
webserver and daemon, then the code servers, each group with what it started; nothing
outlives ``mesh dev``. The locations come from the declared workspace
(``workspace.yaml``, the one ``dagster dev`` reads); the generated workspace and each
code server's log go to ``<state_dir>/dev/``.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any, Protocol

import yaml

from mesh_platform.domains import DOMAINS
from mesh_platform.errors import MeshError

READY_TIMEOUT = 300.0
"""Seconds a code server or the webserver may take to answer before ``mesh dev`` gives up."""
STOP_TIMEOUT = 30.0
"""Seconds a child may take to stop after SIGTERM before it is killed (a code server
started as its own interpreter takes seconds to tear down when twelve share two cores)."""
PRELOADED_MODULES = ("dagster._cli.api", "dagster._grpc.server", "mesh_platform.location")
"""What every code server imports before its location's own code."""
POLL_INTERVAL = 0.2
TAIL_LINES = 20
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


class DevServerError(MeshError):
    """A process of the local deployment failed to start or stopped unexpectedly."""

    def __init__(self, name: str, reason: str, output: str = "") -> None:
        self.name = name
        self.reason = reason
        self.output = output
        tail = f"\n{output}" if output else ""
        super().__init__(f"{name}: {reason}{tail}")


class Stopped(Exception):
    """A signal (SIGINT, SIGTERM, SIGHUP) asked the deployment to stop."""


@dataclass(frozen=True)
class CodeLocation:
    """A code location of the workspace: its name and the module holding its ``defs``."""

    name: str
    module: str
    working_directory: Path | None = None


@dataclass(frozen=True)
class DevOptions:
    """What ``mesh dev`` runs and where.

    Attributes:
        host: address of the webserver.
        port: port of the webserver.
        daemon: also run the Dagster daemon (schedules, sensors, automation conditions).
        dagster_home: the Dagster instance folder (the one ``mesh build`` records into).
        state_dir: the local state folder; the generated workspace and logs go under it.
        workspace: the declared workspace file, or ``None`` for the twelve domains.
        preload: import the platform once and fork each code server from that process
            (Linux only), instead of starting twelve interpreters that each import it.
    """

    host: str
    port: int
    daemon: bool
    dagster_home: Path
    state_dir: Path
    workspace: Path | None = None
    preload: bool = True

    @property
    def run_dir(self) -> Path:
        """Where the generated workspace and the code servers' logs go."""
        return self.state_dir / "dev"

    @property
    def url(self) -> str:
        return f"http://{_client_host(self.host)}:{self.port}"


class Process(Protocol):
    """What the deployment needs of a child process (``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class ForkedProcess:
    """A child made by ``os.fork``, with the part of ``Popen``'s interface used here."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: report it as gone
                self.returncode = -1
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"process {self.pid}", timeout or 0.0)
            time.sleep(0.05)
        return self.returncode if self.returncode is not None else -1


@dataclass
class Child:
    """A process of the deployment, in its own process group."""

    name: str
    process: Process
    log: Path | None = None
    started: float = field(default_factory=time.monotonic)

    def running(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The end of the child's output (when it goes to a log file), preceded by every
        exception line of the log: a chained traceback's first cause is far from its end."""
        if self.log is None or not self.log.exists():
            return ""
        text = _ANSI_ESCAPE.sub("", self.log.read_text(errors="replace")).rstrip().splitlines()
        end = text[-lines:]
        causes = [line for line in dict.fromkeys(text) if _EXCEPTION_LINE.match(line)]
        earlier = [line for line in causes if line not in end]
        shown = [*earlier, "...", *end] if earlier else end
        return "\n".join(f"  | {line}" for line in shown)

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the child's process group (the child and what it started)."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


@dataclass
class CodeServer(Child):
    """A ``dagster api grpc`` process serving one code location."""

    host: str = "127.0.0.1"
    port: int = 0


def declared_locations(workspace: Path | None) -> list[CodeLocation]:
    """The code locations of a workspace file's ``python_module`` entries.

    Without a workspace file (an installed package), the twelve domains'
    ``domains.<domain>.definitions`` modules.

    Raises:
        DevServerError: an entry the local deployment cannot start (not a python_module).
    """
    if workspace is None:
        return [CodeLocation(d, f"domains.{d}.definitions") for d in DOMAINS]
    loaded = yaml.safe_load(workspace.read_text()) or {}
    locations = []
    for entry in loaded.get("load_from", []):
        spec = entry.get("python_module") if isinstance(entry, dict) else None
        if spec is None:
            raise DevServerError(
                workspace.name, f"rule python_module_only: unsupported entry {entry!r}"
            )
        if isinstance(spec, str):
            spec = {"module_name": spec}
        module = spec["module_name"]
        folder = spec.get("working_directory")
        locations.append(
            CodeLocation(
                name=spec.get("location_name", module),
                module=module,
                working_directory=(workspace.parent / folder).resolve() if folder else None,
            )
        )
    return locations


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports that are free on ``host`` right now."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def code_server_args(location: CodeLocation, host: str, port: int) -> list[str]:
    """The arguments of ``dagster api grpc`` serving one location (it loads the code
    before it answers; runs it launches use this interpreter's ``python -m dagster``)."""
    args = ["--module-name", location.module, "--location-name", location.name]
    args += ["--host", host, "--port", str(port), "--use-python-environment-entry-point"]
    if location.working_directory is not None:
        args += ["--working-directory", str(location.working_directory)]
    return args


def code_server_command(location: CodeLocation, host: str, port: int) -> list[str]:
    """The command serving one location over gRPC, in a fresh interpreter."""
    return [sys.executable, "-m", "dagster", "api", "grpc", *code_server_args(location, host, port)]


def webserver_command(workspace: Path, host: str, port: int) -> list[str]:
    """The Dagster webserver on ``workspace``."""
    workspace_args = ["-w", str(workspace)]
    return [sys.executable, "-m", "dagster_webserver", *workspace_args, "-h", host, "-p", str(port)]


def daemon_command(workspace: Path) -> list[str]:
    """The Dagster daemon (schedules, sensors, automation conditions) on ``workspace``."""
    return [sys.executable, "-m", "dagster._daemon", "run", "-w", str(workspace)]


def grpc_workspace(servers: Sequence[CodeServer]) -> dict[str, Any]:
    """The workspace naming each running code server by address."""
    return {
        "load_from": [
            {"grpc_server": {"host": s.host, "port": s.port, "location_name": s.name}}
            for s in servers
        ]
    }


def child_environment(options: DevOptions) -> dict[str, str]:
    """The environment of every child: the local instance and the same state folder."""
    return {
        **os.environ,
        "DAGSTER_HOME": str(options.dagster_home.resolve()),
        "MESH_STATE_DIR": str(options.state_dir.resolve()),
        "PYTHONUNBUFFERED": "1",
    }


def prepare_instance(dagster_home: Path) -> None:
    """Create the Dagster instance's storage once, before twelve code servers and the
    daemon open it at the same time (concurrent first openings of a SQLite instance
    race on its schema)."""
    from dagster import DagsterInstance

    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch(exist_ok=True)
    with DagsterInstance.from_config(str(dagster_home)):
        pass


def _spawn(
    command: Sequence[str], env: Mapping[str, str], log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        process_group=0,
    )


def can_preload() -> bool:
    """Whether code servers can be forked from a preloaded process here (Linux: macOS
    system libraries do not survive ``fork`` without ``exec``)."""
    return sys.platform == "linux" and hasattr(os, "fork")


def preload() -> None:
    """Import what every code server imports: Dagster's gRPC server and the platform
    (Dagster, pandas, pandera, sqlglot...), about 5 s of CPU paid once instead of per
    location. Domain code is not imported here: each location loads its own."""
    for module in PRELOADED_MODULES:
        importlib.import_module(module)


def fork_code_server(
    name: str, args: Sequence[str], log: Path, env: Mapping[str, str]
) -> ForkedProcess:
    """Fork a child that runs ``dagster api grpc <args>`` with what this process has
    imported, in its own process group, with its output in ``log``.

    The child starts from this process's memory: it resets the signal handlers, takes
    ``env`` as its environment, shows as ``mesh:<name>`` in ``top`` and ``ps -o comm``,
    and leaves with ``os._exit`` (nothing of the parent's state is torn down twice).
    """
    from dagster._cli.api import grpc_command

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        with suppress(OSError):
            os.setpgid(pid, pid)
        return ForkedProcess(pid)
    code = 1
    try:  # the child, which never returns
        os.setpgid(0, 0)
        with suppress(OSError), open("/proc/self/comm", "w") as comm:
            comm.write(f"mesh:{name}"[:15])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
        os.environ.clear()
        os.environ.update(env)
        from mesh_platform.settings import get_settings

        get_settings.cache_clear()
        grpc_command.main(args=list(args), prog_name="dagster api grpc", standalone_mode=False)
        code = 0
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def start_code_servers(
    locations: Sequence[CodeLocation], options: DevOptions, env: Mapping[str, str]
) -> list[CodeServer]:
    """Start one code server per location, all at once, each logging to its own file."""
    logs = options.run_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    forking = options.preload and can_preload()
    if forking:
        try:
            preload()
        except Exception:  # each code server then reports the error for its location
            forking = False
    servers = []
    for location, port in zip(locations, free_ports(len(locations)), strict=True):
        log = logs / f"{location.name}.log"
        process: Process
        if forking:
            args = code_server_args(location, "127.0.0.1", port)
            process = fork_code_server(location.name, args, log, env)
        else:
            with log.open("wb") as out:
                process = _spawn(code_server_command(location, "127.0.0.1", port), env, out)
        servers.append(CodeServer(location.name, process, log, host="127.0.0.1", port=port))
    return servers


def _listens(host: str, port: int) -> bool:
    """Whether ``host:port`` accepts connections (a code server binds once its code loaded)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def answers(server: CodeServer) -> bool:
    """Whether the code server answers Dagster's ping (a cheap port probe comes first)."""
    if not _listens(server.host, server.port):
        return False
    from dagster._core.errors import DagsterUserCodeUnreachableError
    from dagster._grpc.client import DagsterGrpcClient

    try:
        DagsterGrpcClient(port=server.port, host=server.host).ping("mesh")
    except DagsterUserCodeUnreachableError:
        return False
    return True


def webserver_answers(url: str) -> bool:
    """Whether the webserver answers ``/server_info`` (its workspace is then loaded)."""
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def stop_children(children: Sequence[Child], timeout: float = STOP_TIMEOUT) -> None:
    """Stop children: SIGTERM to each process group, SIGKILL to what is left after
    ``timeout`` seconds (and to anything a stopped child left in its group)."""
    for child in children:
        if child.running():
            child.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.signal(signal.SIGKILL)
            child.process.wait()
        child.signal(signal.SIGKILL)


@dataclass(frozen=True)
class Ready:
    """How long the deployment took to be ready, in seconds from its start."""

    locations: Mapping[str, float]
    """Seconds each code location took to answer, by location."""
    code_servers: float
    """Seconds until every code location answered."""
    ui: float
    """Seconds until the webserver answered with every location loaded."""


class Deployment:
    """The processes of one ``mesh dev``: started together, watched, stopped together.

    Signals only set a flag (:meth:`request_stop`); the waiting loops notice it between
    two polls and raise :class:`Stopped`, so that no child is ever left half-recorded.
    """

    def __init__(self, options: DevOptions) -> None:
        self.options = options
        self.env = child_environment(options)
        self.code_servers: list[CodeServer] = []
        self.services: list[Child] = []
        self.workspace = options.run_dir / "workspace.yaml"
        self.started = time.monotonic()
        self._stop_reason: str | None = None

    def request_stop(self, reason: str) -> None:
        self._stop_reason = reason

    def _pause(self, seconds: float = POLL_INTERVAL) -> None:
        if self._stop_reason is None:
            time.sleep(seconds)
        if self._stop_reason is not None:
            raise Stopped(self._stop_reason)

    def start_code_servers(self) -> None:
        """One code server per declared location, all at once."""
        self.options.run_dir.mkdir(parents=True, exist_ok=True)
        locations = declared_locations(self.options.workspace)
        self.code_servers = start_code_servers(locations, self.options, self.env)

    def wait_for_code_servers(self, timeout: float = READY_TIMEOUT) -> dict[str, float]:
        """Wait until every code server answers; seconds each took, by location.

        Raises:
            DevServerError: a code server exited (its location failed to load) or did
                not answer within ``timeout``; it names the location and ends with the
                server's output.
            Stopped: a signal asked to stop.
        """
        ready: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while True:
            for server in self.code_servers:
                if server.name in ready:
                    continue
                if not server.running():
                    code = server.process.returncode
                    raise DevServerError(server.name, f"code server exited ({code})", server.tail())
                if answers(server):
                    ready[server.name] = time.monotonic() - server.started
            if len(ready) == len(self.code_servers):
                return ready
            if time.monotonic() > deadline:
                late = next(s for s in self.code_servers if s.name not in ready)
                raise DevServerError(late.name, f"no answer after {timeout:.0f} s", late.tail())
            self._pause()

    def start_webserver(self) -> Path:
        """Write the ``grpc_server`` workspace and start the webserver on it."""
        options = self.options
        self.workspace.write_text(
            yaml.safe_dump(grpc_workspace(self.code_servers), sort_keys=False)
        )
        webserver = webserver_command(self.workspace, options.host, options.port)
        self.services.append(Child("dagster-webserver", _spawn(webserver, self.env)))
        return self.workspace

    def start_daemon(self) -> None:
        """Start the daemon on the same workspace (once the UI is up: it is not needed
        to browse, and on two cores it would slow the webserver's start)."""
        daemon = daemon_command(self.workspace)
        self.services.append(Child("dagster-daemon", _spawn(daemon, self.env)))

    def wait_for_webserver(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until the webserver answers.

        Raises:
            DevServerError: a process exited, or the webserver did not answer in time.
            Stopped: a signal asked to stop.
        """
        deadline = time.monotonic() + timeout
        while True:
            self._raise_if_one_exited("while starting")
            if webserver_answers(self.options.url):
                return
            if time.monotonic() > deadline:
                raise DevServerError(
                    "dagster-webserver", f"no answer on {self.options.url} after {timeout:.0f} s"
                )
            self._pause()

    def watch(self) -> None:
        """Return never: raise :class:`Stopped` on a signal, or :class:`DevServerError`
        when a process stops on its own."""
        while True:
            self._raise_if_one_exited("stopped unexpectedly")
            self._pause(1.0)

    def _raise_if_one_exited(self, what: str) -> None:
        for child in (*self.services, *self.code_servers):
            if not child.running():
                code = child.process.returncode
                raise DevServerError(child.name, f"{what} ({code})", child.tail())

    def stop(self) -> None:
        """Stop the webserver and daemon first (so that nothing reports the code servers
        going away), then the code servers."""
        stop_children(self.services)
        stop_children(self.code_servers)


@contextmanager
def _signals_request_stop(deployment: Deployment) -> Iterator[None]:
    """While inside, SIGINT (Ctrl-C), SIGTERM and SIGHUP ask the deployment to stop."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        deployment.request_stop(signal.Signals(signum).name)

    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def serve(
    options: DevOptions,
    on_ready: Callable[[Ready], None],
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Run the deployment until SIGINT, SIGTERM or SIGHUP, then stop every process.

    Calls ``on_ready`` once the webserver answers, and ``on_stop`` when a signal asks
    to stop. Returns normally when stopped by a signal.

    Raises:
        DevServerError: a process failed to start or stopped unexpectedly (every other
            process is stopped first).
    """
    deployment = Deployment(options)
    with _signals_request_stop(deployment):
        try:
            prepare_instance(options.dagster_home)
            deployment.start_code_servers()
            locations = deployment.wait_for_code_servers()
            code_servers = time.monotonic() - deployment.started
            deployment.start_webserver()
            deployment.wait_for_webserver()
            ui = time.monotonic() - deployment.started
            if options.daemon:
                deployment.start_daemon()
            on_ready(Ready(locations, code_servers, ui))
            deployment.watch()
        except Stopped:
            if on_stop is not None:
                on_stop()
        finally:
            deployment.stop()


def _client_host(host: str) -> str:
    """The address a browser on this machine uses for a server listening on ``host``."""
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
