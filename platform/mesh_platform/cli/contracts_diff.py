"""``mesh contracts diff``: every contract change since a revision, and the consumers it
would break."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.deploy.changes import RevisionError, repository_root
from mesh_platform.evolution.gate import Judged, Report, Verdict, gate
from mesh_platform.evolution.revisions import revisions, tree_of
from mesh_platform.evolution.snapshot import SnapshotError, take_snapshot

VERDICT_STYLES = {Verdict.OK: "green", Verdict.WARN: "yellow", Verdict.FAIL: "bold red"}


def diff(
    base: Annotated[
        str,
        typer.Option(help="The revision to compare with (e.g. origin/main), from its merge base."),
    ],
    head: Annotated[
        str | None,
        typer.Option(help="The revision to judge (default: the working tree)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON, for CI.")
    ] = False,
    repo: Annotated[
        Path, typer.Option(help="A folder of the git checkout.", file_okay=False, exists=True)
    ] = Path(),
) -> None:
    """Classify every contract change since BASE (column added, removed, renamed, type,
    nullability, accepted values, constraints, grain, access, classification, freshness)
    and name the consuming products, columns, teams and contacts of each breaking one.
    Exit 1 if a breaking change of a public product is read by a consumer and the major
    version was not bumped; 2 for a bad revision or unreadable contracts."""
    try:
        root = repository_root(repo)
        sides = revisions(root, base, head)
        with tree_of(root, sides.merge_base) as base_tree:
            before = take_snapshot(base_tree, reads=False)
        with tree_of(root, sides.head) as head_tree:
            after = take_snapshot(head_tree, reads=True, other=before)
    except (RevisionError, SnapshotError) as error:
        fail(str(error), code=2)
    report = gate(before, after, names=(base, sides.merge_base, head or "working tree"))
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        print_report(report)
    if report.failed:
        raise typer.Exit(1)


def _consumers(judged: Judged) -> Text:
    text = Text(overflow="fold")
    for read in judged.consumers:
        if text:
            text.append("\n")
        column = "every column" if read.column == "*" else read.column
        text.append(read.consumer, style="bold" if judged.verdict is Verdict.FAIL else "")
        text.append(f"\n  reads {column}")
        text.append(f" ({read.team}, {read.contact})", style="dim")
    return text


def print_report(report: Report) -> None:
    """The report as one table of changes, then the verdict."""
    out = console()
    if not report.products:
        out.print(f"No contract changed since {report.base} ({report.merge_base[:12]}).")
        return
    table = Table(
        title=f"Contract changes: {report.head} against {report.base} "
        f"(merge base {report.merge_base[:12]})",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for name in ("product (version)", "change", "column", "detail", "verdict"):
        table.add_column(
            name, no_wrap=name in ("change", "verdict"), ratio=1 if name == "detail" else None
        )
    table.add_column("consumers: product, column read (team, contact)", ratio=1, overflow="fold")
    for product in report.products:
        versions = f"{product.base_version or '-'} → {product.head_version or '-'}"
        for index, judged in enumerate(product.judged):
            change = judged.change
            table.add_row(
                Text(f"{product.product}\n{versions}") if index == 0 else Text(""),
                Text(str(change.kind), style="bold" if change.breaking else "dim"),
                change.column or "",
                Text(change.detail).append(f"\n{judged.reason}", style="dim"),
                Text(str(judged.verdict), style=VERDICT_STYLES[judged.verdict]),
                _consumers(judged),
            )
    out.print(table)
    counts = ", ".join(f"{report.count(v)} {v}" for v in Verdict)
    verdict = "FAIL" if report.failed else "pass"
    out.print(
        Text(f"{verdict}: {counts}", style="bold red" if report.failed else "green"),
        highlight=False,
    )
