"""``mesh build``: build the mesh's warehouse on DuckDB and summarise it.

For now it creates every selected product's table from its contract (one schema per
domain); materialising the products' data replaces this body, with the same options.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

import duckdb
import typer
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.cli.selection import select_products
from mesh_platform.contract import DataContract
from mesh_platform.governance.readable import readable_columns
from mesh_platform.settings import get_settings
from mesh_platform.simulation.scales import SCALES


def _known_scale(value: str) -> str:
    if value not in SCALES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(SCALES)}")
    return value


def build(
    scale: Annotated[
        str,
        typer.Option(
            help=f"Size of the simulated world: {', '.join(SCALES)}.", callback=_known_scale
        ),
    ] = "small",
    select: Annotated[
        list[str] | None,
        typer.Option("--select", "-s", help="DOMAIN.PRODUCT or DOMAIN (repeat); default all."),
    ] = None,
) -> None:
    """Build the warehouse (DuckDB): one schema per domain, one table per product."""
    from mesh_platform.derive.ddl import ddl_sql

    settings = get_settings()
    contracts = select_products(select or [])
    path = settings.warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with duckdb.connect(str(path)) as connection:
            for contract in contracts:
                schema = settings.dataset_for(contract.meta().domain)
                connection.execute(ddl_sql(contract, "duckdb", schema=schema, replace=True))
    except duckdb.Error as error:
        fail(f"building the warehouse at {path} failed: {error}")
    console().print(_summary(contracts, title=f"Warehouse {path} (scale {scale})"))


def _summary(contracts: list[type[DataContract]], title: str) -> Table:
    per_domain: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for contract in contracts:
        columns = readable_columns(contract) or []
        counts = per_domain[contract.meta().domain]
        counts[0] += 1
        counts[1] += len(columns)
        counts[2] += sum(col.is_pii for col in columns)
    table = Table(title=Text(title), show_footer=True)
    table.add_column("domain", footer="total")
    for i, heading in enumerate(("products", "columns", "PII columns")):
        total = sum(counts[i] for counts in per_domain.values())
        table.add_column(heading, justify="right", footer=str(total))
    for domain, counts in sorted(per_domain.items()):
        table.add_row(Text(domain), *(str(n) for n in counts))
    return table
