"""``mesh domains``: the domains of the mesh, and the files that list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mesh_platform.cli.output import console, err_console, fail
from mesh_platform.domain_files import (
    COMMAND,
    DomainFilesError,
    order_problems,
    stale_files,
    sync,
)
from mesh_platform.domains import domains_folder, find_domains

app = typer.Typer(
    help="The domains of the mesh (the folders under domains/) and the files that list them.",
    no_args_is_help=True,
)

RootOption = Annotated[
    Path | None,
    typer.Option(
        help="The project's root, holding domains/ and the generated files "
        "(default: the folder above the installed domains package).",
        file_okay=False,
        exists=True,
    ),
]


def _root(root: Path | None) -> Path:
    return root if root is not None else domains_folder().parent


@app.command("list")
def list_domains(root: RootOption = None) -> None:
    """List the domains, one per line, in the mesh's order."""
    for domain in find_domains(_root(root) / "domains"):
        typer.echo(domain)


@app.command("sync")
def sync_files(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: print the difference of each stale file and exit 1 if any.",
        ),
    ] = False,
    root: RootOption = None,
) -> None:
    """Write the workspace, deployment files and import rules from the domain folders.

    With --check nothing is written: the difference of each stale file is printed, and
    the command exits 1 if any file is stale.
    """
    folder = _root(root)
    try:
        stale = stale_files(folder)
        if not check:
            sync(folder)
    except DomainFilesError as error:
        fail(escape(str(error)))
    out, err = console(), err_console()
    for file in stale:
        if check:
            typer.echo(file.diff, nl=False)
            err.print(f"stale: {file.path}", highlight=False)
        else:
            out.print(f"wrote {file.path}", highlight=False)
    problems = order_problems(folder)
    for problem in problems:
        err.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
    if check and stale:
        err.print(f"run `{COMMAND}` to write them", highlight=False)
    if problems or (check and stale):
        raise typer.Exit(1)
    if not stale:
        domains = find_domains(folder / "domains")
        out.print(f"{len(domains)} domains; the generated files are up to date", highlight=False)
