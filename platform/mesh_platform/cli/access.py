"""``mesh access``: who may read what, from the access policy and the directory."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mesh_platform.access.bigquery import GENERATED, render_text
from mesh_platform.access.policy import AccessError, load_policy, policy_path
from mesh_platform.access.readers import readers_of, required_clearance
from mesh_platform.cli.output import console, fail
from mesh_platform.contract.registry import all_contracts, get_contract, load_contract_modules
from mesh_platform.domains import domains_folder

app = typer.Typer(
    help="Who may read what: the access policy (contracts/access_policy.yaml) applied.",
    no_args_is_help=True,
)


@app.command("show")
def show(product: Annotated[str, typer.Argument(help="DOMAIN.PRODUCT")]) -> None:
    """What each directory group sees of a product, for each purpose."""
    load_contract_modules()
    try:
        contract = get_contract(product)
    except KeyError as error:
        fail(escape(str(error.args[0])), code=2)
    try:
        policy = load_policy()
    except AccessError as error:
        fail(escape(str(error)))
    table = Table(
        title=f"{product}: clearance {required_clearance(contract)} ({policy_path().name})"
    )
    for heading in ("group", "purpose", "sees"):
        table.add_column(heading)
    for group, seen in readers_of(policy, contract).items():
        for purpose, what in seen.items():
            table.add_row(group, purpose, what)
    console().print(table)


@app.command("render-gcp")
def render_gcp(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is stale.")
    ] = False,
    root: Annotated[
        Path | None, typer.Option(help="The project's root (default: above domains/).")
    ] = None,
) -> None:
    """Render the policy for BigQuery: deploy/gcp/access.tf.json (Terraform, JSON syntax)."""
    load_contract_modules()
    try:
        text = render_text(load_policy(), all_contracts())
    except AccessError as error:
        fail(escape(str(error)))
    path = (root or domains_folder().parent) / GENERATED
    current = path.read_text() if path.exists() else ""
    if check:
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), GENERATED, "rendered", lineterm=""
            )
            console().print("\n".join(list(diff)[:40]), markup=False, highlight=False)
            fail(f"{GENERATED} is stale: run `mesh access render-gcp`")
        console().print(f"{GENERATED} is up to date")
        return
    path.write_text(text)
    console().print(f"wrote {GENERATED}")
