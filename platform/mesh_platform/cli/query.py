"""``mesh query``: run SQL on the published products as a directory user, in a sandbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mesh_platform.access import audit
from mesh_platform.access.directory import Directory, DirectoryConfig
from mesh_platform.access.policy import AccessError, Purpose, load_policy
from mesh_platform.access.reader import Reader, catalog_for, identify
from mesh_platform.access.sandbox import (
    Limits,
    QueryInterrupted,
    QueryRefused,
    Result,
    inspect,
    open_sandbox,
)
from mesh_platform.cli.output import console, fail
from mesh_platform.engines.replica import read_manifest
from mesh_platform.settings import get_settings


def query(
    sql: Annotated[str, typer.Argument(help="The SQL to run (DuckDB dialect, one SELECT).")],
    *,
    user: Annotated[str, typer.Option(envvar="MESH_USER", help="Your directory user (uid).")] = "",
    password: Annotated[
        str,
        typer.Option(
            envvar="MESH_PASSWORD",
            help="Your directory password (asked when a terminal is attached).",
        ),
    ] = "",
    purpose: Annotated[
        Purpose | None,
        typer.Option(help="Why you read; needed when your groups grant several purposes."),
    ] = None,
    run_as: Annotated[
        str | None,
        typer.Option("--as", help="Run as another user (administrators, for support; audited)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows.")] = 100,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds before the query is interrupted.")
    ] = 30.0,
    max_memory: Annotated[str, typer.Option(help="The query's memory bound.")] = "512MB",
) -> None:
    """Query the last published state of every product, as your directory groups allow.

    You are authenticated against the directory (your password is checked by a bind)
    and your groups are read at every query. The query runs on views made for your
    clearance and purpose (contracts/access_policy.yaml): masked or absent PII columns,
    no internal products of other domains, no landing tables; in a sandbox without
    files, network, extensions or settings, bounded in time and memory. Every query is
    appended to the audit log. Reads the published read replica, never the warehouse
    file: it neither waits for a build nor fails on its lock.
    """
    settings = get_settings()
    root = settings.published_dir
    manifest = read_manifest(root)
    if not manifest.products:
        if settings.warehouse_path.exists():
            fail(
                f"no published read replica in {root} yet (the warehouse predates it): "
                "run `mesh build` once, its publications write it"
            )
        fail(f"no published product in {root} yet: run `mesh build` first")
    if not user:
        fail("who are you? give --user (or MESH_USER) and your directory password")
    if not password and sys.stdin.isatty():
        password = typer.prompt(f"directory password of {user}", hide_input=True)
    log = audit.audit_path(settings)
    purpose_name = purpose.value if purpose else ""
    try:
        policy = load_policy()
        directory = Directory(DirectoryConfig.from_settings(settings))
        reader = identify(directory, policy, user, password, run_as=run_as, purpose=purpose)
    except AccessError as error:
        who = run_as or user
        audit.append(log, audit.AuditEntry(user, who, purpose_name, "", sql, "refused", str(error)))
        fail(escape(str(error)))
    limits = Limits(timeout_s=timeout, max_memory=max_memory, max_rows=limit)
    try:
        catalog = catalog_for(reader, root, manifest)
        inspect(sql, catalog)  # refuse before anything is opened
        with open_sandbox(catalog, policy, limits, settings=settings) as sandbox:
            result = sandbox.run(sql)
    except (QueryRefused, AccessError) as error:
        outcome = "interrupted" if isinstance(error, QueryInterrupted) else "refused"
        _audit(log, reader, sql, outcome, str(error))
        fail(escape(str(error)))
    _audit(log, reader, sql, "ok", f"{len(result.rows)} row(s)")
    _print(result, reader, limit)


def _audit(log: Path, reader: Reader, sql: str, outcome: str, detail: str) -> None:
    access = reader.access
    entry = audit.AuditEntry(
        reader.actor.uid, reader.user.uid, access.purpose.value, access.clearance.value,
        sql, outcome, detail,
    )  # fmt: skip
    audit.append(log, entry)


def _print(result: Result, reader: Reader, limit: int) -> None:
    table = Table()
    for heading in result.headings:
        table.add_column(heading)
    for row in result.rows:
        table.add_row(*(Text("NULL", style="dim") if v is None else Text(str(v)) for v in row))
    out = console()
    out.print(table)
    shown = f"first {limit} rows" if result.truncated else f"{len(result.rows)} row(s)"
    out.print(f"{shown}, as {reader.user.uid}: {reader.access.describe()}", highlight=False)
