"""Test session set-up shared by every test.

Skips are never silent: the summary lists every skipped test with its reason, so a
green run cannot be mistaken for a full one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesh_platform.settings import get_settings

pytest_plugins = [
    "tests.support.user_state",
    "tests.support.bigquery",
    "tests.support.postgres",
    "tests.support.pubsub",
    "tests.support.ldap",
    "tests.support.tiny_mesh",
    "tests.support.bigquery_mesh",
    "tests.support.browser",
]

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own local state folder (warehouse, lineage, Dagster home)."""
    state = tmp_path / "mesh-state"
    monkeypatch.setenv("MESH_STATE_DIR", str(state))
    monkeypatch.delenv("MESH_ENGINE", raising=False)
    monkeypatch.delenv("MESH_ENV", raising=False)
    monkeypatch.delenv("MESH_DUCKDB_THREADS", raising=False)
    monkeypatch.delenv("MESH_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("MESH_DUCKDB_FRAME_MEMORY_LIMIT", raising=False)
    get_settings.cache_clear()
    yield state
    get_settings.cache_clear()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    where = "in CI" if os.environ.get("CI") else "in this run"
    terminalreporter.section(f"{len(skipped)} test(s) skipped {where}, with their reasons")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"{report.nodeid}: {reason}")
