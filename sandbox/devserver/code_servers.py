"""The code servers: one ``dagster api grpc`` per location, all started at once, forked
from a process that imported Dagster and the platform once (Linux) or spawned."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import sys
import traceback
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path

from sandbox.devserver.processes import CodeServer, ForkedProcess, Process, spawn
from sandbox.devserver.workspace import (
    CodeLocation,
    DevOptions,
    code_server_args,
    code_server_command,
    free_ports,
)

PRELOADED_MODULES = ("dagster._cli.api", "dagster._grpc.server", "mesh_platform.location")
"""What every code server imports before its location's own code."""


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
                process = spawn(code_server_command(location, "127.0.0.1", port), env, out)
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
