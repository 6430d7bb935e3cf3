"""The ``mesh`` command: browse, check, build and query the data mesh.

Sub-commands live in sibling modules: ``contracts`` (list, show, export), ``check``
(governance lint), ``build`` (the warehouse), ``query`` (SQL on the warehouse) and
``domains`` (list the domains, write the files that list them).
"""

from __future__ import annotations

import typer

from mesh_platform.cli import build, check, contracts, deploy, dev, domains, query
from mesh_platform.cli.lineage import lineage

app = typer.Typer(
    name="mesh",
    help="Trident, the resort group's data mesh: contracts, governance, warehouse.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(contracts.app, name="contracts")
app.add_typer(domains.app, name="domains")
app.command("check")(check.check)
app.command("build")(build.build)
app.command("query")(query.query)
app.command("lineage")(lineage)
app.command("dev")(dev.dev)
app.add_typer(deploy.app, name="deploy")

__all__ = ["app"]
