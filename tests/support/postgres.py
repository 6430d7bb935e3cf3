"""Pytest plugin: a local PostgreSQL server, started by the project's own code.

Registered in ``tests/conftest.py`` (``pytest_plugins``). Tests ask for
``local_postgres`` (one server per test module) and get a running
:class:`~sandbox.services.postgres.LocalPostgres` in a state folder of its own,
``<state>/postgres`` as ``mesh dev --postgres`` would use it. The state folder is made
outside pytest's temporary folders, whose parents only root may enter, since the server
runs as the system user ``postgres`` when the tests run as root.

When the server cannot start (no PostgreSQL and no apt-get, no network for the first
install...) its tests fail with the reason in CI (``CI`` is set) and are skipped with the
reason elsewhere.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from mesh_platform.settings import MeshSettings
from sandbox.services.postgres import LocalPostgres, PostgresError
from tests.support.unavailable import started, unavailable

WHAT = "the local PostgreSQL server"


def reachable_state_folder() -> Path:
    """A new, empty state folder that PostgreSQL's system user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="trident-postgres-"))
    folder.chmod(0o755)
    return folder


def give_up(error: PostgresError) -> NoReturn:
    """Fail the test with the server's reason in CI, skip it elsewhere."""
    unavailable(f"{WHAT} could not start: {error}")


def start_or_give_up(server: LocalPostgres) -> LocalPostgres:
    """Start ``server``, or give the test up (:func:`give_up`)."""
    return started(server, PostgresError, WHAT)


@pytest.fixture(scope="module")
def local_postgres() -> Iterator[LocalPostgres]:
    """A running PostgreSQL server in ``<state>/postgres`` of a state folder of its own
    (``server.root.parent``), stopped and removed after the module's tests."""
    state = reachable_state_folder()
    server = LocalPostgres(MeshSettings(state_dir=state).postgres_dir)
    try:
        yield start_or_give_up(server)
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)
