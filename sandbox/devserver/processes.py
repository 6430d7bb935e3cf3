"""The processes of the local deployment: children in process groups of their own,
forked or spawned, and stopped together with what they started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from mesh_platform.errors import MeshError

STOP_TIMEOUT = 30.0
"""Seconds a child may take to stop after SIGTERM before it is killed (a code server
started as its own interpreter takes seconds to tear down when twelve share two cores)."""
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


def spawn(
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
