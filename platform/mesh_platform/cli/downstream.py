"""``mesh lineage --downstream``: what reads a product or one of its columns, across
domains, transitively."""

from __future__ import annotations

import difflib
import json

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.contract import all_contracts, column_map
from mesh_platform.evolution.downstream import Downstream, downstream
from mesh_platform.evolution.index import kept_reads


def parse_target(target: str) -> tuple[str, str | None]:
    """``domain.product[.column]`` → the product and the column, checked against the
    contracts.

    Raises:
        typer.Exit: (code 2) an unknown product or column, naming close matches.
    """
    parts = target.split(".")
    if len(parts) not in (2, 3):
        fail(f"--downstream {target!r}: expected DOMAIN.PRODUCT or DOMAIN.PRODUCT.COLUMN", code=2)
    product, column = ".".join(parts[:2]), parts[2] if len(parts) == 3 else None
    contracts = all_contracts()
    if product not in contracts:
        close = difflib.get_close_matches(product, list(contracts), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        fail(f"--downstream: no data product {product!r}{hint}", code=2)
    columns = column_map(contracts[product])
    if column is not None and column not in columns:
        close = difflib.get_close_matches(column, list(columns), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        fail(f"--downstream: {product} has no column {column!r}{hint}", code=2)
    return product, column


def print_downstream(target: str, *, as_json: bool) -> None:
    """Print what is downstream of ``target`` as a table, or as JSON."""
    product, column = parse_target(target)
    found = downstream(kept_reads(), product, column)
    if as_json:
        document = {
            "product": product,
            "column": column,
            "downstream": [d.as_json() for d in found],
        }
        typer.echo(json.dumps(document, indent=2))
        return
    out = console()
    if not found:
        out.print(f"Nothing in the mesh reads {target}.", highlight=False)
        return
    out.print(_table(target, found))
    products = {d.consumer for d in found}
    domains = {p.split(".", 1)[0] for p in products}
    out.print(
        f"{len(products)} product(s) of {len(domains)} domain(s) downstream of {target}",
        highlight=False,
    )


def _table(target: str, found: list[Downstream]) -> Table:
    """One row per consumer and column read: its columns computed from it, its team (the
    JSON has the contact too)."""
    table = Table(title=f"Downstream of {target}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("depth", justify="right")
    table.add_column("product", no_wrap=True)
    table.add_column("reads", no_wrap=True)
    table.add_column("its columns computed from it", min_width=24, ratio=1)
    table.add_column("team", no_wrap=True)
    rows: dict[tuple[int, str, str], list[Downstream]] = {}
    for item in found:
        rows.setdefault((item.depth, item.consumer, item.reads), []).append(item)
    for (depth, consumer, reads), items in rows.items():
        computed = [COLUMN_TEXTS.get(i.column, i.column) for i in items]
        first = items[0]
        table.add_row(
            str(depth),
            consumer,
            reads,
            Text(", ".join(computed), style="dim" if first.how == "filters" else ""),
            Text(first.team, style="dim"),
        )
    return table


COLUMN_TEXTS = {"": "none: joins, filters or groups on it", "*": "every column (Python)"}
"""How the table shows a downstream item without a column of its own."""
