"""The ``mesh`` command: browse, check, query and trace the data mesh.

Sub-commands live in sibling modules: ``contracts`` (list, show, export), ``check``
(governance lint), ``query`` (SQL on the published products, as a directory user),
``access`` (who sees what of a product; the policy rendered for BigQuery), ``gdpr``
(erasure and access requests), ``rejects`` (the rows a product left out),
``dead-letters`` (the messages a streamed product could not take, and their replay),
``lineage`` (the last events), ``catalog`` (the catalog site), ``domains`` (list the
domains, write the files that list them) and ``deploy`` (what a change must redeploy).
An installed package may add commands through the :data:`COMMANDS_GROUP` entry point
group (name: the command; value: its function): the local sandbox adds ``build`` (the
whole mesh in-process, on a simulated landing zone), ``dev`` (the Dagster UI), ``new``
(scaffolding), ``simulate`` (live events for the streams) and ``bench`` (the build
against its floor). Where it is not installed, as in the production image, those
commands do not exist. A command's module is imported only when the command runs.
"""

from __future__ import annotations

import ast
import atexit
import gc
import importlib
import importlib.util
import os
import sys
import threading
from functools import cache
from importlib.metadata import entry_points
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

COMMANDS_GROUP = "trident.mesh.commands"
"""The entry point group of the commands other installed packages add to ``mesh``."""

PLATFORM_COMMANDS = {
    "contracts": "mesh_platform.cli.contracts:app",
    "check": "mesh_platform.cli.check:check",
    "query": "mesh_platform.cli.query:query",
    "access": "mesh_platform.cli.access:app",
    "catalog": "mesh_platform.cli.catalog:app",
    "lineage": "mesh_platform.cli.lineage:lineage",
    "rejects": "mesh_platform.cli.rejects:rejects",
    "dead-letters": "mesh_platform.cli.dead_letters:dead_letters_command",
    "domains": "mesh_platform.cli.domains:app",
    "deploy": "mesh_platform.cli.deploy:app",
    "gdpr": "mesh_platform.cli.gdpr:app",
}
"""The platform's commands and groups: ``module:attribute`` of a function (a command)
or of a :class:`typer.Typer` (a group of commands), imported only when run."""

HELP_ORDER = (
    "contracts",
    "new",
    "check",
    "build",
    "bench",
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


@cache
def command_targets() -> dict[str, str]:
    """Every command's ``module:attribute``: the platform's, then those of the
    :data:`COMMANDS_GROUP` entry points (read without importing them)."""
    targets = dict(PLATFORM_COMMANDS)
    for entry_point in entry_points(group=COMMANDS_GROUP):
        targets.setdefault(entry_point.name, entry_point.value)
    return dict(sorted(targets.items(), key=lambda item: _help_rank(item[0])))


def load_command(name: str, target: str) -> Any:
    """Import the command's module and make its function or Typer a click command."""
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer()  # a group holding the one command, as app.add_typer would
    holder.callback()(lambda: None)
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


def declared_help(target: str) -> str | None:
    """A command's help as its source declares it, read without importing its module:
    the function's docstring, or the ``help=`` of the ``typer.Typer(...)`` it is
    (``None`` when the source does not say it plainly)."""
    module, _, attribute = target.partition(":")
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return ast.get_docstring(node)
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


class _LazyCommands(TyperGroup):
    """The ``mesh`` group: lists its commands in :data:`HELP_ORDER` and imports a
    command's module only to run it (``mesh --help`` reads their help from source)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(command_targets())

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = command_targets().get(cmd_name)
        if target is None:
            return None
        if self._listing:
            help_text = declared_help(target)
            if help_text is not None:
                return TyperCommand(cmd_name, help=help_text)
        command = load_command(cmd_name, target)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=_LazyCommands,
    name="mesh",
    help="Trident, the resort group's data mesh: contracts, governance, warehouse.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _mesh() -> None:
    """Trident, the resort group's data mesh: contracts, governance, warehouse."""


YOUNG_GENERATION = 200_000
"""Allocations between two collections of the garbage collector's youngest generation
in the ``mesh`` process (Python's default is 700)."""


def collect_in_batches() -> None:
    """Let the garbage collector run after :data:`YOUNG_GENERATION` allocations, not 700.

    A command's start-up allocates some 300,000 objects that live as long as the process
    (modules, contracts, Dagster definitions). With the default threshold the collector
    examined them again and again while they were made: 0.5 s of a one-product rebuild
    at ``tiny``. Cycles are still collected, in batches; a whole build's time and memory
    did not change.
    """
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


def main() -> None:
    """The ``mesh`` executable: run the command, then leave without the interpreter's
    teardown.

    A build imports some 2,400 modules (Dagster, pandas, sqlglot and theirs) holding
    300,000 objects. Tearing them down module by module, collecting as it goes, took 0.9 s
    of a one-product rebuild's 3.9 s at ``tiny``. Nothing in it writes: by the time the
    command returns, each warehouse session has closed its connection and the local
    Dagster instance has committed its events. So the exit handlers run (logging's
    flush among them), the standard streams are flushed, and the process ends with the
    command's exit code. A thread the ordinary exit would wait for (not a daemon: only a
    command that started one and left it) gets the ordinary exit. A daemon thread does
    not: the ordinary exit would not wait for it either, and one is often still winding
    down (the build's progress display stops its refresh thread without joining it),
    which used to cost every other one-product rebuild the whole teardown.
    """
    collect_in_batches()
    main_thread = threading.main_thread()
    try:
        app()
        code = 0
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            code = exit_.code or 0
        else:  # a message, which the ordinary exit prints with status 1
            raise
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not main_thread):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``mesh ... | head``)
            code = code or 1
    os._exit(code)


__all__ = ["COMMANDS_GROUP", "app", "collect_in_batches", "main"]
