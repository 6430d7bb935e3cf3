"""``mesh gdpr``: erase one person from the whole mesh, or give them their data."""

from __future__ import annotations

import getpass
import json
import os
from typing import Annotated

import typer
from rich.table import Table

from mesh_platform.cli.output import console, fail
from mesh_platform.contract import all_contracts
from mesh_platform.engines import get_engine
from mesh_platform.privacy.erasure import erase as erase_person
from mesh_platform.privacy.erasure import export as export_person
from mesh_platform.privacy.landing import mesh_landing_columns

app = typer.Typer(
    name="gdpr",
    help="The rights of the people in the data: erasure and access.",
    no_args_is_help=True,
)

CustomerOption = Annotated[
    str, typer.Option("--customer-id", help="The resolved customer, e.g. CU00001234.")
]


def _operator() -> str:
    return os.environ.get("MESH_OPERATOR") or getpass.getuser()


@app.command()
def erase(
    customer_id: CustomerOption,
    reason: Annotated[
        str, typer.Option("--reason", help="Why: the request's reference and ground.")
    ],
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who runs it (default: MESH_OPERATOR, else the login)."),
    ] = None,
) -> None:
    """Erase one person from every product, rejects table and landing table holding
    one of their identifiers; record it in the audit; keep them out of later builds."""
    engine = get_engine()
    try:
        done = erase_person(
            engine,
            customer_id,
            reason=reason,
            requested_by=by or _operator(),
            contracts=all_contracts(),
            landing=mesh_landing_columns(),
        )
    except (LookupError, ValueError) as error:
        fail(str(error.args[0]), code=2)
    table = Table("table", "rows erased", title=f"erasure {done.erasure_id}")
    for name, rows in done.rows.items():
        table.add_row(name, f"{rows:,}")
    out = console()
    out.print(table)
    out.print(
        f"{customer_id}: {done.total:,} row(s) erased in {len(done.rows)} table(s); "
        "recorded in privacy.erasure_audit, kept out of later builds by "
        "privacy.erasure_suppression.",
        highlight=False,
    )


@app.command()
def export(customer_id: CustomerOption) -> None:
    """Print every row the mesh holds about one person, as one JSON document."""
    try:
        document = export_person(
            get_engine(),
            customer_id,
            contracts=all_contracts(),
            landing=mesh_landing_columns(),
        )
    except LookupError as error:
        fail(str(error.args[0]), code=2)
    typer.echo(json.dumps(document, indent=1, default=str, sort_keys=True))
