"""``mesh new``: scaffold a domain, or a product in a domain (:mod:`sandbox.scaffold`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mesh_platform.cli.output import console, fail
from mesh_platform.contract import all_contracts
from mesh_platform.domains import domains_folder
from sandbox.scaffold import DEFAULT_UPSTREAM, ScaffoldError, Written, new_domain, new_product

app = typer.Typer(help="Scaffold a new domain or a new product.", no_args_is_help=True)

RootOption = Annotated[
    Path | None,
    typer.Option(
        help="The project's root (default: the folder above the installed domains package).",
        file_okay=False,
        exists=True,
    ),
]


def _ask(value: str | None, option: str, question: str) -> str:
    """``value``, or the answer to ``question`` when a terminal is attached."""
    if value:
        return value
    if sys.stdin.isatty():
        answer: str = typer.prompt(question)
        return answer
    fail(f"{option} is required (no terminal to ask)", code=2)


def _report(written: Written, next_steps: str) -> None:
    out = console()
    for path in written.files:
        out.print(f"  wrote {path}", highlight=False)
    out.print(next_steps, highlight=False)


@app.command("domain")
def domain(
    name: Annotated[str, typer.Argument(help="The domain's name (snake_case).")],
    team: Annotated[str | None, typer.Option(help="The owning team.")] = None,
    contact: Annotated[str | None, typer.Option(help="The team's e-mail or channel.")] = None,
    root: RootOption = None,
) -> None:
    """Create a domain: its contracts module, its folder and code location, and the files
    that list the domains (workspace, deployment, import rules)."""
    team = _ask(team, "--team", "Owning team")
    contact = _ask(contact, "--contact", "Team contact (e-mail or channel)")
    try:
        written = new_domain(root or domains_folder().parent, name, team, contact)
    except ScaffoldError as error:
        fail(str(error), code=2)
    _report(written, f"next: mesh new product {name}.<product> --sql (or --python)")


@app.command("product")
def product(
    key: Annotated[str, typer.Argument(help="DOMAIN.PRODUCT")],
    sql: Annotated[bool, typer.Option("--sql", help="A SQL product.")] = False,
    python: Annotated[bool, typer.Option("--python", help="A Python product.")] = False,
    reads: Annotated[
        str, typer.Option(help="The public product it starts from (its grain is copied).")
    ] = DEFAULT_UPSTREAM,
    root: RootOption = None,
) -> None:
    """Create a product: its contract and a minimal working SQL file or Python function,
    which passes `mesh check`, loads, builds and shows in the catalog."""
    if sql and python:
        fail("--sql or --python, not both", code=2)
    kind = "sql" if sql else "python" if python else ""
    kind = _ask(kind, "--sql or --python", "Logic (sql or python)").strip().lower()
    try:
        written = new_product(root or domains_folder().parent, key, kind, all_contracts(), reads)
    except ScaffoldError as error:
        fail(str(error), code=2)
    _report(written, f"next: mesh check, then mesh build --select {key}")
