"""Building the whole mesh in-process: simulate the landing zone, then materialise
every selected product in dependency order across the twelve domains.

Each product runs as its own in-process Dagster run against the local Dagster
instance (the one ``mesh dev`` shows), so the UI holds the build's materialisations
and check results, and progress can be reported product by product.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from mesh_platform.domains import DOMAINS
from mesh_platform.settings import MeshSettings, get_settings

if TYPE_CHECKING:
    from mesh_platform.engines.duckdb import DuckDBEngine


@dataclass
class ProductOutcome:
    """What building one product did."""

    key: str
    domain: str
    success: bool
    rows: int = 0
    checks_passed: int = 0
    checks_total: int = 0
    duration_s: float = 0.0
    error: str = ""
    """Why it failed: the product's failure in one or two lines, or the upstream that failed."""
    skipped: bool = False
    run_id: str = ""
    """The Dagster run that built it (its logs and the lineage FAIL event hold the traceback)."""
    left_out: int = 0
    """Rows the product left out (published or not)."""
    left_out_by_reason: dict[str, int] = field(default_factory=dict)
    """Rows left out per reason, over every stage."""


@dataclass
class BuildReport:
    """The whole build: the landing simulation, then each product."""

    scale: str
    landing_rows: dict[str, int] = field(default_factory=dict)
    landing_s: float = 0.0
    outcomes: list[ProductOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)


@lru_cache(maxsize=4)
def mesh_definitions(domains: tuple[str, ...] = DOMAINS) -> dg.Definitions:
    """The code locations of ``domains`` (all twelve by default) merged into one
    Definitions, for in-process builds; a product of another domain they read is an
    upstream they do not build."""
    import importlib

    return dg.Definitions.merge(
        *(importlib.import_module(f"domains.{d}.definitions").defs for d in domains)
    )


def selected_domains(patterns: Iterable[str]) -> tuple[str, ...]:
    """The domains whose locations a selection needs, in the mesh's order: those its
    ``domain`` or ``domain.product`` patterns name, all of them without patterns (a
    pattern naming no domain selects nothing, which :func:`select_keys` reports).

    Example:
        >>> selected_domains(["sales", "resorts.villages", "sales.revenue_by_season"])
        ('sales', 'resorts')
        >>> len(selected_domains([])) == len(DOMAINS)
        True
    """
    named = {pattern.replace("/", ".").split(".", 1)[0] for pattern in patterns}
    if not named:
        return DOMAINS
    return tuple(d for d in DOMAINS if d in named)


def product_order(defs: dg.Definitions) -> list[dg.AssetKey]:
    """Every materialisable product, upstream before downstream."""
    graph = defs.resolve_asset_graph()
    materializable = set(graph.materializable_asset_keys)
    ordered: list[dg.AssetKey] = []
    for level in graph.toposorted_asset_keys_by_level:
        ordered.extend(
            sorted((k for k in level if k in materializable), key=lambda k: k.to_user_string())
        )
    return ordered


def select_keys(keys: Sequence[dg.AssetKey], patterns: Iterable[str]) -> list[dg.AssetKey]:
    """Keys matching ``domain`` or ``domain.product`` patterns (all when none are given).

    Raises:
        ValueError: a pattern that matches nothing.
    """
    patterns = list(patterns)
    if not patterns:
        return list(keys)
    chosen = _matches(patterns, [k.path for k in keys])
    return [k for k, chose in zip(keys, chosen, strict=True) if chose]


def check_selection(patterns: Iterable[str]) -> None:
    """What :func:`select_keys` refuses, found from the contracts alone (a product's key
    is its contract's), without loading a code location.

    Raises:
        ValueError: a pattern that matches no product.
    """
    from mesh_platform.contract import all_contracts

    _matches(list(patterns), [key.split(".") for key in all_contracts()])


def _matches(patterns: list[str], paths: Sequence[Sequence[str]]) -> list[bool]:
    """Whether each product's path is selected by one of ``patterns``.

    Raises:
        ValueError: a pattern that selects none of them.
    """
    chosen = [False] * len(paths)
    for pattern in patterns:
        matched = [i for i, path in enumerate(paths) if _selects(pattern, path)]
        if not matched:
            raise ValueError(f"--select {pattern!r} matches no product")
        for i in matched:
            chosen[i] = True
    return chosen


