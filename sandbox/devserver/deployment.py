"""One ``mesh dev``: the code servers, then the webserver on their workspace, then the
daemon; watched until a signal or a failure, then stopped together."""

from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import yaml

from sandbox.devserver.code_servers import answers, start_code_servers
from sandbox.devserver.processes import (
    Child,
    CodeServer,
    DevServerError,
    Stopped,
    spawn,
    stop_children,
)
from sandbox.devserver.workspace import (
    DevOptions,
    child_environment,
    daemon_command,
    declared_locations,
    grpc_workspace,
    webserver_command,
)

READY_TIMEOUT = 300.0
"""Seconds a code server or the webserver may take to answer before ``mesh dev`` gives up."""
POLL_INTERVAL = 0.2


def prepare_instance(dagster_home: Path) -> None:
    """Create the Dagster instance's storage once, before twelve code servers and the
    daemon open it at the same time (concurrent first openings of a SQLite instance
    race on its schema)."""
    from dagster import DagsterInstance

    from sandbox.dagster_home import prepare_home

    with DagsterInstance.from_config(str(prepare_home(dagster_home))):
        pass


def webserver_answers(url: str) -> bool:
    """Whether the webserver answers ``/server_info`` (its workspace is then loaded)."""
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


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
        self.services.append(Child("dagster-webserver", spawn(webserver, self.env)))
        return self.workspace

    def start_daemon(self) -> None:
        """Start the daemon on the same workspace (once the UI is up: it is not needed
        to browse, and on two cores it would slow the webserver's start)."""
        daemon = daemon_command(self.workspace)
        self.services.append(Child("dagster-daemon", spawn(daemon, self.env)))

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
