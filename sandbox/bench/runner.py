"""Running the benchmark: the floor's process, then the build's, on one world, each
measured from outside (wall time, peak resident memory of the whole process)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandbox.bench.figures import BenchReport, RunFigures, StepFigure
from sandbox.bench.memory import maxrss_bytes


class BenchFailed(RuntimeError):
    """One of the benchmark's runs failed (its output is in the message)."""


def run_child(kind: str, arguments: list[str], env: dict[str, str], out: Path) -> RunFigures:
    """Run ``python -m sandbox.bench.child KIND ...`` and measure the whole process.

    Raises:
        BenchFailed: the process failed, with the end of what it printed.
    """
    command = [sys.executable, "-m", "sandbox.bench.child", kind, *arguments, "--out", str(out)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-4000:]
            raise BenchFailed(f"the {kind} run failed (exit {process.returncode}):\n{tail}")
    steps = {name: StepFigure(**figure) for name, figure in json.loads(out.read_text()).items()}
    return RunFigures(kind=kind, wall_s=wall, peak_rss=maxrss_bytes(usage.ru_maxrss), steps=steps)


def revision() -> str:
    """The git revision of the code (with ``+dirty`` for local changes), or ``""``."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+dirty" if dirty else "")


def run_bench(
    scale: str,
    *,
    seed: int,
    threads: int,
    workdir: Path | None = None,
    on_run: Callable[[RunFigures], None] | None = None,
) -> BenchReport:
    """The floor, then ``mesh build``, at ``scale`` with ``seed``; both on ``threads``
    DuckDB threads, in a folder of their own (``workdir``, else a temporary one, deleted
    afterwards): the build's state folder is never the user's.

    Raises:
        BenchFailed: either run failed.
    """
    own = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="mesh-bench-")) if workdir is None else workdir
    folder.mkdir(parents=True, exist_ok=True)
    try:
        common = ["--scale", scale, "--seed", str(seed), "--threads", str(threads)]
        env = {**os.environ, "MESH_SEED": str(seed), "MESH_DUCKDB_THREADS": str(threads)}
        env.pop("MESH_DUCKDB_PATH", None)
        floor = run_child(
            "floor",
            [*common, "--warehouse", str(folder / "floor.duckdb")],
            {**env, "MESH_STATE_DIR": str(folder / "floor-state")},
            folder / "floor.json",
        )
        if on_run:
            on_run(floor)
        (folder / "floor.duckdb").unlink(missing_ok=True)  # room for the build's warehouse
        build = run_child(
            "build",
            common,
            {**env, "MESH_STATE_DIR": str(folder / "build-state")},
            folder / "build.json",
        )
        if on_run:
            on_run(build)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
    return BenchReport(
        scale=scale, seed=seed, threads=threads, revision=revision(), floor=floor, build=build
    )