def _selects(pattern: str, path: Sequence[str]) -> bool:
    """Whether ``domain``, ``domain.product`` or ``domain/product`` names the product."""
    return pattern in {path[0], ".".join(path), "/".join(path)}


def _instance(settings: MeshSettings) -> dg.DagsterInstance:
    from sandbox.dagster_home import prepare_home

    home = prepare_home(settings.dagster_home)
    _unsynced_sqlite(home)
    return dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home))


def instance_overrides(home: Path) -> dict[str, Any]:
    """The local instance's event log kept open between events
    (:mod:`sandbox.dagster_storage`), unless its ``dagster.yaml`` names a storage of its
    own (PostgreSQL); its compute logs captured without mirroring processes
    (:mod:`sandbox.dagster_logs`), unless it names compute logs of its own."""
    import yaml
    from dagster._core.instance.ref import compute_logs_directory

    config = yaml.safe_load((home / "dagster.yaml").read_text()) or {}
    overrides: dict[str, Any] = {}
    if not {"storage", "event_log_storage", "run_storage"} & set(config):
        overrides["event_log_storage"] = {
            "module": "sandbox.dagster_storage",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(home / "history" / "runs")},
        }
    if "compute_logs" not in config:
        overrides["compute_logs"] = {
            "module": "sandbox.dagster_logs",
            "class": "UnmirroredComputeLogManager",
            "config": {"base_dir": compute_logs_directory(str(home))},
        }
    return overrides


