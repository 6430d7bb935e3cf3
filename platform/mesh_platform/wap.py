"""Write-audit-publish: a product is published only when its contract holds.

One publication of a product (or of some partitions of it), on any engine, read top
to bottom in :func:`publish_product`:

1. **stage**: load the frame, or run the query in the warehouse, into a staging
   table of this run, typed by the contract's DDL (without ``NOT NULL``, so that the
   audit can count and sample the offending rows);
2. **audit**: run the contract's checks on the staging table, in the warehouse and
   in one round trip, and check that a partition's rows are all inside it;
3. **publish**: if every check passed, replace the published table (or the rows of
   the partitions published, or only some rows: the keys a stream touched)
   atomically (a whole table by renaming staging, where the engine can), or append
   the rows whose grain is not published yet (a stream's micro-batch, so that a batch
   delivered again adds nothing), then append the rows the run left out to the
   product's rejects table;
4. **clean**: drop the staging table of a failed run; the next run drops what a run
   killed midway left behind.

The rows a run leaves out are staged beside the product's rows, and the run's
accounting (rows read per input, published, left out per stage and reason, published
before) is audited with the contract's checks against its tolerance
(:mod:`mesh_platform.wap_accounting`).

A failed check, a failed query or a process killed at any point leaves the
published table as it was; the next run cleans up and publishes.

Every statement is derived here from the contract (:mod:`mesh_platform.derive`,
:mod:`mesh_platform.partitions`) and handed to the engine as a sqlglot expression:
the engine only talks to its warehouse.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.derive.checks import CheckResult
from mesh_platform.derive.ddl import create_table, ddl_statements, insert_from
from mesh_platform.derive.swap import swap_statements
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.heap import give_back_memory
from mesh_platform.errors import ContractViolation, MeshError, RuleFailure
from mesh_platform.partitions import PartitionRange, partition_condition
from mesh_platform.privacy.erasure import suppress_left_out, suppress_staged
from mesh_platform.wap_accounting import (
    Accounting,
    LeftOutRows,
    account,
    accounting_failures,
    append_left_out,
    left_out_staging_for,
    stage_left_out,
)
from mesh_platform.wap_audit import (
    SAMPLE_SIZE,
    Resolve,
    audit_for,
    check_union,
    partition_failures,
    rows_outside,
    run_checks,
)

if TYPE_CHECKING:  # Arrow and pandas are loaded only for a Python product's frame
    from mesh_platform.derive.arrow import Frame

log = logging.getLogger(__name__)


class HandedFrame:
    """A Python product's rows handed over to :func:`publish_product`, which lets them
    go once they are staged: the caller keeps no reference of its own, so the rows are
    not held through the audit and the publication (at the large world, lead scoring's
    14 million rows are 1.4 GB of Arrow)."""

    def __init__(self, frame: Frame) -> None:
        self._frame: Frame | None = frame

    def take(self) -> Frame:
        """The rows, handed over once.

        Raises:
            RuntimeError: the rows were taken already.
        """
        frame, self._frame = self._frame, None
        if frame is None:
            raise RuntimeError("HandedFrame: the rows were taken already")
        return frame


@dataclass(frozen=True)
class PublishResult:
    """What one publication did.

    Attributes:
        product: ``domain.product``.
        table: the published table, in the engine's SQL.
        engine: the engine's name.
        run_id: the run that published.
        row_count: rows written by this run (the partitions' rows for partitions).
        check_results: the result of every contract check on the staging table.
        checksum: the published table's content checksum after publication.
        duration_s: wall time of the whole write-audit-publish, in seconds.
        partition: the partitions published, if any.
        cleaned_staging: leftover staging tables dropped before writing.
        accounting: rows read per input, published and left out by the run.
        rows_staged: the rows staged and audited (an append writes those not yet
            published).
        rows_erased: the rows of people erased (``mesh gdpr erase``) the run produced,
            as product rows or left-out rows, and did not keep (counted apart from the
            rows left out for a reason).
    """

    product: str
    table: str
    engine: str
    run_id: str
    row_count: int
    check_results: tuple[CheckResult, ...] = field(repr=False)
    checksum: str | None
    duration_s: float
    partition: PartitionRange | None = None
    cleaned_staging: tuple[str, ...] = field(default_factory=tuple)
    accounting: Accounting | None = None
    rows_staged: int | None = None
    rows_erased: int = 0


class AuditFailed(ContractViolation):
    """The staging data broke contract rules; nothing was published.

    Carries every check result (passed ones too) so that asset checks can report them,
    and the run's accounting (what it read, would have published and left out).
    """

    def __init__(
        self,
        product: str,
        failures: list[RuleFailure],
        check_results: list[CheckResult],
        accounting: Accounting | None = None,
    ) -> None:
        super().__init__(product, failures)
        self.check_results = tuple(check_results)
        self.accounting = accounting


class PublishFailed(MeshError):
    """Writing or publishing failed (e.g. the product's query); nothing was published."""

    def __init__(
        self,
        product: str,
        step: str,
        engine: str,
        cause: BaseException,
        *,
        published: bool = False,
    ) -> None:
        self.product = product
        self.step = step
        outcome = (
            "the product was published, its left-out rows were not recorded"
            if published
            else "nothing published"
        )
        super().__init__(
            f"{product}: {step} failed on {engine}, {outcome}: {type(cause).__name__}: {cause}"
        )


def publish_product(
    engine: WarehouseEngine,
    contract: type[DataContract],
    *,
    frame: Frame | HandedFrame | None = None,
    select: exp.Query | str | None = None,
    resolve: Resolve | None = None,
    partition: PartitionRange | None = None,
    rows: exp.Condition | None = None,
    append: bool = False,
    run_id: str,
    checksum: bool = True,
    left_out: LeftOutRows | None = None,
    inputs: Mapping[str, exp.Table | int] | None = None,
    replica: bool = True,
    stage_as: str | None = None,
) -> PublishResult:
    """Stage, audit and publish one product (or some partitions, or some rows of it).

    Args:
        engine: the warehouse.
        contract: the product's contract.
        frame: the rows, for a Python product (pandas, polars or Arrow), or a
            :class:`HandedFrame` of them, let go once staged.
        select: the query, for a SQL product, in the engine's dialect; it runs in
            the warehouse.
        resolve: maps ``(domain, product)`` to a table, for reference checks
            (default: the engine's published tables).
        partition: the partitions published, for a partitioned product.
        rows: the published rows replaced, when only some are (e.g. the keys a
            stream's micro-batch touched): the staged rows must all be such rows.
        append: add the staged rows whose grain is not published yet, replacing
            nothing (a stream's micro-batch: a batch delivered again adds nothing).
        run_id: the run's id; names the staging table.
        checksum: compute the published table's checksum for the result.
        left_out: the rows the run leaves out (queries or a frame), if any.
        inputs: what the product reads, per name: a table (its rows are counted) or
            a row count (a Python product's input frame).
        replica: refresh the product's read replica after publishing.
        stage_as: names the staging table instead of ``run_id``: a publisher of one
            batch at a time (a stream's consumer) stages every batch in the same
            table, whose audit is then built once (:func:`audit_for`); a leftover is
            dropped before staging, as any run's.

    Returns:
        What was published (``row_count``: the rows the run wrote, i.e. appended).

    Raises:
        AuditFailed: a blocking contract check failed, or the rows left out or the
            change of volume are beyond the contract's tolerance (a
            :class:`ContractViolation`).
        ContractViolation: the frame lacks a column or has a value of the wrong type.
        PublishFailed: the query or the publication failed.

    The contract's tolerance (rows left out, change of volume) is judged on a whole
    product or whole partitions; a publication of some rows or an append is no sample
    (a redelivered batch is all duplicates) and only its checks are judged.
    """
    if (frame is None) == (select is None):
        raise TypeError("publish_product needs exactly one of frame= and select=")
    meta = contract.meta()
    if sum(x is not None and x is not False for x in (partition, rows, append)) > 1:
        raise TypeError("publish_product takes at most one of partition=, rows= and append=")
    if partition is not None and meta.partitioning is None:
        raise ValueError(
            f"{meta.key}: not partitioned, cannot publish partition {str(partition)!r}"
        )
    if partition is None and rows is None and not append and meta.partitioning is not None:
        raise ValueError(f"{meta.key}: partitioned by {meta.partitioning.column}: name a partition")
    if append and not meta.grain:
        raise ValueError(f"{meta.key}: an appended product needs a grain")
    started = time.monotonic()
    target = engine.table_for(meta.domain, meta.product)
    staging = engine.staging_table_for(meta.domain, meta.product, stage_as or run_id)
    where = partition_condition(contract, partition, engine.dialect) if partition else rows
    left_staging = left_out_staging_for(engine, contract, run_id) if left_out is not None else None
    with engine.session():
        engine.ensure_schema(meta.domain)
        cleaned = clean_leftovers(engine, contract)
        try:
            step = "writing the staging table"
            stage(engine, contract, staging, frame=frame, select=select)
            step = "leaving out the people erased"
            erased = suppress_staged(engine, contract, staging, all_contracts())
            if left_out is not None and left_staging is not None:
                step = "writing the left-out rows"
                stage_left_out(
                    engine,
                    contract,
                    left_staging,
                    left_out,
                    run_id=run_id,
                    recorded_at=dt.datetime.now(dt.UTC),
                )
                erased += suppress_left_out(engine, left_staging)
            step = "auditing the staging table"
            results = run_checks(engine, contract, staging, resolve)
            failures = [
                r.to_rule_failure(meta.key) for r in results if not r.passed and r.check.blocking
            ]
            if partition is not None and where is not None:
                failures += partition_failures(engine, contract, staging, partition, where)
            elif rows is not None:
                failures += rows_outside(
                    engine, contract, staging, rows, column=None, detail="only the rows replaced"
                )
            staged = engine.row_count(staging)
            accounting = account(
                engine,
                published=staged,
                inputs=inputs or {},
                left_out=left_staging,
                rows=left_out,
                previous=engine.published_table(meta.domain, meta.product),
                where=exp.false() if append else where,
            )
            if rows is None and not append:
                failures += accounting_failures(
                    contract, accounting, partition=str(partition) if partition else None
                )
            if failures:
                raise AuditFailed(meta.key, failures, results, accounting)
            step = "publishing"
            before = engine.row_count(target) if append and engine.table_exists(target) else 0
            publish(engine, contract, staging, target, where, append=append)
            written = engine.row_count(target) - before if append else staged
        except BaseException as exc:
            for table in (staging, left_staging):
                if table is not None:
                    drop_staging(engine, table, meta.key)
            if isinstance(exc, MeshError) or not isinstance(exc, Exception):
                raise
            raise PublishFailed(meta.key, step, engine.describe(), exc) from exc
        if left_staging is not None:
            try:
                append_left_out(engine, contract, left_staging)
            except Exception as exc:
                drop_staging(engine, left_staging, meta.key)
                raise PublishFailed(
                    meta.key, "recording the left-out rows", engine.describe(), exc, published=True
                ) from exc
        if replica and (written or not append):
            engine.publish_replica(meta.domain, meta.product, run_id)
        digest = engine.table_checksum(target) if checksum else None
    result = PublishResult(
        product=meta.key,
        table=engine.sql(target),
        engine=engine.name.value,
        run_id=run_id,
        row_count=written,
        check_results=tuple(results),
        checksum=digest,
        duration_s=time.monotonic() - started,
        partition=partition,
        cleaned_staging=tuple(cleaned),
        accounting=accounting,
        rows_staged=staged,
        rows_erased=erased,
    )
    log.info(
        "%s: published %d rows to %s, left out %d, erased people's rows dropped %d",
        meta.key,
        written,
        result.table,
        accounting.rows_left_out,
        erased,
    )
    return result


# --- 1. stage ---------------------------------------------------------------------------------


def stage(
    engine: WarehouseEngine,
    contract: type[DataContract],
    staging: exp.Table,
    *,
    frame: Frame | HandedFrame | None = None,
    select: exp.Query | str | None = None,
) -> None:
    """Create the staging table from the contract's DDL and fill it.

    A frame is shaped to the contract (:func:`~mesh_platform.derive.arrow.to_arrow`)
    before anything is written, then loaded (a :class:`HandedFrame`'s rows are then let
    go, and the memory they held given back); a query runs in the warehouse (no row
    travels through Python), each output column cast to the contract's type.
    """
    create = create_table(contract, engine.dialect, staging, enforce_not_null=False)
    if frame is not None:
        from mesh_platform.derive.arrow import to_arrow

        handed = isinstance(frame, HandedFrame)
        rows = to_arrow(frame.take() if isinstance(frame, HandedFrame) else frame, contract)
        engine.create_staging(create)
        engine.load_arrow(staging, rows)
        if handed:  # nothing else holds the rows: give their memory back before the audit
            del rows
            give_back_memory()
        return
    assert select is not None
    engine.create_staging(create)
    engine.execute(insert_from(contract, engine.dialect, staging, select))


# --- 3. publish -------------------------------------------------------------------------------


def publish(
    engine: WarehouseEngine,
    contract: type[DataContract],
    staging: exp.Table,
    target: exp.Table,
    where: exp.Condition | None = None,
    *,
    append: bool = False,
) -> None:
    """Make the audited ``staging`` the published ``target`` atomically; drops ``staging``.

    The whole table is replaced by staging itself where the engine can rename it in
    one transaction (DuckDB: no row is copied), else created anew from the contract's
    exact DDL (``NOT NULL`` and all) and filled from staging; with ``where`` (the
    partitions or rows published) and a published table, only the rows ``where``
    selects are replaced; with ``append``, the staged rows whose grain ``target`` does
    not hold yet are added (:func:`new_rows`).
    """
    if append:
        if not engine.table_exists(target):
            for statement in ddl_statements(contract, engine.dialect, target):
                engine.execute(statement)
        insert = insert_from(contract, engine.dialect, target, new_rows(contract, staging, target))
        engine.replace_rows(staging, target, where=exp.false(), insert=insert)
        return
    insert = insert_from(contract, engine.dialect, target, staging)
    if where is None or not engine.table_exists(target):
        create = ddl_statements(contract, engine.dialect, target, replace=True, with_schema=False)
        swap = swap_statements(contract, engine.dialect, staging, target)
        engine.replace_table(staging, target, create=create, insert=insert, swap=swap)
    else:
        engine.replace_rows(staging, target, where=where.copy(), insert=insert)


def new_rows(contract: type[DataContract], staging: exp.Table, target: exp.Table) -> exp.Select:
    """The rows of ``staging`` whose grain ``target`` does not hold yet (an anti-join).

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Event(DataContract, domain="demo", product="events",
        ...             grain=("event_id",), register=False):
        ...     event_id: str = column("Event id.")
        >>> query = new_rows(Event, exp.table_("s", db="demo"), exp.table_("events", db="demo"))
        >>> print(query.sql())  # doctest: +NORMALIZE_WHITESPACE
        SELECT * FROM demo.s AS _new WHERE NOT EXISTS(SELECT 1 FROM demo.events AS _published
        WHERE "_published"."event_id" = "_new"."event_id")
    """
    matches = [
        exp.column(key, table="_published", quoted=True).eq(
            exp.column(key, table="_new", quoted=True)
        )
        for key in contract.meta().grain
    ]
    published = (
        exp.select("1").from_(exp.alias_(target.copy(), "_published", table=True)).where(*matches)
    )
    return (
        exp.select(exp.Star())
        .from_(exp.alias_(staging.copy(), "_new", table=True))
        .where(exp.not_(exp.Exists(this=published)))
    )


# --- 4. clean ---------------------------------------------------------------------------------


def clean_leftovers(engine: WarehouseEngine, contract: type[DataContract]) -> list[str]:
    """Drop the staging tables an interrupted run of the product left; returns their names."""
    meta = contract.meta()
    cleaned = engine.cleanup_staging(meta.domain, meta.product)
    if cleaned:
        log.info("%s: dropped leftover staging tables %s", meta.key, ", ".join(cleaned))
    return cleaned


def drop_staging(engine: WarehouseEngine, staging: exp.Table, key: str) -> None:
    """Drop the staging table of a failed run (if that fails, the next run drops it)."""
    try:
        engine.drop_table(staging)
    except Exception:  # the next run's cleanup drops it
        log.warning("%s: could not drop %s", key, engine.sql(staging), exc_info=True)


__all__ = [
    "SAMPLE_SIZE",
    "AuditFailed",
    "PublishFailed",
    "PublishResult",
    "Resolve",
    "audit_for",
    "check_union",
    "clean_leftovers",
    "drop_staging",
    "new_rows",
    "partition_failures",
    "publish",
    "publish_product",
    "rows_outside",
    "run_checks",
    "stage",
]
