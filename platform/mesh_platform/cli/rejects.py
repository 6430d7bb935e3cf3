"""``mesh rejects``: the rows a product's runs left out, with their run and reason."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlglot import exp

from mesh_platform.cli.output import console, fail
from mesh_platform.contract import get_contract
from mesh_platform.derive.left_out_table import left_out_name
from mesh_platform.engines import get_engine

JSON_WIDTH = 100
"""Characters of a left-out row's JSON shown in the table."""


def rejects(
    product: Annotated[str, typer.Argument(help="The product, as domain.product.")],
    run: Annotated[
        str | None, typer.Option("--run", help="Only the rows this run left out (its id).")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Only this reason: a full reason, or a kind (e.g. invalid_value)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows.")] = 50,
) -> None:
    """List the rows a product left out (its rejects table), newest run first."""
    try:
        contract = get_contract(product)
    except KeyError as error:
        fail(str(error.args[0]), code=2)
    meta = contract.meta()
    engine = get_engine()
    table = engine.table_for(meta.domain, left_out_name(meta.product))
    out = console()
    if not engine.table_exists(table):
        out.print(f"{product} has left no row out yet (no {engine.sql(table)}).", highlight=False)
        return
    rows = engine.query_rows(rejects_query(table, run=run, reason=reason, limit=limit + 1))
    if not rows:
        out.print(f"No rows left out by {product}{_filters(run, reason)}.", highlight=False)
        return
    out.print(_table(rows[:limit]))
    shown = f"first {limit} rows" if len(rows) > limit else f"{len(rows)} row(s)"
    out.print(f"{shown} left out by {product}{_filters(run, reason)}", highlight=False)


def rejects_query(
    table: exp.Table, *, run: str | None = None, reason: str | None = None, limit: int = 50
) -> exp.Select:
    """The rows of a rejects table, newest first, optionally of one run and one reason
    (a kind matches every reason of that kind).

    Example:
        >>> query = rejects_query(exp.table_("t"), run="r1", reason="duplicate", limit=5)
        >>> print(query.sql("duckdb"))  # doctest: +NORMALIZE_WHITESPACE
        SELECT run_id, stage, reason, row_key, row_json, recorded_at FROM t
        WHERE run_id = 'r1' AND (reason = 'duplicate' OR reason LIKE 'duplicate:%')
        ORDER BY recorded_at DESC, stage, reason, row_key LIMIT 5
    """
    columns = ("run_id", "stage", "reason", "row_key", "row_json", "recorded_at")
    query = exp.select(*(exp.column(c) for c in columns)).from_(table.copy())
    if run is not None:
        query = query.where(exp.column("run_id").eq(exp.Literal.string(run)))
    if reason is not None:
        query = query.where(
            exp.or_(
                exp.column("reason").eq(exp.Literal.string(reason)),
                exp.column("reason").like(exp.Literal.string(f"{reason}:%")),
            )
        )
    return query.order_by(
        exp.column("recorded_at").desc(),
        exp.column("stage"),
        exp.column("reason"),
        exp.column("row_key"),
    ).limit(limit)


def _filters(run: str | None, reason: str | None) -> str:
    parts = [f"run {run}" if run else "", f"reason {reason}" if reason else ""]
    found = " and ".join(p for p in parts if p)
    return f" ({found})" if found else ""


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table()
    table.add_column("recorded (UTC)", no_wrap=True)
    table.add_column("run id", no_wrap=True)
    table.add_column("stage", no_wrap=True)
    table.add_column("reason")
    table.add_column("row key")
    table.add_column("row")
    for row in rows:
        json_text = row["row_json"] or ""
        if len(json_text) > JSON_WIDTH:
            json_text = json_text[: JSON_WIDTH - 1] + "…"
        table.add_row(
            str(row["recorded_at"])[:19],
            row["run_id"],
            row["stage"],
            row["reason"],
            Text("NULL", style="dim") if row["row_key"] is None else Text(row["row_key"]),
            Text(json_text),
        )
    return table