@cache
def _unsynced_sqlite(home: Path) -> None:
    """Let this process's writes to the local instance's SQLite files skip ``fsync``.

    Dagster opens a connection per event and the last one closed checkpoints the
    write-ahead log: a product's some hundred events cost as many disk flushes, most of
    a small product's time. Without them a killed build loses nothing (the writes are
    in the system's cache); only a crash of the machine itself could lose the last
    events of the local instance, never the warehouse (its own file, synced by DuckDB).
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    prefix = str(home.resolve())

    def pragma(connection: Any, _: Any) -> None:
        module = type(connection).__module__
        if not module.startswith("sqlite3"):
            return
        files = [row[2] for row in connection.execute("PRAGMA database_list")]
        if any(str(f).startswith(prefix) for f in files):
            connection.execute("PRAGMA synchronous = OFF")

    event.listen(Engine, "connect", pragma)


def simulate_landing(scale: str, settings: MeshSettings | None = None) -> dict[str, int]:
    """Write the simulated landing zone into the warehouse; rows per landing table.

    The simulation writes into the local DuckDB warehouse; when the engine in force is
    BigQuery, the landing tables are then loaded into BigQuery by load jobs
    (:mod:`sandbox.landing_load`).
    """
    from mesh_platform.engines.duckdb import DuckDBEngine
    from mesh_platform.settings import EngineName
    from sandbox.simulation import simulate

    settings = settings or get_settings()
    engine = DuckDBEngine(settings)
    with engine.connection(write=True) as connection:
        report = simulate(connection, scale=scale, seed=settings.seed)
    erased = honour_erasures(engine, settings)
    with engine.connection(write=True) as connection:
        if settings.engine_name is EngineName.BIGQUERY:
            from mesh_platform.engines.bigquery import BigQueryEngine
            from sandbox.landing_load import load_landing

            return load_landing(BigQueryEngine(settings), connection).rows
    return {table: rows - erased.get(table, 0) for table, rows in report.tables.items()}


def honour_erasures(landing: DuckDBEngine, settings: MeshSettings) -> dict[str, int]:
    """Drop from the simulated landing zone the source records of the people erased on
    the engine in force (its suppression list), as production's extracts are filtered;
    rows removed per landing table."""
    from mesh_platform.engines import get_engine
    from mesh_platform.privacy.erasure import suppress_landing, suppressed
    from mesh_platform.privacy.landing import mesh_landing_columns

    erased = suppressed(get_engine(settings)).get("source_customer_id", [])
    if not erased:
        return {}
    return suppress_landing(landing, mesh_landing_columns(), erased)


def build(
    *,
    scale: str = "small",
    select: Iterable[str] = (),
    simulate: bool = True,
    on_landing: Callable[[dict[str, int], float], None] | None = None,
    on_start: Callable[[list[dg.AssetKey]], None] | None = None,
    on_product: Callable[[ProductOutcome], None] | None = None,
) -> BuildReport:
    """Simulate the landing zone (``simulate``) and materialise the selected products."""
    settings = get_settings()
    report = BuildReport(scale=scale)
    select = list(select)
    if simulate:
        # the locations are loaded after the landing, whose peak their modules would add
        # to (some 200 MiB); a bad selection still fails before any work
        check_selection(select)
        started = time.monotonic()
        report.landing_rows = simulate_landing(scale, settings)
        report.landing_s = time.monotonic() - started
        if on_landing:
            on_landing(report.landing_rows, report.landing_s)
    defs = mesh_definitions(selected_domains(select))  # only the locations it builds
    keys = select_keys(product_order(defs), select)  # without --simulate, refused here
    if on_start:
        on_start(keys)
    instance = _instance(settings)
    failed: set[dg.AssetKey] = set()
    graph = defs.resolve_asset_graph()
    for key in keys:
        upstream_failed = [u for u in graph.get(key).parent_keys if u in failed]
        if upstream_failed:
            outcome = ProductOutcome(
                key=".".join(key.path),
                domain=key.path[0],
                success=False,
                skipped=True,
                error="upstream failed: " + ", ".join(".".join(u.path) for u in upstream_failed),
            )
            failed.add(key)
        else:
            outcome = _materialize(defs, key, instance)
            if not outcome.success:
                failed.add(key)
        report.outcomes.append(outcome)
        if on_product:
            on_product(outcome)
    return report


def _materialize(
    defs: dg.Definitions, key: dg.AssetKey, instance: dg.DagsterInstance
) -> ProductOutcome:
    assets_def = defs.resolve_assets_def(key)
    started = time.monotonic()
    partitions = assets_def.partitions_def
    tags: dict[str, str] = {}
    if partitions is not None:
        partition_keys = partitions.get_partition_keys(dynamic_partitions_store=instance)
        tags = {
            "dagster/asset_partition_range_start": partition_keys[0],
            "dagster/asset_partition_range_end": partition_keys[-1],
        }
    result = dg.materialize(
        [assets_def],
        instance=instance,
        selection=[key],
        raise_on_error=False,
        tags=tags,
        # the progress display and the summary report; Dagster's own log goes to the
        # instance (the UI), not to the terminal
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    outcome = ProductOutcome(
        key=".".join(key.path),
        domain=key.path[0],
        success=result.success,
        duration_s=time.monotonic() - started,
    )
    # A run over a range of partitions records one materialisation per partition, each
    # carrying the rows the run published: count them once.
    for event in result.get_asset_materialization_events()[:1]:
        row_count = event.materialization.metadata.get("dagster/row_count")
        if row_count is not None and isinstance(row_count.value, int):
            outcome.rows = row_count.value
        _left_out(outcome, event.materialization.metadata)
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks_total += 1
        outcome.checks_passed += int(evaluation.passed)
        if evaluation.check_name == "left_out_tolerance" and not outcome.left_out:
            _left_out(outcome, evaluation.metadata)  # a failed run has no materialisation
    if not result.success:
        outcome.run_id = result.run_id
        failures = [e for e in result.all_events if e.is_step_failure]
        outcome.error = failure_description(failures[0]) if failures else "failed"
    return outcome


def failure_description(event: dg.DagsterEvent) -> str:
    """What a failed step says: the product's own failure description, else the error
    Dagster wrapped (never its wrapper's "Error occurred while executing op")."""
    data = event.step_failure_data
    if data.user_failure_data and data.user_failure_data.description:
        return data.user_failure_data.description.strip()
    error = data.error
    if error is not None and error.cls_name == "DagsterExecutionStepExecutionError" and error.cause:
        error = error.cause
    return error.message.strip() if error is not None else "failed"


def _left_out(outcome: ProductOutcome, metadata: Mapping[str, Any]) -> None:
    """The rows left out, from a materialisation's or an accounting check's metadata."""
    counts = metadata.get("left_out")
    for count in getattr(counts, "value", None) or []:
        reason = str(count["reason"])
        outcome.left_out_by_reason[reason] = outcome.left_out_by_reason.get(reason, 0) + int(
            count["rows"]
        )
    outcome.left_out = sum(outcome.left_out_by_reason.values())
