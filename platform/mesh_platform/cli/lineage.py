"""``mesh lineage``: the last OpenLineage events of each product, from the local file."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.downstream import print_downstream
from mesh_platform.cli.output import console, fail
from mesh_platform.lineage import EventRecord, read_history
from mesh_platform.settings import get_settings

EVENT_STYLES = {"START": "cyan", "COMPLETE": "green", "FAIL": "bold red"}
ERROR_WIDTH = 120
"""Characters of an error message shown in the table."""


def lineage(
    product: Annotated[
        str | None,
        typer.Option("--product", "-p", help="Only this product (domain.product)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Events per product at most.")] = 20,
    downstream: Annotated[
        str | None,
        typer.Option(
            help="Instead of events: every product and column downstream of "
            "DOMAIN.PRODUCT[.COLUMN], across domains, transitively.",
            metavar="DOMAIN.PRODUCT[.COLUMN]",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --downstream: print JSON.")] = False,
) -> None:
    """Show each product's last lineage events (START, COMPLETE, FAIL), newest first;
    or, with --downstream, what reads a product or a column, across domains.

    Reads the local lineage file, where events go when no OpenLineage transport is
    configured (openlineage.yml or OPENLINEAGE_* variables).
    """
    if downstream is not None:
        print_downstream(downstream, as_json=as_json)
        return
    if product is not None and product.count(".") != 1:
        fail(f"--product {product!r}: expected domain.product", code=2)
    path = get_settings().lineage_path
    history = read_history(path)
    out = console()
    if not history.records:
        out.print(
            f"No lineage events in {path} yet: they are written there by materialisations "
            "when no OpenLineage transport is configured.",
            highlight=False,
        )
        return
    records = history.last_events(product, limit)
    if not records:
        out.print(f"No lineage events for {product} in {path}.", highlight=False)
        return
    out.print(_table(records))
    products = len({r.product for r in records})
    summary = f"{len(records)} event(s) of {products} product(s), from {path}"
    if history.skipped:
        summary += f"; {history.skipped} line(s) skipped (not a product's run event)"
    out.print(summary, highlight=False)


def _table(records: list[EventRecord]) -> Table:
    table = Table()
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("product", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("run id", no_wrap=True)
    table.add_column("rows", justify="right")
    table.add_column("failed assertions / error")
    for record in records:
        table.add_row(
            record.time.strftime("%Y-%m-%d %H:%M:%S"),
            record.product,
            Text(record.event_type, style=EVENT_STYLES.get(record.event_type, "")),
            record.run_id,
            "" if record.row_count is None else f"{record.row_count:,}",
            _outcome(record),
        )
    return table


def _outcome(record: EventRecord) -> Text:
    text = Text()
    if record.failed_assertions:
        text.append(", ".join(str(a) for a in record.failed_assertions), style="red")
    if record.error:
        if text:
            text.append("\n")
        first_line = record.error.splitlines()[0] if record.error.strip() else record.error
        if len(first_line) > ERROR_WIDTH:
            first_line = first_line[: ERROR_WIDTH - 1] + "…"
        text.append(first_line)
    if not text and record.assertions:
        text.append(f"{record.assertions} check(s) passed", style="dim")
    return text
