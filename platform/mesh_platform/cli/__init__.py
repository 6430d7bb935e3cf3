"""The ``mesh`` command: browse, check, query and trace the data mesh.

Sub-commands live in sibling modules: ``contracts`` (list, show, export), ``check``
(governance lint), ``query`` (SQL on the warehouse), ``rejects`` (the rows a product
left out), ``dead-letters`` (the messages a streamed product could not take, and their
replay), ``lineage`` (the last events), ``catalog`` (the catalog site),
``domains`` (list the domains, write the files that list them) and ``deploy`` (what a
change must redeploy).
An installed package may add commands through the :data:`COMMANDS_GROUP` entry point
group (name: the command; value: its function): the local sandbox adds ``build`` (the
whole mesh in-process, on a simulated landing zone), ``dev`` (the Dagster UI), ``new``
(scaffolding) and ``simulate`` (live events for the streams). Where
it is not installed, as in the production image, those commands do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import typer
from typer.core import TyperGroup

from mesh_platform.cli import (
    access,
    catalog,
    check,
    contracts,
    dead_letters,
    deploy,
    domains,
    gdpr,
    query,
    rejects,
)
from mesh_platform.cli.lineage import lineage

COMMANDS_GROUP = "trident.mesh.commands"
"""The entry point group of the commands other installed packages add to ``mesh``."""

HELP_ORDER = (
    "contracts",
    "new",
    "check",
    "build",
    "query",
    "access",
    "catalog",
    "lineage",
    "rejects",
    "dead-letters",
    "dev",
    "simulate",
    "domains",
    "deploy",
    "gdpr",
)
"""The order of the commands in ``mesh --help``, the order a newcomer meets them (those
added by entry point included); a command not named here comes after these."""


def _help_rank(name: str) -> int:
    return HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER)


class _NewcomerOrder(TyperGroup):
    """Lists commands and groups together, in :data:`HELP_ORDER`."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(super().list_commands(ctx), key=_help_rank)


app = typer.Typer(
    cls=_NewcomerOrder,
    name="mesh",
    help="Trident, the resort group's data mesh: contracts, governance, warehouse.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _commands() -> dict[str, Callable[..., Any] | typer.Typer]:
    """The platform's commands and groups, and those of the :data:`COMMANDS_GROUP` entry
    points (a function is a command, a :class:`typer.Typer` a group of commands)."""
    commands: dict[str, Callable[..., Any] | typer.Typer] = {
        "contracts": contracts.app,
        "check": check.check,
        "query": query.query,
        "access": access.app,
        "catalog": catalog.app,
        "lineage": lineage,
        "rejects": rejects.rejects,
        "dead-letters": dead_letters.dead_letters_command,
        "domains": domains.app,
        "deploy": deploy.app,
        "gdpr": gdpr.app,
    }
    for entry_point in entry_points(group=COMMANDS_GROUP):
        commands.setdefault(entry_point.name, entry_point.load())
    return commands


for _name, _command in sorted(_commands().items(), key=lambda item: _help_rank(item[0])):
    if isinstance(_command, typer.Typer):
        app.add_typer(_command, name=_name)
    else:
        app.command(_name)(_command)

__all__ = ["COMMANDS_GROUP", "app"]
