"""The local build's compute logs: written where Dagster writes them, not mirrored back.

Dagster's local compute log manager redirects a run's standard output and error into two
files, which the UI shows as its stdout and stderr. On POSIX it also mirrors each file
back to the terminal, with a ``tail -F`` process and a Python process that watches for
the tail's orphaning: four processes started and stopped for every run. ``mesh build``
makes one run per product, and those processes cost a small product about as much as
its SQL.

``mesh build`` prints its own progress, its summary, and a failed product's error read
from the run's events. What a product writes to its standard streams belongs to the
run's compute logs. This manager writes the same files, in the same folder, so that
``mesh dev`` shows them, and starts no process. It is used for the default local
instance only (:func:`sandbox.build.instance_overrides`); a ``dagster.yaml`` naming its
own compute logs keeps them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dagster._core.execution.compute_logs import redirect_to_file
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import (
    IO_TYPE_EXTENSION,
    LocalComputeLogManager,
)
from dagster._utils import ensure_file, touch_file


class UnmirroredComputeLogManager(LocalComputeLogManager):
    """Dagster's local compute logs, captured into their files without a process that
    copies them back to the terminal."""

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: dict[str, Any]
    ) -> UnmirroredComputeLogManager:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Iterator[CapturedLogContext]:
        paths = {
            io_type: self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[io_type])
            for io_type in (ComputeIOType.STDOUT, ComputeIOType.STDERR)
        }
        for path in paths.values():
            ensure_file(path)
        with (
            redirect_to_file(sys.stdout, paths[ComputeIOType.STDOUT]),
            redirect_to_file(sys.stderr, paths[ComputeIOType.STDERR]),
        ):
            yield CapturedLogContext(log_key)
        touch_file(self.complete_artifact_path(log_key))  # as Dagster marks a capture done
