"""``mesh bench``: the floor, then ``mesh build``, on one world; their figures side by
side, written as JSON, and compared with an earlier run's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from sandbox.cli.build import known_scale


def bench(
    *,
    scale: Annotated[
        str,
        typer.Option(
            help="Size of the simulated world: tiny, small, seed, large.", callback=known_scale
        ),
    ] = "tiny",
    seed: Annotated[int | None, typer.Option(help="The world's seed (default: MESH_SEED).")] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="DuckDB threads of both runs (default: MESH_DUCKDB_THREADS)."),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Where to write the figures (default: .mesh/bench/SCALE-TIME.json)."
        ),
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="An earlier run's JSON to compare the build with.")
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="Keep both runs' warehouses here (default: a temporary folder, deleted)."
        ),
    ] = None,
) -> None:
    """Measure mesh build against its floor (the landing simulation, each product's SQL
    and checks as plain DuckDB statements, the Python products called bare): wall time,
    peak memory and their ratio, per product and in total."""
    from mesh_platform.cli.output import console, fail
    from mesh_platform.settings import EngineName, get_settings
    from sandbox.bench.figures import BenchReport, RunFigures
    from sandbox.bench.render import changes_table, report_table
    from sandbox.bench.runner import BenchFailed, run_bench

    settings = get_settings()
    if settings.engine_name is not EngineName.DUCKDB:
        fail("mesh bench measures the local DuckDB build; unset MESH_ENGINE", code=2)
    earlier = None
    if compare is not None:
        try:
            earlier = BenchReport.read(compare)
        except (OSError, ValueError) as error:
            fail(str(error), code=2)
        if earlier.scale != scale:
            fail(f"{compare} was measured at scale {earlier.scale!r}, not {scale!r}", code=2)
    out = console()
    seed = settings.seed if seed is None else seed
    threads = settings.duckdb_threads if threads is None else threads
    out.print(
        f"[bold]mesh bench[/] at scale [bold]{scale}[/], seed {seed}, {threads} DuckDB thread(s)"
    )

    def on_run(run: RunFigures) -> None:
        out.print(f"{run.kind}: {run.wall_s:.1f} s, peak {run.peak_rss / 2**20:,.0f} MiB")

    try:
        report = run_bench(scale, seed=seed, threads=threads, workdir=workdir, on_run=on_run)
    except BenchFailed as error:
        fail(str(error))
    out.print(report_table(report))
    stamp = report.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = json_out or settings.state_dir / "bench" / f"{scale}-{stamp}.json"
    report.write(path)
    out.print(f"figures written to {path}")
    if earlier is not None:
        out.print(changes_table(earlier, report))
