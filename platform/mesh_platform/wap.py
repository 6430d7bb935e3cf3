"""Write-audit-publish: a product is published only when its contract holds.

One publication of a product, on any engine:

1. **clean**: drop the staging tables a previous, interrupted run left behind;
2. **write**: load the frame, or run the query in the warehouse (``CREATE TABLE AS``),
   into a staging table of this run, typed by the contract's DDL;
3. **audit**: run the contract's checks on the staging table, in the warehouse;
4. **publish**: if every check passed, replace the published table (or one partition
   of it) atomically; otherwise drop the staging table and raise.

A failed check, a failed query or a process killed at any point leaves the
published table as it was; the next run cleans up and publishes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.engines.base import Frame, Resolve, WarehouseEngine
from mesh_platform.errors import ContractViolation, MeshError, RuleFailure

if TYPE_CHECKING:
    from mesh_platform.derive.checks import CheckResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    """What one publication did.

    Attributes:
        product: ``domain.product``.
        table: the published table, in the engine's SQL.
        engine: the engine's name.
        run_id: the run that published.
        row_count: rows written by this run (the partition's rows for a partition).
        check_results: the result of every contract check on the staging table.
        checksum: the published table's content checksum after publication.
        duration_s: wall time of the whole write-audit-publish, in seconds.
        partition: the partition published, if any.
        cleaned_staging: leftover staging tables dropped before writing.
    """

    product: str
    table: str
    engine: str
    run_id: str
    row_count: int
    check_results: tuple[CheckResult, ...] = field(repr=False)
    checksum: str | None
    duration_s: float
    partition: str | None = None
    cleaned_staging: tuple[str, ...] = field(default_factory=tuple)


class AuditFailed(ContractViolation):
    """The staging data broke contract rules; nothing was published.

    Carries every check result (passed ones too) so that asset checks can report them.
    """

    def __init__(
        self,
        product: str,
        failures: list[RuleFailure],
        check_results: list[CheckResult],
    ) -> None:
        super().__init__(product, failures)
        self.check_results = tuple(check_results)


class PublishFailed(MeshError):
    """Writing or publishing failed (e.g. the product's query); nothing was published."""

    def __init__(self, product: str, step: str, engine: str, cause: BaseException) -> None:
        self.product = product
        self.step = step
        super().__init__(
            f"{product}: {step} failed on {engine}, nothing published: "
            f"{type(cause).__name__}: {cause}"
        )


def publish_product(
    engine: WarehouseEngine,
    contract: type[DataContract],
    *,
    frame: Frame | None = None,
    select: exp.Query | str | None = None,
    resolve: Resolve | None = None,
    partition: str | None = None,
    run_id: str,
    checksum: bool = True,
) -> PublishResult:
    """Write, audit and publish one product (or one partition of it).

    Args:
        engine: the warehouse.
        contract: the product's contract.
        frame: the rows, for a Python product (pandas, polars or Arrow).
        select: the query, for a SQL product, in the engine's dialect; it runs in
            the warehouse.
        resolve: maps ``(domain, product)`` to a table, for reference checks
            (default: the engine's published tables).
        partition: the partition key, for a partitioned product.
        run_id: the run's id; names the staging table.
        checksum: compute the published table's checksum for the result.

    Returns:
        What was published.

    Raises:
        AuditFailed: a contract check failed (a :class:`ContractViolation`).
        ContractViolation: the frame lacks a column or has a value of the wrong type.
        PublishFailed: the query or the publication failed.
    """
    if (frame is None) == (select is None):
        raise TypeError("publish_product needs exactly one of frame= and select=")
    meta = contract.meta()
    if partition is not None and meta.partitioning is None:
        raise ValueError(f"{meta.key}: not partitioned, cannot publish partition {partition!r}")
    if partition is None and meta.partitioning is not None:
        raise ValueError(f"{meta.key}: partitioned by {meta.partitioning.column}: name a partition")
    started = time.monotonic()
    target = engine.table_for(meta.domain, meta.product)
    staging = engine.staging_table_for(meta.domain, meta.product, run_id)
    with engine.session():
        engine.ensure_schema(meta.domain)
        cleaned = engine.cleanup_staging(meta.domain, meta.product)
        if cleaned:
            log.info("%s: dropped leftover staging tables %s", meta.key, ", ".join(cleaned))
        try:
            step = "writing the staging table"
            if frame is not None:
                engine.write_frame(staging, frame, contract)
            else:
                assert select is not None
                engine.create_table_as(staging, select, contract)
            step = "auditing the staging table"
            results = engine.run_checks(contract, staging, resolve)
            failures = [r.to_rule_failure(meta.key) for r in results if not r.passed]
            if partition is not None:
                failures += engine.partition_failures(contract, staging, partition)
            if failures:
                raise AuditFailed(meta.key, failures, results)
            rows = engine.row_count(staging)
            step = "publishing"
            engine.publish(contract, staging, target, partition=partition)
        except BaseException as exc:
            _drop_quietly(engine, staging, meta.key)
            if isinstance(exc, MeshError) or not isinstance(exc, Exception):
                raise
            raise PublishFailed(meta.key, step, engine.describe(), exc) from exc
        digest = engine.table_checksum(target) if checksum else None
    result = PublishResult(
        product=meta.key,
        table=engine.sql(target),
        engine=engine.name.value,
        run_id=run_id,
        row_count=rows,
        check_results=tuple(results),
        checksum=digest,
        duration_s=time.monotonic() - started,
        partition=partition,
        cleaned_staging=tuple(cleaned),
    )
    log.info("%s: published %d rows to %s", meta.key, rows, result.table)
    return result


def _drop_quietly(engine: WarehouseEngine, staging: exp.Table, key: str) -> None:
    try:
        engine.drop_table(staging)
    except Exception:  # the next run's cleanup drops it
        log.warning("%s: could not drop %s", key, engine.sql(staging), exc_info=True)
