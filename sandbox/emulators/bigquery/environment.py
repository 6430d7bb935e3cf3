"""Where the emulator's Python 3.13 comes from, and the environment of its processes.

The emulator must never see the project's own Python: every process it runs gets this
process's environment without ``PYTHONPATH``, ``VIRTUAL_ENV`` and the like.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mesh_platform.errors import MeshError
from mesh_platform.settings import get_settings

PYTHON_VERSION = (3, 13)
PYTHON_VARIABLE = "MESH_BIGQUERY_EMULATOR_PYTHON"
"""The settings' variable naming an explicit Python 3.13 for the emulator, tried before any
other (``bigquery_emulator_python``)."""

_CHECK_PYTHON = (
    f"import sys; print(sys.version_info[:2] == {PYTHON_VERSION}); print(sys.executable)"
)
_SUBPROCESS_VARIABLES_TO_DROP = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class EmulatorError(MeshError):
    """The BigQuery emulator could not be set up, started or stopped."""


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would leak the project's Python into 3.13."""
    env = {k: v for k, v in os.environ.items() if k not in _SUBPROCESS_VARIABLES_TO_DROP}
    env.update(extra)
    return env


def run(args: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )


def _check_python(candidate: str | Path) -> Path | None:
    """The interpreter's own path if ``candidate`` runs and is Python 3.13, else ``None``."""
    try:
        done = run([candidate, "-c", _CHECK_PYTHON], env=clean_env(), timeout=30)
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
        listed = run([pyenv, "versions", "--bare"], timeout=30).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return
    wanted = re.compile(r"^{}\.{}\.\d+$".format(*PYTHON_VERSION))
    for version in sorted((v for v in listed if wanted.match(v)), key=_version_key, reverse=True):
        prefix = run([pyenv, "prefix", version], timeout=30).stdout.strip()
        if prefix:
            yield Path(prefix) / "bin" / "python{}.{}".format(*PYTHON_VERSION)


def find_uv() -> str | None:
    """The uv binary: on PATH, else the one ``deploy/local/run`` installs in the state folder."""
    found = shutil.which("uv")
    if found:
        return found
    local = get_settings().tools_dir / "bin" / "uv"
    return str(local) if local.is_file() else None


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

    explicit = get_settings().bigquery_emulator_python
    if explicit:
        tried.append(f"${PYTHON_VARIABLE}={explicit}")
        if found := _check_python(explicit):
            return found

    uv = find_uv()
    if uv:
        tried.append(f"uv python find {wanted}")
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            done = run(
                [uv, "python", "find", "--no-project", wanted],
                env=clean_env(UV_PYTHON_DOWNLOADS="never"),
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
