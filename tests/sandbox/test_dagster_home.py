"""The local Dagster instance says, once, that it sends no telemetry (no banner on a
newcomer's first `mesh build`), and keeps a configuration written by hand."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from sandbox.dagster_home import prepare_home


def test_a_new_local_instance_sends_no_telemetry(tmp_path: Path) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    assert dg.DagsterInstance.local_temp(str(home)).telemetry_enabled is False


def test_an_empty_configuration_is_written_and_a_written_one_is_kept(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "dagster.yaml").touch()  # what `mesh dev` left before
    assert "enabled: false" in (prepare_home(empty) / "dagster.yaml").read_text()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    prepare_home(mine)
    assert (mine / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"
