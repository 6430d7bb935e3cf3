"""Pytest plugin: the local directory (OpenLDAP's slapd), started by the project's own code.

Registered in ``tests/conftest.py`` (``pytest_plugins``). Tests ask for
``local_directory`` (one server per test run, seeded with the organisation of
:mod:`sandbox.services.ldap.organisation`) or for ``reader_env``, which also points
``mesh query`` at it as a given person (``MESH_DIRECTORY_*``, ``MESH_USER``,
``MESH_PASSWORD``) with a masking key of the test's own.

When the server cannot start (no slapd and no apt-get, no network for the first
install...) its tests fail with the reason in CI (``CI`` is set) and are skipped with the
reason elsewhere.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mesh_platform.settings import get_settings
from sandbox.services.ldap import DirectoryServerError, LocalDirectory
from tests.support.unavailable import unavailable

ReaderEnv = Callable[[str], None]


@pytest.fixture(scope="session")
def local_directory() -> Iterator[LocalDirectory]:
    """A running, seeded directory for the whole run (stopped and removed at its end)."""
    folder = Path(tempfile.mkdtemp(prefix="trident-ldap-"))
    server = LocalDirectory(folder / "ldap")
    try:
        server.start()
    except DirectoryServerError as error:
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"the local directory server could not start: {error}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def reader_env(local_directory: LocalDirectory, monkeypatch: pytest.MonkeyPatch) -> ReaderEnv:
    """Point ``mesh query`` at the local directory; call it with the person to be."""
    config = local_directory.config
    monkeypatch.setenv("MESH_DIRECTORY_URL", config.url)
    monkeypatch.setenv("MESH_DIRECTORY_USERS", config.users)
    monkeypatch.setenv("MESH_DIRECTORY_GROUPS", config.groups)
    monkeypatch.setenv("MESH_DIRECTORY_BIND_DN", config.bind_dn)
    monkeypatch.setenv("MESH_DIRECTORY_BIND_PASSWORD", config.bind_password)
    monkeypatch.setenv("MESH_MASKING_KEY", "a-test-masking-key-of-this-run")
    get_settings.cache_clear()

    def be(uid: str) -> None:
        monkeypatch.setenv("MESH_USER", uid)
        monkeypatch.setenv("MESH_PASSWORD", local_directory.passwords()[uid])

    return be
