"""``mesh check``: lint every contract and every product definition against the
governance rules, without building Dagster definitions."""

from __future__ import annotations

from collections.abc import Mapping

import typer
from rich.text import Text

from mesh_platform.cli.output import console, err_console
from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.definition.reader import DomainDefinition
from mesh_platform.governance import lint
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.notices import deprecation_notices


def read_domains(contracts: Mapping[str, type[DataContract]]) -> list[DomainDefinition]:
    """The product definitions of every domain of the mesh, read against ``contracts``."""
    from mesh_platform.domains import DOMAINS
    from mesh_platform.location import read_product_definitions

    return [read_product_definitions(domain, contracts) for domain in DOMAINS]


def check() -> None:
    """Lint every contract and product definition: one line per finding (product, file,
    column, rule, message); exit 1 if any. A product reading a deprecated version gets a
    warning, addressed to its owner, that does not fail."""
    contracts = all_contracts()
    domains = read_domains(contracts)
    findings = lint(contracts, domains)
    definitions = sum(len(d.sql) + len(d.python) for d in domains)
    for notice in deprecation_notices(Mesh(contracts, tuple(domains))):
        warning = Text.assemble(("warning: ", "yellow"), notice.line())
        err_console().print(warning, highlight=False, soft_wrap=True)
    if findings:
        for finding in findings:
            typer.echo(finding.line())
        products = len({finding.product for finding in findings})
        err_console().print(
            f"{len(findings)} finding(s) in {products} of {len(contracts)} contracts"
            + (f" and {definitions} product definitions" if definitions else ""),
            highlight=False,
        )
        raise typer.Exit(1)
    read = f" and {definitions} product definitions" if definitions else ""
    console().print(f"{len(contracts)} contracts{read}, no findings", highlight=False)
