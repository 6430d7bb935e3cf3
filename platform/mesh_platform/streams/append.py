"""Write-audit-publish for appends: a micro-batch joins a product only when it holds.

The same four steps as :func:`mesh_platform.wap.publish_product`, for rows that are
added to a product rather than replacing it (a stream's micro-batch):

1. **stage** the batch in a staging table of the run, typed by the contract's DDL;
2. **audit** it with every contract check, in the warehouse, in one round trip;
3. **publish**: in one transaction, insert the staged rows whose grain is not already
   published (so a batch delivered again, after a crash between the publication and
   the acknowledgement, adds nothing), then drop the staging table; record the rows
   the run left out (e.g. duplicates) in the product's rejects table;
4. **clean**: a failed run drops its staging table; the next run drops what a run
   killed midway left behind.

A failed check raises :class:`~mesh_platform.wap.AuditFailed` and publishes nothing.
The contract's tolerance of left-out rows is not applied to a micro-batch: a handful
of messages is no sample (a redelivered batch is all duplicates), and the product's
full builds apply it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.derive.arrow import Frame
from mesh_platform.derive.ddl import ddl_statements, insert_from
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.errors import MeshError
from mesh_platform.wap import (
    AuditFailed,
    PublishFailed,
    clean_leftovers,
    drop_staging,
    run_checks,
    stage,
)
from mesh_platform.wap_accounting import (
    LeftOutRows,
    append_left_out,
    left_out_staging_for,
    stage_left_out,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppendResult:
    """What one append did.

    Attributes:
        product: ``domain.product``.
        run_id: the run that appended.
        rows_staged: the rows of the batch.
        rows_appended: the rows added (those whose grain was not published yet).
        rows_left_out: the rows the run recorded in the product's rejects table.
        duration_s: wall time of the whole append, in seconds.
    """

    product: str
    run_id: str
    rows_staged: int
    rows_appended: int
    rows_left_out: int
    duration_s: float


def new_rows(contract: type[DataContract], staging: exp.Table, target: exp.Table) -> exp.Select:
    """The rows of ``staging`` whose grain ``target`` does not hold yet (an anti-join).

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Event(DataContract, domain="demo", product="events",
        ...             grain=("event_id",), register=False):
        ...     event_id: str = column("Event id.")
        >>> query = new_rows(Event, exp.table_("s", db="demo"), exp.table_("events", db="demo"))
        >>> print(query.sql(pretty=True))
        SELECT
          *
        FROM demo.s AS _new
        WHERE
          NOT EXISTS(
            SELECT
              1
            FROM demo.events AS _published
            WHERE
              "_published"."event_id" = "_new"."event_id"
          )
    """
    grain = contract.meta().grain
    if not grain:
        raise ValueError(f"{contract.meta().key}: an appended product needs a grain")
    matches = [
        exp.column(key, table="_published", quoted=True).eq(
            exp.column(key, table="_new", quoted=True)
        )
        for key in grain
    ]
    published = (
        exp.select("1").from_(exp.alias_(target.copy(), "_published", table=True)).where(*matches)
    )
    return (
        exp.select(exp.Star())
        .from_(exp.alias_(staging.copy(), "_new", table=True))
        .where(exp.not_(exp.Exists(this=published)))
    )


def append_rows(
    engine: WarehouseEngine,
    contract: type[DataContract],
    frame: Frame,
    *,
    run_id: str,
    left_out: LeftOutRows | None = None,
    replica: bool = True,
) -> AppendResult:
    """Stage, audit and append ``frame`` to the product, skipping rows already published.

    Args:
        engine: the warehouse.
        contract: the product's contract (it must have a grain).
        frame: the batch's rows.
        run_id: the run's id; names the staging table.
        left_out: the rows the run leaves out (a frame with ``reason``, ``row_key``).
        replica: refresh the product's read replica after the append.

    Raises:
        AuditFailed: a contract check failed on the batch; nothing was appended.
        PublishFailed: staging or appending failed; nothing was appended.
    """
    meta = contract.meta()
    started = time.monotonic()
    target = engine.table_for(meta.domain, meta.product)
    staging = engine.staging_table_for(meta.domain, meta.product, run_id)
    left_staging = left_out_staging_for(engine, contract, run_id) if left_out else None
    with engine.session():
        engine.ensure_schema(meta.domain)
        clean_leftovers(engine, contract)
        try:
            step = "writing the staging table"
            stage(engine, contract, staging, frame=frame)
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
            step = "auditing the staging table"
            results = run_checks(engine, contract, staging)
            failures = [r.to_rule_failure(meta.key) for r in results if not r.passed]
            if failures:
                raise AuditFailed(meta.key, failures, results)
            step = "publishing"
            staged = engine.row_count(staging)
            if not engine.table_exists(target):
                for statement in ddl_statements(contract, engine.dialect, target):
                    engine.execute(statement)
            before = engine.row_count(target)
            insert = insert_from(
                contract, engine.dialect, target, new_rows(contract, staging, target)
            )
            engine.replace_rows(staging, target, where=exp.false(), insert=insert)
            appended = engine.row_count(target) - before
            if left_staging is not None:
                step = "recording the left-out rows"
                left = engine.row_count(left_staging)
                append_left_out(engine, contract, left_staging)
        except BaseException as exc:
            for table in (staging, left_staging):
                if table is not None:
                    drop_staging(engine, table, meta.key)
            if isinstance(exc, MeshError) or not isinstance(exc, Exception):
                raise
            raise PublishFailed(meta.key, step, engine.describe(), exc) from exc
        if replica and appended:
            engine.publish_replica(meta.domain, meta.product, run_id)
    result = AppendResult(
        product=meta.key,
        run_id=run_id,
        rows_staged=staged,
        rows_appended=appended,
        rows_left_out=left if left_staging is not None else 0,
        duration_s=time.monotonic() - started,
    )
    log.info("%s: appended %d of %d rows", meta.key, appended, staged)
    return result


def record_left_out(
    engine: WarehouseEngine, contract: type[DataContract], rows: LeftOutRows, *, run_id: str
) -> None:
    """Record a run's left-out rows in the product's rejects table, when the run
    appends nothing (e.g. a batch of redeliveries only)."""
    staging = left_out_staging_for(engine, contract, run_id)
    with engine.session():
        engine.ensure_schema(contract.meta().domain)
        try:
            stage_left_out(
                engine, contract, staging, rows, run_id=run_id, recorded_at=dt.datetime.now(dt.UTC)
            )
            append_left_out(engine, contract, staging)
        except BaseException:
            drop_staging(engine, staging, contract.meta().key)
            raise


__all__ = ["AppendResult", "append_rows", "new_rows", "record_left_out"]
