"""What ``mesh dev`` serves: the declared code locations, the commands that serve them,
and the workspace naming the running code servers."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mesh_platform.domains import DOMAINS
from sandbox.devserver.processes import CodeServer, DevServerError


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


def _client_host(host: str) -> str:
    """The address a browser on this machine uses for a server listening on ``host``."""
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
