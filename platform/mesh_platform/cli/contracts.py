"""``mesh contracts``: list, show and export the mesh's data contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mesh_platform.cli import contracts_diff
from mesh_platform.cli.output import console, fail
from mesh_platform.cli.selection import find_product, select_products
from mesh_platform.contract import ColumnSpec, DataContract, all_contracts
from mesh_platform.derive.checks import contract_checks
from mesh_platform.export import ExportFormat, export_contract, export_contracts, file_name
from mesh_platform.governance.readable import readable_columns
from mesh_platform.products.files import product_files

app = typer.Typer(help="Browse and export the mesh's data contracts.", no_args_is_help=True)

WIDE = 200
"""From this terminal width on, `contracts show` lays the columns out as a table; below,
one block per column, so that descriptions keep the width they need."""


@app.command("list")
def list_contracts() -> None:
    """List every data product: domain, product, version, owner, access and columns."""
    table = Table(title="Data products of the mesh", box=box.SIMPLE_HEAD)
    table.add_column("domain", no_wrap=True)
    table.add_column("product", no_wrap=True)
    table.add_column("version", min_width=7)
    table.add_column("owner", min_width=8)
    table.add_column("access", min_width=8)
    table.add_column("columns", justify="right", min_width=3)
    table.add_column("PII columns", justify="right", min_width=3)
    for contract in all_contracts().values():
        meta = contract.meta()
        columns = readable_columns(contract)
        table.add_row(
            Text(meta.domain),
            Text(meta.product),
            Text(meta.version),
            Text(meta.owner.team if meta.owner else "-"),
            Text(meta.access.value),
            Text(str(len(columns)) if columns is not None else "?"),
            Text(str(sum(c.is_pii for c in columns)) if columns is not None else "?"),
        )
    console().print(table)


@app.command("show")
def show(
    product: Annotated[str, typer.Argument(help="The product, as DOMAIN.PRODUCT.")],
) -> None:
    """Show one product's contract: its metadata and its columns."""
    contract = find_product(product)
    out = console()
    columns = _columns_table(contract) if out.width >= WIDE else _column_blocks(contract)
    out.print(Group(_metadata_panel(contract), columns))


@app.command("export")
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="The export format.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Write one file per product into this folder instead of stdout."),
    ] = None,
    products: Annotated[
        list[str] | None,
        typer.Option("--product", "-p", help="DOMAIN.PRODUCT or DOMAIN (repeat); default all."),
    ] = None,
) -> None:
    """Export contracts as ODCS, JSON Schema or DDL, to stdout or to files."""
    selected = select_products(products or [])
    if out is None:
        typer.echo(export_contracts(selected, fmt), nl=False)
        return
    for contract in selected:
        path = out / file_name(contract, fmt)
        try:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(export_contract(contract, fmt), encoding="utf-8")
        except OSError as error:
            fail(f"cannot write {path}: {error}")
        console().print(Text(f"wrote {path}"))


def _metadata_panel(contract: type[DataContract]) -> Panel:
    meta = contract.meta()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    owner = f"{meta.owner.team} <{meta.owner.contact}>" if meta.owner else "-"
    freshness = "-"
    if meta.freshness is not None:
        freshness = f"within {meta.freshness.max_lag}"
        if meta.freshness.cron:
            freshness += f", schedule {meta.freshness.cron}"
    partitioning = (
        f"{meta.partitioning.kind} on {meta.partitioning.column}" if meta.partitioning else "-"
    )
    rows = {
        "version": meta.version,
        "owner": owner,
        "access": meta.access.value,
        "tier": meta.tier,
        "grain": ", ".join(meta.grain) or "-",
        "freshness": freshness,
        "partitioning": partitioning,
        "tags": ", ".join(meta.tags) or "-",
        "description": _reflow(meta.description) or "-",
        **_where(contract),
    }
    for name, value in rows.items():
        grid.add_row(name, Text(value))
    return Panel(grid, title=Text(meta.key, style="bold"), title_align="left")


def _where(contract: type[DataContract]) -> dict[str, str]:
    """Where the product is declared, implemented, checked and tested."""
    files = product_files(contract)
    checks = contract_checks(contract)
    rules = sorted({check.rule.value for check in checks})
    return {
        "contract": files.contract,
        "logic": files.logic or "-",
        "checks": f"{len(checks)} derived from the contract ({', '.join(rules)})",
        "tests": files.tests or "-",
    }


def _columns_table(contract: type[DataContract]) -> Table:
    table = Table(
        title=f"Columns of {contract.meta().key}", title_justify="left", box=box.SIMPLE_HEAD
    )
    table.add_column("column", no_wrap=True, style="bold")
    table.add_column("type", no_wrap=True)
    table.add_column("nullable", min_width=3)
    table.add_column("constraints", overflow="fold")
    table.add_column("classification", no_wrap=True)
    table.add_column("references", no_wrap=True)
    table.add_column("description", ratio=1, min_width=40)
    grain = set(contract.meta().grain)
    for col in readable_columns(contract) or ():
        kind = col.logical_type.value + (f" ({col.semantic})" if col.semantic else "")
        table.add_row(
            Text(col.name + (" *" if col.name in grain else "")),
            Text(kind),
            Text("yes" if col.nullable else "no"),
            Text(constraint_text(col)),
            Text(col.classification.value, style="red" if col.is_pii else ""),
            Text(col.references or ""),
            Text(col.description),
        )
    table.caption = "* grain column"
    return table


def _column_blocks(contract: type[DataContract]) -> Table:
    """One block per column: its name, then its description, then the rest on one line
    (type, nullable, classification, constraints, references)."""
    grid = Table(
        title=f"Columns of {contract.meta().key}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_header=True,
        caption="* grain column",
    )
    grid.add_column("column", no_wrap=True, style="bold")
    grid.add_column("description · type · nullable · classification · constraints · references")
    grain = set(contract.meta().grain)
    for col in readable_columns(contract) or ():
        kind = col.logical_type.value + (f" ({col.semantic})" if col.semantic else "")
        details = Text(f"{kind} · {'nullable' if col.nullable else 'not null'} · ", style="dim")
        details.append(col.classification.value, style="red" if col.is_pii else "dim")
        for extra in (constraint_text(col), f"→ {col.references}" if col.references else ""):
            if extra:
                details.append(f" · {extra}", style="dim")
        grid.add_row(
            Text(col.name + (" *" if col.name in grain else "")),
            Text.assemble(col.description, "\n", details),
        )
    return grid


def _reflow(text: str) -> str:
    """Join the lines of each paragraph, so that the console wraps them to its width."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n"))


def constraint_text(col: ColumnSpec) -> str:
    """A column's constraints in a few words, e.g. ``>= 0, <= 1`` or ``in {A, B}``."""
    parts = [
        f"{symbol} {value:g}" if isinstance(value, float) else f"{symbol} {value}"
        for symbol, value in ((">=", col.ge), (">", col.gt), ("<=", col.le), ("<", col.lt))
        if value is not None
    ]
    if col.min_length is not None:
        parts.append(f"length >= {col.min_length}")
    if col.max_length is not None:
        parts.append(f"length <= {col.max_length}")
    if col.pattern is not None:
        parts.append(f"pattern {col.pattern}")
    if col.allowed_values is not None:
        parts.append("in {" + ", ".join(str(v) for v in col.allowed_values) + "}")
    if col.unit:
        parts.append(f"unit {col.unit}")
    return ", ".join(parts)


app.command("diff")(contracts_diff.diff)
