"""``mesh dev`` run by an end-to-end test: started on a state folder of the test's own,
waited for until its webserver answers, queried through its GraphQL API as a browser
would, and stopped as a terminal's Ctrl-C would stop it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

MESH = Path(sys.executable).with_name("mesh")
"""The ``mesh`` command of this environment."""
REPO_ROOT = Path(__file__).resolve().parents[2]
USER_VARIABLES = (
    "MESH_ENGINE",
    "MESH_ENV",
    "MESH_DUCKDB_PATH",
    "MESH_DAGSTER_STORAGE",
    "DAGSTER_HOME",
)
"""Settings of the user's that would point a test's ``mesh`` at anything but its own state."""


def state_environment(state: Path) -> dict[str, str]:
    """This environment, on the state folder ``state`` and nothing else of the user's
    (no other engine, warehouse or Dagster instance)."""
    env = {**os.environ, "MESH_STATE_DIR": str(state)}
    for name in USER_VARIABLES:
        env.pop(name, None)
    return env


def mesh_build(state: Path, *args: str) -> str:
    """``mesh build ARGS`` on ``state``, as a user would run it next to ``mesh dev``;
    what it printed. Fails the test if the build fails."""
    built = subprocess.run(
        [str(MESH), "build", *args],
        cwd=REPO_ROOT,
        env=state_environment(state),
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return built.stdout


@dataclass
class MeshDev:
    """A running ``mesh dev`` (webserver, daemon and code servers as its children).

    Attributes:
        process: the ``mesh dev`` process.
        url: the Dagster UI's URL.
        log: where ``mesh dev`` writes its output.
    """

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    request_timeout: ClassVar[float] = 120.0
    """Seconds a GraphQL query may take."""
    stop_timeout: ClassVar[float] = 90.0
    """Seconds ``mesh dev`` has to stop after SIGTERM, before SIGKILL."""

    @staticmethod
    def launch(
        port: int, arguments: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        """Start ``mesh dev --port PORT ARGUMENTS``, its output into ``log``."""
        with log.open("wb") as out:
            return subprocess.Popen(
                [str(MESH), "dev", "--port", str(port), *arguments],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self, lines: int = 60) -> str:
        """The last ``lines`` of its output."""
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        """The ``data`` of a GraphQL query; fails the test on an error."""
        assert self.process.poll() is None, f"mesh dev has stopped:\n{self.output()}"
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.request_timeout) as response:
            body = json.load(response)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def wait_until_served(self, timeout: float) -> None:
        """Wait until the webserver answers; fail the test if ``mesh dev`` exits first
        or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"mesh dev exited ({self.process.returncode}):\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        pytest.fail(f"the webserver did not answer in {timeout:.0f} s:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, as a terminal's Ctrl-C or a process manager would; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
