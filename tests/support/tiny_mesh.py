"""Pytest plugin: the whole mesh built once at the ``tiny`` scale, for every test that
reads a fully built mesh (the main job end to end, the cross-domain checks).

Registered in ``tests/conftest.py`` (``pytest_plugins``). The build runs the first time
a test asks for ``tiny_mesh``, in a state folder of its own, and is shared by the rest
of the session; tests read it, they never write to it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from mesh_platform.settings import MeshSettings, get_settings
from sandbox.build import BuildReport, build


@dataclass(frozen=True)
class BuiltWorld:
    """A mesh built at some scale, read through its state folder."""

    state: Path

    @property
    def settings(self) -> MeshSettings:
        return MeshSettings(state_dir=self.state)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published warehouse."""
        connection = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            yield connection
        finally:
            connection.close()

    def rows(self, query: str) -> list[dict[str, Any]]:
        """The rows of a query on the published warehouse, as dictionaries."""
        with self.connect() as connection:
            cursor = connection.execute(query)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def materialization_metadata(self, key: str) -> dict[str, Any]:
        """The metadata of a product's last materialisation (``DOMAIN.PRODUCT``), as
        plain values."""
        instance = dg.DagsterInstance.from_config(str(self.settings.dagster_home))
        try:
            event = instance.get_latest_materialization_event(dg.AssetKey(key.split(".")))
        finally:
            instance.dispose()
        assert event is not None, f"{key}: never materialised"
        assert event.asset_materialization is not None, key
        return {
            name: getattr(value, "value", value)
            for name, value in event.asset_materialization.metadata.items()
        }

    def lineage_events(self) -> list[dict[str, Any]]:
        """Every OpenLineage event the build emitted, in order."""
        path = self.settings.lineage_path
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True)
class TinyMesh(BuiltWorld):
    """A mesh built at the tiny scale: its state folder and the build's report."""

    report: BuildReport


WORLD_VARIABLE = "MESH_TEST_WORLD"
"""A state folder of a mesh built at another scale (e.g. ``small`` by the README's main
command) that the ``built_world`` tests read instead of the session's tiny mesh: it is
copied first, so the tests never touch it."""


@pytest.fixture(scope="session")
def built_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWorld:
    """The session's tiny mesh, or a copy of the world :data:`WORLD_VARIABLE` names."""
    source = os.environ.get(WORLD_VARIABLE)
    if not source:
        tiny: TinyMesh = request.getfixturevalue("tiny_mesh")
        return tiny
    if not MeshSettings(state_dir=Path(source)).warehouse_path.exists():
        pytest.fail(f"{WORLD_VARIABLE}={source}: no warehouse there; build it first", pytrace=False)
    copy = tmp_path_factory.mktemp("built-world")
    shutil.copytree(source, copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock"))
    return BuiltWorld(state=copy)


@pytest.fixture(scope="session")
def tiny_mesh(tmp_path_factory: pytest.TempPathFactory) -> TinyMesh:
    """The whole mesh, built once per test session at the tiny scale."""
    state = tmp_path_factory.mktemp("tiny-mesh")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_STATE_DIR", str(state))
        for name in ("MESH_ENGINE", "MESH_ENV", "MESH_DUCKDB_PATH"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        try:
            report = build(scale="tiny")
        finally:
            get_settings.cache_clear()
    return TinyMesh(state=state, report=report)
