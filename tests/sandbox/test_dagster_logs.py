"""A build's compute logs are written where Dagster's own manager reads them, without a
process mirroring them, and the build's progress still reaches the terminal."""

from __future__ import annotations

import os
import pty
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution import compute_logs
from dagster._core.storage.local_compute_log_manager import LocalComputeLogManager

from sandbox.build import instance_overrides
from sandbox.cli.build import _progress_console
from sandbox.dagster_home import prepare_home
from sandbox.dagster_logs import UnmirroredComputeLogManager


@dg.asset
def talkative() -> None:
    print("from print", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    os.write(sys.stdout.fileno(), b"to the descriptor\n")  # as a library or a child would


def test_a_run_s_output_is_captured_for_the_ui_without_a_mirroring_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_mirror(*_: object) -> None:
        raise AssertionError("a process was started to mirror the compute logs")

    monkeypatch.setattr(compute_logs, "tail_to_stream", no_mirror)
    home = prepare_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home)) as instance:
        assert isinstance(instance.compute_log_manager, UnmirroredComputeLogManager)
        result = dg.materialize([talkative], instance=instance)
        assert result.success
        run_id = result.run_id

    # what `mesh dev` reads: Dagster's own manager on the same folder
    with dg.DagsterInstance.local_temp(str(home)) as reader:
        manager = reader.compute_log_manager
        assert type(manager) is LocalComputeLogManager
        (key,) = {
            record.event_log_entry.dagster_event.logs_captured_data.file_key
            for record in reader.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.LOGS_CAPTURED
            ).records
            if record.event_log_entry.dagster_event
        }
        log_key = manager.build_log_key_for_run(run_id, key)
        assert manager.is_capture_complete(log_key)
        data = manager.get_log_data(log_key)
        stdout = (data.stdout or b"").decode()
        assert "from print" in stdout
        assert "to the descriptor" in stdout
        assert "to stderr" in (data.stderr or b"").decode()


def test_the_progress_reaches_the_terminal_while_a_run_holds_its_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leader, follower = pty.openpty()
    terminal = os.fdopen(follower, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.delenv("COLUMNS", raising=False)
    captured = tmp_path / "compute.out"
    try:
        with _progress_console() as out:
            assert out.is_terminal
            # a run redirects the standard output's descriptor into its compute log
            with compute_logs.redirect_to_file(terminal, str(captured)):
                out.print("products 3/35", highlight=False)
                out.file.flush()
        shown = os.read(leader, 4096).decode()
    finally:
        terminal.close()
        os.close(leader)
    assert "products 3/35" in shown
    assert "products" not in captured.read_text()
