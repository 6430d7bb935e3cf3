"""The ``mesh`` command: browse, check, query and trace the data mesh.

Sub-commands live in sibling modules: ``contracts`` (list, show, export), ``check``
(governance lint), ``query`` (SQL on the warehouse), ``rejects`` (the rows a product
left out), ``dead-letters`` (the messages a streamed product could not take, and their
replay), ``lineage`` (the last events),
``domains`` (list the domains, write the files that list them) and ``deploy`` (what a
change must redeploy).
An installed package may add commands through the :data:`COMMANDS_GROUP` entry point
group (name: the command; value: its function, or a Typer app for a group of
commands): the local sandbox adds ``build`` (the
whole mesh in-process, on a simulated landing zone) and ``dev`` (the Dagster UI). Where
it is not installed, as in the production image, those commands do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import typer

from mesh_platform.cli import check, contracts, dead_letters, deploy, domains, query, rejects
from mesh_platform.cli.lineage import lineage

COMMANDS_GROUP = "trident.mesh.commands"
"""The entry point group of the commands other installed packages add to ``mesh``."""

HELP_ORDER = ("check", "build", "query", "rejects", "lineage", "dev")
"""The order of the commands in ``mesh --help``, those added by entry point included;
a command not named here comes after these."""

app = typer.Typer(
    name="mesh",
    help="Trident, the resort group's data mesh: contracts, governance, warehouse.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(contracts.app, name="contracts")


def _commands() -> dict[str, Callable[..., Any]]:
    """The platform's commands and those of the :data:`COMMANDS_GROUP` entry points."""
    commands: dict[str, Callable[..., Any]] = {
        "check": check.check,
        "query": query.query,
        "lineage": lineage,
        "rejects": rejects.rejects,
        "dead-letters": dead_letters.dead_letters_command,
    }
    for entry_point in entry_points(group=COMMANDS_GROUP):
        commands.setdefault(entry_point.name, entry_point.load())
    return commands


def _help_rank(name: str) -> int:
    return HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER)


for _name, _command in sorted(_commands().items(), key=lambda item: _help_rank(item[0])):
    if isinstance(_command, typer.Typer):  # a group of commands (e.g. `mesh simulate ...`)
        app.add_typer(_command, name=_name)
    else:
        app.command(_name)(_command)
app.add_typer(domains.app, name="domains")
app.add_typer(deploy.app, name="deploy")

__all__ = ["COMMANDS_GROUP", "app"]
