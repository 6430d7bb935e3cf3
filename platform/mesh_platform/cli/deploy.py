"""``mesh deploy plan``: the code locations a change must roll out again, and why."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.deploy.changes import RevisionError, changed, repository_root
from mesh_platform.deploy.graph import load_graph
from mesh_platform.deploy.plan import SYSTEM, Action, Plan, Reason, plan
from mesh_platform.domains import DOMAINS

app = typer.Typer(help="Plan deployments: what a change must roll out.", no_args_is_help=True)

ACTION_STYLES = {Action.REDEPLOY: "bold yellow", Action.NOTIFY: "cyan", Action.NONE: "dim"}


def domain_names() -> tuple[str, ...]:
    """The domains, one code location each."""
    return DOMAINS


@app.command("plan")
def plan_command(
    base: Annotated[
        str,
        typer.Option(
            help="The revision deployed (e.g. origin/main); compared from its merge base."
        ),
    ],
    head: Annotated[
        str | None,
        typer.Option(
            help="The checked-out commit, to leave uncommitted changes out "
            "(default: the working tree)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON, for CI.")
    ] = False,
    repo: Annotated[
        Path, typer.Option(help="A folder of the git checkout.", file_okay=False, exists=True)
    ] = Path(),
) -> None:
    """List the code locations to redeploy (or whose owners to notify) for the changes
    since BASE, from the git diff and the project's imports and contracts. Exit 0: a plan
    is not a failure."""
    try:
        root = repository_root(repo)
        changes = changed(root, base, head)
    except RevisionError as error:
        fail(str(error), code=2)
    result = plan(changes, load_graph(root, domain_names(), changes))
    if as_json:
        document = {"base": base, "head": head or "working tree", **result.as_json()}
        typer.echo(json.dumps(document, indent=2))
        return
    print_plan(result, base, head)


SHOWN_PATHS = 2
"""Paths named per reason in the table (the JSON has them all)."""


def reason_lines(reasons: Iterable[Reason]) -> list[str]:
    """One line per rule and detail: ``paths: rule: detail``, the paths abridged."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for reason in reasons:
        grouped.setdefault((reason.rule, reason.detail), []).append(reason.path)
    lines = []
    for (rule, detail), paths in grouped.items():
        shown = ", ".join(paths[:SHOWN_PATHS])
        more = len(paths) - SHOWN_PATHS
        lines.append(f"{shown}{f' and {more} more' if more > 0 else ''}: {rule}: {detail}")
    return lines


def print_plan(result: Plan, base: str, head: str | None) -> None:
    """The plan as a table of locations, then the changes that reach none."""
    out = console()
    table = Table(
        title=f"Deploy plan: {head or 'working tree'} against {base}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("location", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("reasons (paths: rule: detail)")
    for row in result.rows:
        lines = reason_lines(row.reasons) or ["nothing it runs changed"]
        name = row.location if row.location != SYSTEM else f"{SYSTEM} (webserver, daemon)"
        table.add_row(
            Text(name),
            Text(str(row.action), style=ACTION_STYLES[row.action]),
            Text("\n".join(lines), style="dim" if row.action is Action.NONE else ""),
        )
    out.print(table)
    for decision in result.unaffecting:
        out.print(Text(f"{decision.path}: {decision.rule}: {decision.detail}", style="dim"))
    out.print(
        f"{len(result.redeploy)} to redeploy, {len(result.notify)} to notify, "
        f"{len(result.decisions)} changed path(s)",
        highlight=False,
    )
