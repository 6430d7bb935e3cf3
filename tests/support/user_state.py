"""Pytest plugin: the test session never reads or writes the user's local state.

``mesh build`` keeps the user's warehouse, Dagster home and lineage file under the state
folder (``$MESH_STATE_DIR``, else ``.mesh`` in the working directory). Tests must leave it
as it was, whatever order the README's commands run in:

- at configuration time, before any fixture of any scope runs, the session points
  ``MESH_STATE_DIR`` at a temporary folder of its own and forgets every other ``MESH_*``
  setting that would lead a test to the user's warehouse;
- a fingerprint of the user's warehouse, lineage file and Dagster home taken when the
  session starts is compared when it ends; a difference fails the session, naming the
  files that changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mesh_platform.settings import MeshSettings, get_settings

STATE_VARIABLE = "MESH_STATE_DIR"
USER_STATE_VARIABLE = "MESH_TEST_USER_STATE_DIR"
"""Where the user's state folder was when the session started (for the emulator's tools)."""

_FORGOTTEN = (
    "MESH_ENGINE",
    "MESH_ENV",
    "MESH_DUCKDB_PATH",
    "MESH_DUCKDB_THREADS",
    "MESH_DUCKDB_MEMORY_LIMIT",
    "MESH_DUCKDB_FRAME_MEMORY_LIMIT",
    "MESH_DAGSTER_STORAGE",
)


def user_state_dir() -> Path:
    """The state folder the user's own commands use (as it was before the session)."""
    configured = os.environ.get(USER_STATE_VARIABLE)
    return Path(configured) if configured else MeshSettings().state_dir


def fingerprint(state: Path) -> dict[str, str]:
    """A digest of every file of the user's data under a state folder, by relative path.

    The data is the warehouse (and its write-ahead log), the read replica's manifest, the
    lineage file and the Dagster home; tool caches kept beside them (``tools``, the
    emulator's environment) are not.
    """
    settings = MeshSettings(state_dir=state)
    files = [settings.warehouse_path, Path(f"{settings.warehouse_path}.wal"), settings.lineage_path]
    files.append(settings.published_dir / "manifest.json")  # it names immutable files
    if settings.dagster_home.is_dir():
        files += sorted(p for p in settings.dagster_home.rglob("*") if p.is_file())
    found: dict[str, str] = {}
    for path in files:
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            found[str(path.relative_to(state) if path.is_relative_to(state) else path)] = (
                digest.hexdigest()
            )
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The files that appeared, disappeared or changed between two fingerprints."""

    def kind(name: str) -> str:
        return "added" if name not in before else "removed" if name not in after else "changed"

    return sorted(
        f"{name} ({kind(name)})"
        for name in set(before) | set(after)
        if before.get(name) != after.get(name)
    )


_SESSION: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    user = user_state_dir()
    os.environ.setdefault(USER_STATE_VARIABLE, str(user))
    temporary = Path(tempfile.mkdtemp(prefix="mesh-test-session-"))
    os.environ[STATE_VARIABLE] = str(temporary / "state")
    for name in _FORGOTTEN:
        os.environ.pop(name, None)
    get_settings.cache_clear()
    _SESSION.update(user=user, temporary=temporary, before=fingerprint(user))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    user = _SESSION.get("user")
    if not isinstance(user, Path):
        return
    changed = changes(_SESSION["before"], fingerprint(user))  # type: ignore[arg-type]
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the test session changed the user's state folder {user}: " + ", ".join(changed)
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    temporary = _SESSION.get("temporary")
    if isinstance(temporary, Path):
        shutil.rmtree(temporary, ignore_errors=True)
