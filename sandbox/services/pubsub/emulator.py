"""The Pub/Sub emulator of the Google Cloud CLI, installed, started and stopped here."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from pathlib import Path
from typing import Self

from mesh_platform.errors import MeshError
from mesh_platform.streams.pubsub import PubSubEndpoint
from sandbox.processes import (
    LocalService,
    apt_install,
    apt_output,
    can_apt_install,
    free_port,
    launch,
    stop_process,
    wait_until_ready,
)

EMULATOR_LAUNCHER = Path(
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
)
"""The emulator's own launcher, as Debian's package installs it."""
PACKAGE = "google-cloud-cli-pubsub-emulator"
"""Debian's package of the emulator (from Google's apt repository of the Cloud CLI)."""
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 15


class PubSubError(MeshError):
    """The Pub/Sub emulator could not be installed, started or reached."""


def ensure_emulator(launcher: Path = EMULATOR_LAUNCHER) -> Path:
    """The emulator's launcher, installing Debian's package when it is missing.

    Raises:
        PubSubError: the launcher is missing and the package cannot be installed (not
            root, no apt-get, or apt-get failed), naming the package to install.
    """
    if launcher.is_file():
        return launcher
    wanted = f"the Pub/Sub emulator is not installed (no {launcher})"
    if not can_apt_install():
        raise PubSubError(
            f"{wanted}: install Debian's package {PACKAGE} from Google Cloud CLI's apt "
            f"repository (`sudo apt-get install {PACKAGE}`), and Java 17 or later"
        )
    done = apt_install([PACKAGE], what="the Pub/Sub emulator", recommends=True)
    if done.returncode != 0 or not launcher.is_file():
        raise PubSubError(
            f"{wanted}, and installing Debian's package {PACKAGE} failed "
            f"(exit {done.returncode}); is Google Cloud CLI's apt repository configured?\n"
            f"{apt_output(done)}"
        )
    return launcher


class LocalPubSub(LocalService):
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
        self.port = self.port or free_port(self.host)
        command = [
            str(launcher),
            f"--host={self.host}",
            f"--port={self.port}",
            f"--data-dir={self.root / 'data'}",
        ]
        self._process = launch(command, self.log_path, with_parent=True)
        self._ready_or_stopped(self._wait_until_ready)
        return self

    def _answers(self) -> bool:
        """Whether the emulator listens and has said that its server started."""
        assert self.port is not None
        with (
            contextlib.suppress(OSError),
            socket.create_connection((self.host, self.port), timeout=0.5),
        ):
            return b"Server started" in self.log_path.read_bytes()
        return False

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        wait_until_ready(
            self._process,
            self._answers,
            name="the Pub/Sub emulator",
            where=f"{self.host}:{self.port}",
            log=self.log_path,
            error=PubSubError,
            timeout=self.startup_timeout,
            interval=0.2,
            log_lines=LOG_TAIL_LINES,
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the emulator this object started (SIGTERM to its session, SIGKILL after
        ``timeout`` seconds).

        Returns:
            Whether it was running.
        """
        process, self._process = self._process, None
        if process is None:
            return False
        return stop_process(process, timeout=timeout, group=True)
