"""``mesh build``: simulate the landing zone and materialise the whole mesh, in
dependency order across the twelve domains, with live progress and a summary.

On DuckDB by default; with ``MESH_ENGINE=bigquery``, on BigQuery: locally the emulator
(started when ``BIGQUERY_EMULATOR_HOST`` names none), the landing zone loaded by load
jobs."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import dagster as dg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.settings import EngineName, Environment, MeshSettings, get_settings
from sandbox.cli.storage import StorageOption, chosen_settings, instance_storage
from sandbox.simulation.scales import SCALES


def known_scale(value: str) -> str:
    if value not in SCALES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(SCALES)}")
    return value


def build(
    scale: Annotated[
        str,
        typer.Option(
            help=f"Size of the simulated world: {', '.join(SCALES)}.", callback=known_scale
        ),
    ] = "small",
    select: Annotated[
        list[str] | None,
        typer.Option("--select", "-s", help="DOMAIN.PRODUCT or DOMAIN (repeat); default all."),
    ] = None,
    simulate: Annotated[
        bool, typer.Option(help="Simulate the landing zone first (--no-simulate reuses it).")
    ] = True,
    postgres: StorageOption = None,
) -> None:
    """Simulate the landing zone and build every product, on DuckDB (or on BigQuery with
    MESH_ENGINE=bigquery: locally, the emulator)."""
    with instance_storage(chosen_settings(postgres)), _progress_console() as out:
        _build(out, scale, select, simulate)


@contextmanager
def _progress_console() -> Iterator[Console]:
    """The build's console. On a terminal it writes to a copy of the terminal's
    descriptor: while a product runs, its standard streams go to the run's compute logs
    (the UI's stdout and stderr, :mod:`sandbox.dagster_logs`), and the progress goes on
    showing on the terminal all the same."""
    out = console()
    if not out.is_terminal:
        yield out
        return
    with os.fdopen(
        os.dup(sys.stdout.fileno()), "w", encoding=sys.stdout.encoding or "utf-8"
    ) as terminal:
        yield Console(file=terminal)


def _build(out: Console, scale: str, select: list[str] | None, simulate: bool) -> None:
    from sandbox.build import BuildReport, ProductOutcome
    from sandbox.build import build as run_build

    settings = get_settings()
    where: object = settings.warehouse_path
    if settings.engine_name is EngineName.BIGQUERY:
        settings = _bigquery_settings(settings)
        where = (
            f"BigQuery project {settings.gcp_project} at {settings.bigquery_endpoint or 'Google'}"
        )
    out.print(f"[bold]Trident[/] building the mesh at scale [bold]{scale}[/] in {where}")
    totals = {"rows": 0, "checks": 0, "passed": 0}
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=out,
        transient=False,
        # a product's own output goes to its run's compute logs, not above the progress
        redirect_stdout=False,
        redirect_stderr=False,
    ) as progress:
        landing_task = progress.add_task(
            "landing zone", total=None if simulate else 0, detail="simulating"
        )
        products_task = progress.add_task("products", total=None, detail="", start=False)

        def on_landing(rows: dict[str, int], seconds: float) -> None:
            progress.update(
                landing_task,
                total=1,
                completed=1,
                detail=f"{len(rows)} tables, {sum(rows.values()):,} rows in {seconds:.1f}s",
            )

        def on_start(keys: list[dg.AssetKey]) -> None:
            if not simulate:
                progress.update(landing_task, total=1, completed=1, detail="reused")
            progress.start_task(products_task)
            progress.update(products_task, total=len(keys))

        def on_product(outcome: ProductOutcome) -> None:
            totals["rows"] += outcome.rows
            totals["checks"] += outcome.checks_total
            totals["passed"] += outcome.checks_passed
            status = "" if outcome.success else f" [red]{outcome.key} failed[/]"
            progress.update(
                products_task,
                advance=1,
                detail=f"{outcome.key}: {totals['rows']:,} rows, "
                f"{totals['passed']}/{totals['checks']} checks passed{status}",
            )

        try:
            report: BuildReport = run_build(
                scale=scale,
                select=select or [],
                simulate=simulate,
                on_landing=on_landing,
                on_start=on_start,
                on_product=on_product,
            )
        except ValueError as error:
            fail(str(error), code=2)
    out.print(_products(report))
    for line in left_out_lines(report):
        out.print(line, highlight=False, soft_wrap=True)
    out.print(_summary(report))
    failures = [o for o in report.outcomes if not o.success]
    for outcome in failures:
        out.print(_failure(outcome), highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(1)
    query = (
        "the products are in BigQuery, one dataset per domain"
        if settings.engine_name is EngineName.BIGQUERY
        else '[bold]mesh query --user bastien "select * from sales.revenue_by_season limit 10"[/] '
        "queries products as a directory user (README: Who may read what)"
    )
    out.print(
        "\nNext: [bold]mesh catalog serve[/] opens the data catalog (products, lineage, "
        "last runs); [bold]mesh dev[/] the Dagster UI with every domain's code location; "
        f"{query}."
    )


def _bigquery_settings(settings: MeshSettings) -> MeshSettings:
    """The settings for a build on BigQuery: locally, with no endpoint given, the local
    emulator's (started, and left running for later commands, when it is not running)."""
    if settings.env is not Environment.LOCAL or settings.bigquery_endpoint:
        return settings
    from sandbox.emulators.bigquery import EMULATOR_HOST_VARIABLE, BigQueryEmulator, EmulatorError

    emulator = BigQueryEmulator()
    running = emulator.recorded()
    if running is None:
        console().print("starting the local BigQuery emulator…")
        try:
            emulator.start()
        except EmulatorError as error:
            fail(f"the local BigQuery emulator could not start: {error}")
        endpoint = emulator.endpoint
    else:
        endpoint = str(running["endpoint"])
    os.environ[EMULATOR_HOST_VARIABLE] = endpoint
    get_settings.cache_clear()
    console().print(
        f"the BigQuery emulator runs at {endpoint}; "
        "[bold]python -m sandbox.emulators.bigquery stop[/] stops it"
    )
    return get_settings()


def _failure(outcome: object) -> Text:
    """A failed product: its one or two lines, then where to read the full traceback."""
    from sandbox.build import ProductOutcome

    assert isinstance(outcome, ProductOutcome)
    lines = outcome.error.splitlines() or ["failed"]
    text = Text("✗ ", style="red")
    if lines[0].startswith(f"{outcome.key} "):  # the product's own failure names it
        text.append(outcome.key, style="red")
        text.append(lines[0][len(outcome.key) :])
    else:
        text.append(outcome.key, style="red")
        text.append(f": {lines[0]}")
    for line in lines[1:]:
        text.append(f"\n  {line}")
    if outcome.run_id:
        text.append(
            f"\n  full traceback: Dagster run {outcome.run_id} (mesh dev opens the UI), or "
            f"the latest FAIL event of mesh lineage --product {outcome.key}",
            style="dim",
        )
    return text


def _products(report: object) -> Table:
    """One line per product, in the order they were built."""
    from sandbox.build import BuildReport

    assert isinstance(report, BuildReport)
    table = Table(title=Text(f"Products built at scale {report.scale}"))
    table.add_column("product")
    table.add_column("rows", justify="right")
    table.add_column("left out", justify="right")
    table.add_column("checks passed", justify="right")
    table.add_column("time (s)", justify="right")
    table.add_column("status")
    for o in report.outcomes:
        status = "ok" if o.success else ("skipped" if o.skipped else "[red]failed[/]")
        table.add_row(
            o.key,
            f"{o.rows:,}",
            f"{o.left_out:,}",
            f"{o.checks_passed}/{o.checks_total}",
            f"{o.duration_s:.1f}",
            status,
        )
    return table


def left_out_lines(report: object) -> list[str]:
    """One line per product that left rows out: how many, per reason, and where to see
    them."""
    from sandbox.build import BuildReport

    assert isinstance(report, BuildReport)
    return [
        f"{o.key}: {o.left_out:,} row(s) left out ("
        + ", ".join(f"{reason} {n:,}" for reason, n in sorted(o.left_out_by_reason.items()))
        + f"); see mesh rejects {o.key}"
        for o in report.outcomes
        if o.left_out
    ]


def _summary(report: object) -> Table:
    from sandbox.build import BuildReport

    assert isinstance(report, BuildReport)
    per_domain: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0, 0])
    for o in report.outcomes:
        row = per_domain[o.domain]
        row[0] += 1
        row[1] += o.rows
        row[2] += o.checks_passed
        row[3] += o.checks_total
        row[4] += o.duration_s
        row[5] += 0 if o.success else 1
    table = Table(title=Text(f"Mesh built at scale {report.scale}"), show_footer=True)
    columns = ("products", "rows", "checks passed", "time (s)", "failed")
    table.add_column("domain", footer="total")
    sums = [sum(r[i] for r in per_domain.values()) for i in range(6)]
    table.add_column(columns[0], justify="right", footer=str(int(sums[0])))
    table.add_column(columns[1], justify="right", footer=f"{int(sums[1]):,}")
    table.add_column(columns[2], justify="right", footer=f"{int(sums[2])}/{int(sums[3])}")
    table.add_column(columns[3], justify="right", footer=f"{sums[4]:.1f}")
    table.add_column(columns[4], justify="right", footer=str(int(sums[5])))
    for domain, r in sorted(per_domain.items()):
        table.add_row(
            domain,
            str(int(r[0])),
            f"{int(r[1]):,}",
            f"{int(r[2])}/{int(r[3])}",
            f"{r[4]:.1f}",
            str(int(r[5])),
        )
    return table
