"""``mesh check``: lint every contract against the governance rules."""

from __future__ import annotations

import typer

from mesh_platform.cli.output import console, err_console
from mesh_platform.contract import all_contracts
from mesh_platform.governance import lint


def check() -> None:
    """Lint every contract: one line per finding (product, column, rule); exit 1 if any."""
    contracts = all_contracts()
    findings = lint(contracts)
    if findings:
        for finding in findings:
            typer.echo(finding.line())
        products = len({finding.product for finding in findings})
        err_console().print(
            f"{len(findings)} finding(s) in {products} of {len(contracts)} contracts",
            highlight=False,
        )
        raise typer.Exit(1)
    console().print(f"{len(contracts)} contracts, no findings", highlight=False)
