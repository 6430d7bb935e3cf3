"""The Pub/Sub emulator of the Google Cloud CLI, installed, started and stopped here."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from mesh_platform.errors import MeshError
from mesh_platform.streams.pubsub import PubSubEndpoint

EMULATOR_LAUNCHER = Path(
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
)
"""The emulator's own launcher, as Debian's package installs it."""
PACKAGE = "google-cloud-cli-pubsub-emulator"
"""Debian's package of the emulator (from Google's apt repository of the Cloud CLI)."""
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
APT_LOCK_TIMEOUT = 300
LOG_TAIL_LINES = 15


class PubSubError(MeshError):
    """The Pub/Sub emulator could not be installed, started or reached."""


def _die_with_parent() -> None:
    """In the child, before the launcher runs: SIGTERM when the starting process dies
    (Linux; kept across the launcher's ``exec`` of Java), so no emulator outlives it."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "  | (no log)"
    return "\n".join(f"  | {line}" for line in text.splitlines()[-lines:]) or "  | (empty log)"


def _apt(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )


def ensure_emulator(launcher: Path = EMULATOR_LAUNCHER) -> Path:
    """The emulator's launcher, installing Debian's package when it is missing.

    Raises:
        PubSubError: the launcher is missing and the package cannot be installed (not
            root, no apt-get, or apt-get failed), naming the package to install.
    """
    if launcher.is_file():
        return launcher
    wanted = f"the Pub/Sub emulator is not installed (no {launcher})"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PubSubError(
            f"{wanted}: install Debian's package {PACKAGE} from Google Cloud CLI's apt "
            f"repository (`sudo apt-get install {PACKAGE}`), and Java 17 or later"
        )
    lock = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"
    install = ["apt-get", "install", "-y", "-q", "-o", lock, PACKAGE]
    print(f"installing the Pub/Sub emulator: {' '.join(install)}", file=sys.stderr)
    done = _apt(install)
    if done.returncode != 0:
        updated = _apt(["apt-get", "update", "-q", "-o", lock])
        done = _apt(install) if updated.returncode == 0 else updated
    if done.returncode != 0 or not launcher.is_file():
        output = "\n".join(
            f"  | {line}" for line in (done.stdout + done.stderr).strip().splitlines()[-15:]
        )
        raise PubSubError(
            f"{wanted}, and installing Debian's package {PACKAGE} failed "
            f"(exit {done.returncode}); is Google Cloud CLI's apt repository configured?\n"
            f"{output}"
        )
    return launcher


class LocalPubSub:
    """The Pub/Sub emulator in a folder of its own, serving while this object runs it.

    The folder holds ``data/`` (the emulator's ``--data-dir``) and ``emulator.log``. The
    emulator listens on 127.0.0.1 only, on a free port unless one is given; it starts in
    a session of its own (a terminal's Ctrl-C is for its parent) and :meth:`stop` ends
    the whole session (the launcher script and its Java process); it gets SIGTERM if the
    process that started it dies first.

    Args:
        root: the emulator's folder.
        project: the Google Cloud project its topics belong to.
        host: the address to listen on.
        port: the port (a free one when not given).
        startup_timeout: seconds to wait until it answers.

    Example:
        >>> with LocalPubSub(Path(".mesh/pubsub-emulator")) as pubsub:  # doctest: +SKIP
        ...     os.environ.update(pubsub.environment())
    """

    def __init__(
        self,
        root: Path,
        *,
        project: str = "trident-local",
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.root = root
        self.project = project
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.root / "emulator.log"

    @property
    def endpoint(self) -> PubSubEndpoint:
        """Where clients reach the running emulator."""
        if self.port is None:
            raise PubSubError("the Pub/Sub emulator is not started")
        return PubSubEndpoint(project=self.project, emulator_host=f"{self.host}:{self.port}")

    def environment(self) -> dict[str, str]:
        """The variables that point the Google client libraries (and the mesh) at it."""
        return {
            "PUBSUB_EMULATOR_HOST": f"{self.host}:{self.port}",
            "PUBSUB_PROJECT_ID": self.project,
        }

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> Self:
        """Install the emulator if needed, start it and wait until it answers.

        Raises:
            PubSubError: it is already started, cannot be installed, exits while
                starting or does not answer in time (with the end of its log).
        """
        if self._process is not None:
            raise PubSubError(f"the Pub/Sub emulator already runs (pid {self._process.pid})")
        launcher = ensure_emulator()
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port(self.host)
        command = [
            str(launcher),
            f"--host={self.host}",
            f"--port={self.port}",
            f"--data-dir={self.root / 'data'}",
        ]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - a prctl only, no lock taken
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        assert self.port is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                raise PubSubError(
                    f"the Pub/Sub emulator exited with code {code} while starting; "
                    f"end of {self.log_path}:\n{_tail(self.log_path)}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=0.5),
            ):
                if b"Server started" in self.log_path.read_bytes():
                    return
            if time.monotonic() > deadline:
                raise PubSubError(
                    f"the Pub/Sub emulator did not answer on {self.host}:{self.port} within "
                    f"{self.startup_timeout:.0f} s; end of {self.log_path}:\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(0.2)

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the emulator this object started (SIGTERM to its session, SIGKILL after
        ``timeout`` seconds).

        Returns:
            Whether it was running.
        """
        process, self._process = self._process, None
        if process is None:
            return False
        was_running = process.poll() is None
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout)
                break
        process.wait()
        return was_running

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
