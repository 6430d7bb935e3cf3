"""The README's two commands in either order: the tests never touch the state folder the
main job built (its warehouse, lineage file and Dagster home stay byte-identical)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tiny_mesh import TinyMesh
from tests.support.user_state import USER_STATE_VARIABLE, changes, fingerprint

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]

# Modules whose module- and session-scoped fixtures build products: before the session
# isolated the state, they built into the user's ./.mesh.
SUITE = ("tests/domains/test_bookings.py", "tests/platform/test_cli.py")


def test_a_test_run_leaves_a_built_state_folder_byte_identical(
    tiny_mesh: TinyMesh, tmp_path: Path
) -> None:
    user_state = tmp_path / "user-state"
    shutil.copytree(tiny_mesh.state, user_state)
    before = fingerprint(user_state)
    assert {"warehouse.duckdb", "lineage/events.jsonl"} <= set(before)

    env = {k: v for k, v in os.environ.items() if k != USER_STATE_VARIABLE}
    env["MESH_STATE_DIR"] = str(user_state)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert changes(before, fingerprint(user_state)) == []


def test_the_guard_names_what_changed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "lineage").mkdir(parents=True)
    (state / "lineage" / "events.jsonl").write_text("{}\n")
    before = fingerprint(state)
    (state / "lineage" / "events.jsonl").write_text("{}\n{}\n")
    (state / "warehouse.duckdb").write_bytes(b"x")
    assert changes(before, fingerprint(state)) == [
        "lineage/events.jsonl (changed)",
        "warehouse.duckdb (added)",
    ]
