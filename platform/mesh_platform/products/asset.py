"""Turning a product (SQL or Python) into a Dagster asset that publishes through WAP.

Every asset carries its key ``<domain>/<product>``, group, owners, tags, kinds, the
contract's description and column schema, column lineage, a code reference to its
source, one blocking asset check per contract rule and two for its row accounting
(``left_out_tolerance``, ``volume_change``, against the contract's tolerance), and
after each run its row count, rows read per input, rows left out per reason and check
results. Materialising it runs write-audit-publish on the engine in force
and emits OpenLineage START and COMPLETE or FAIL events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import dagster as dg
from sqlglot import exp

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.checks import CheckResult, checked_upstream, contract_checks
from mesh_platform.derive.dagster_metadata import asset_metadata
from mesh_platform.derive.ddl import insert_from
from mesh_platform.engines import WarehouseEngine, get_engine
from mesh_platform.engines.heap import map_large_arrays
from mesh_platform.errors import ContractViolation, RuleFailure
from mesh_platform.lineage import LineageEmitter
from mesh_platform.partitions import PartitionRange, partition_condition, partitions_definition
from mesh_platform.products.failure import ProductFailed, python_failure, sql_failure
from mesh_platform.products.python import (
    PythonProduct,
    left_out_of,
    rows_read,
    split_output,
)
from mesh_platform.products.sql import SqlProduct
from mesh_platform.settings import get_settings
from mesh_platform.wap import (
    AuditFailed,
    HandedFrame,
    PublishFailed,
    PublishResult,
    publish_product,
)
from mesh_platform.wap_accounting import Accounting, LeftOutRows

Product = SqlProduct | PythonProduct

WRITING = "writing the staging table"
"""The step of write-audit-publish that runs a SQL product's query."""


def asset_key(product_key: str) -> dg.AssetKey:
    """``domain.product`` → the asset key ``<domain>/<product>``."""
    return dg.AssetKey(product_key.split(".", 1))


def _code_reference(product: Product) -> dg.CodeReferencesMetadataValue:
    if isinstance(product, SqlProduct):
        ref = dg.LocalFileCodeReference(file_path=str(product.path.resolve()), line_number=1)
    else:
        ref = dg.LocalFileCodeReference(
            file_path=str(product.source_path.resolve()), line_number=product.source_line
        )
    return dg.CodeReferencesMetadataValue(code_references=[ref])


def _column_lineage(product: Product) -> dg.TableColumnLineage | None:
    if not isinstance(product, SqlProduct):
        return None
    deps_by_column = {
        column: [
            dg.TableColumnDep(asset_key=asset_key(upstream), column_name=source_column)
            for upstream, source_column in sources
            if upstream in product.upstream_products
        ]
        for column, sources in product.column_lineage.items()
    }
    return dg.TableColumnLineage(deps_by_column={k: v for k, v in deps_by_column.items() if v})


def product_asset(
    product: Product,
    *,
    automation_condition: dg.AutomationCondition | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> dg.AssetsDefinition:
    """The Dagster asset of a product; ``extra_metadata`` adds to what the platform derives
    (e.g. what is downstream of it in other locations)."""
    contract = product.contract
    meta = contract.meta()
    key = asset_key(meta.key)
    engine_name = get_settings().engine_name.value
    language = "sql" if isinstance(product, SqlProduct) else "python"
    checks = contract_checks(contract)
    metadata: dict[str, Any] = {
        **asset_metadata(contract),
        "dagster/code_references": _code_reference(product),
        **(extra_metadata or {}),
    }
    lineage = _column_lineage(product)
    if lineage is not None:
        metadata["dagster/column_lineage"] = lineage
    if isinstance(product, SqlProduct):
        metadata["sql"] = dg.MetadataValue.md(f"```sql\n{product.sql.strip()}\n```")
    upstreams = product.upstream_products

    @dg.asset(
        key=key,
        deps=[asset_key(u) for u in upstreams if u != meta.key],
        group_name=meta.domain,
        description=meta.description,
        owners=[meta.owner.contact] if meta.owner else [],
        tags={
            "domain": meta.domain,
            "access": meta.access.value,
            "tier": meta.tier,
            "contract_version": meta.version,
        },
        kinds={engine_name, language},
        metadata=metadata,
        partitions_def=partitions_definition(contract),
        backfill_policy=dg.BackfillPolicy.single_run() if meta.partitioning else None,
        automation_condition=automation_condition,
        check_specs=[
            *(
                dg.AssetCheckSpec(
                    check.name,
                    asset=key,
                    description=check.description,
                    blocking=check.blocking,
                )
                for check in checks
            ),
            *(
                dg.AssetCheckSpec(rule.value, asset=key, description=text, blocking=rule.blocking)
                for rule, text in accounting_checks(contract).items()
            ),
        ],
    )
    def _materialize(context):  # unannotated: Dagster reads the annotation at runtime
        partition = None
        if context.has_partition_key_range:
            partition = PartitionRange.from_dagster(context.partition_key_range)
        yield from materialize_product(product, run_id=context.run.run_id, partition=partition)

    return _materialize


def materialize_product(
    product: Product,
    *,
    run_id: str,
    partition: PartitionRange | None = None,
    engine: WarehouseEngine | None = None,
    emitter: LineageEmitter | None = None,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    """Run write-audit-publish for one product; yields Dagster check and materialisation
    results, and raises a :class:`dagster.Failure` naming the rules when nothing could be
    published (the published table is then unchanged)."""
    contract = product.contract
    meta = contract.meta()
    engine = engine or get_engine()
    emitter = emitter or LineageEmitter()
    sql = product.sql if isinstance(product, SqlProduct) else None
    lineage_args: dict[str, Any] = {
        "inputs": list(product.upstream_products),
        "sql": sql,
        "sql_dialect": "bigquery" if sql else None,
        "engine": engine.name,
        "partition": None if partition is None else str(partition),
        "column_lineage": product.column_lineage if isinstance(product, SqlProduct) else None,
    }
    emitter.start(run_id, contract, **lineage_args)
    try:
        result, extra = _publish(product, engine, run_id=run_id, partition=partition)
    except AuditFailed as failed:
        emitter.fail(
            run_id,
            contract,
            error=failed,
            check_results=failed.check_results,
            accounting=failed.accounting.as_dict() if failed.accounting else None,
            **lineage_args,
        )
        yield from _check_results(contract, failed.check_results)
        if failed.accounting is not None:
            yield from _accounting_results(contract, failed.accounting, failed.failures)
        raise dg.Failure(description=str(failed), metadata=_failure_metadata(failed)) from failed
    except ProductFailed as failed:
        # The FAIL event carries the whole story (the stack trace of the engine's error
        # or of the function's exception); Dagster shows the two lines and their facts.
        emitter.fail(run_id, contract, error=failed, check_results=(), **lineage_args)
        raise failed.failure() from failed.__cause__
    except Exception as error:
        shaped = _shaped(product, engine, error, step="preparing the product")
        shaped.__cause__ = error
        emitter.fail(run_id, contract, error=shaped, check_results=(), **lineage_args)
        raise shaped.failure() from error
    emitter.complete(
        run_id,
        contract,
        row_count=result.row_count,
        check_results=result.check_results,
        accounting=result.accounting.as_dict() if result.accounting else None,
        **lineage_args,
    )
    accounting_results = (
        list(_accounting_results(contract, result.accounting, ())) if result.accounting else []
    )
    yield dg.MaterializeResult(
        asset_key=asset_key(meta.key),
        metadata={**_result_metadata(result), **_product_metadata(extra)},
        check_results=[*_check_results(contract, result.check_results), *accounting_results],
    )


def accounting_checks(contract: type[DataContract]) -> dict[Rule, str]:
    """The two blocking accounting checks of a product, described from its contract's
    tolerance (the strict default included)."""
    tolerance = contract.meta().tolerance
    allowed = ", ".join(f"{r} <= {share:.4g}" for r, share in sorted(tolerance.left_out.items()))
    guards = [
        f"{direction} <= {limit:.4g}"
        for direction, limit in (
            ("drop", tolerance.volume_drop),
            ("growth", tolerance.volume_growth),
        )
        if limit is not None
    ]
    return {
        Rule.LEFT_OUT_TOLERANCE: (
            f"Rows left out per stage and reason within tolerance ({allowed}; any other "
            "reason: none)"
            if allowed
            else "No row left out (no reason tolerated)"
        ),
        Rule.VOLUME_CHANGE: (
            f"Published rows against the last publish: relative {', '.join(guards)}"
            if guards
            else "Published volume not guarded (no volume_drop or volume_growth declared)"
        ),
    }


def _accounting_results(
    contract: type[DataContract], accounting: Accounting, failures: Sequence[RuleFailure]
) -> Iterator[dg.AssetCheckResult]:
    key = asset_key(contract.meta().key)
    for rule, description in accounting_checks(contract).items():
        broken = [f for f in failures if f.rule == rule.value]
        figures: dict[str, Any] = (
            {
                "rows_left_out": accounting.rows_left_out,
                "left_out": dg.MetadataValue.json(accounting.as_dict()["left_out"]),
            }
            if rule is Rule.LEFT_OUT_TOLERANCE
            else {
                "rows_published": accounting.rows_published,
            }
        )
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=rule.value,
            passed=not broken,
            severity=dg.AssetCheckSeverity.ERROR,
            description="\n".join(f.line() for f in broken) or description,
            metadata={"rule": rule.value, **figures},
        )


def _product_metadata(extra: dict[str, Any]) -> dict[str, Any]:
    """What a Python product reported (e.g. model metrics), as Dagster metadata."""
    return {
        name: dg.MetadataValue.json(value) if isinstance(value, dict | list) else value
        for name, value in extra.items()
    }


def _publish(
    product: Product, engine: WarehouseEngine, *, run_id: str, partition: PartitionRange | None
) -> tuple[PublishResult, dict[str, Any]]:
    """Publish the product; also returns the metadata a Python product reported."""
    contract = product.contract
    meta = contract.meta()

    resolve = checked_upstream(contract, engine.published_table)

    if isinstance(product, SqlProduct):
        split = product.render_split(engine.table_for)
        select = split.product
        if partition is not None:
            select = (
                exp.select(exp.Star())
                .from_(select.subquery("product_rows"))
                .where(partition_condition(contract, partition, engine.dialect))
            )
        try:
            published = publish_product(
                engine,
                contract,
                select=select,
                resolve=resolve,
                partition=partition,
                run_id=run_id,
                left_out=split.left_out_rows(),
                inputs={u.key: engine.table_for(u.schema, u.name) for u in product.upstreams},
            )
        except PublishFailed as failed:
            cause = failed.__cause__ or failed
            statement = ""
            if failed.step == WRITING:  # the statement that ran the product's query
                staging = engine.staging_table_for(meta.domain, meta.product, run_id)
                statement = engine.sql(insert_from(contract, engine.dialect, staging, select))
            raise sql_failure(
                product, engine, cause, step=failed.step, statement=statement
            ) from cause
        return published, {}
    map_large_arrays()  # a model's freed working arrays go back to the system
    step = "reading its inputs"
    try:

        def read(name: str, upstream: str) -> Any:
            columns = product.columns.get(name)
            rows = engine.read_product(
                *upstream.split(".", 1),
                columns=columns,
                order_by=input_order(upstream, columns, product.order.get(name)),
            )
            return _as_kind(rows, product.frame)

        def read_batches(name: str, upstream: str, rows: int) -> Iterator[Any]:
            columns = product.columns.get(name)
            batches = engine.read_product_batches(
                *upstream.split(".", 1),
                rows=rows,
                columns=columns,
                order_by=input_order(upstream, columns, product.order.get(name)),
            )
            return (_as_kind(batch, product.frame) for batch in batches)

        frames = product.input_values(read, read_batches)
        if product.takes_partition:
            frames["partition"] = partition
        step = "running its function"
        output = product(**frames)
        rows_in = {upstream: rows_read(frames[name]) for name, upstream in product.inputs.items()}
        del frames  # the inputs are let go before the rows are written
        frame, extra = split_output(output)
        left_out = left_out_of(output)
        del output
        step = "checking the frame it returned"
        from mesh_platform.derive.arrow import to_arrow
        from mesh_platform.products.frames import check_frame

        check_frame(contract, frame)  # the values are audited in the warehouse, once
        rows = HandedFrame(to_arrow(frame, contract))  # let go once staged
        del frame  # only the Arrow rows are loaded: the frame is not held beside them
        published = publish_product(
            engine,
            contract,
            frame=rows,
            resolve=resolve,
            partition=partition,
            run_id=run_id,
            left_out=None if left_out is None else LeftOutRows(frame=left_out),
            inputs=rows_in,
        )
    except AuditFailed:
        raise
    except PublishFailed as failed:
        cause = failed.__cause__ or failed
        raise python_failure(product, engine, cause, step=failed.step, engine_error=True) from cause
    except Exception as error:
        raise python_failure(product, engine, error, step=step) from error
    return published, extra


def input_order(
    upstream: str, columns: Sequence[str] | None, order_by: Sequence[str] | None = None
) -> list[str]:
    """A total order of an input's rows, so that a Python product sees them in the same
    order whatever order the warehouse stores them in: the order the input declares
    (``Input.order_by``), else the upstream's grain when every grain column is loaded,
    else every column loaded (rows equal on all of them are interchangeable). An
    upstream outside the mesh's contracts is ordered by the columns named, if any."""
    if order_by:
        return list(order_by)
    contract = all_contracts().get(upstream)
    declared = [column.name for column in columns_of(contract)] if contract else []
    loaded = list(columns) if columns else declared
    grain = list(contract.meta().grain) if contract else []
    return grain if grain and set(grain) <= set(loaded) else loaded


def _shaped(
    product: Product, engine: WarehouseEngine, error: BaseException, *, step: str
) -> ProductFailed:
    if isinstance(product, SqlProduct):
        return sql_failure(product, engine, error, step=step)
    return python_failure(product, engine, error, step=step)


def _as_kind(frame: Any, kind: str) -> Any:
    if kind == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    if kind == "arrow":
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame


@cache
def _declared_checks(contract: type[DataContract]) -> tuple[tuple[str, str], ...]:
    """The name and description of each check the contract declares, derived once per
    process (deriving renders every check's query: tens of milliseconds a product)."""
    return tuple((check.name, check.description) for check in contract_checks(contract))


def _check_results(
    contract: type[DataContract], results: Sequence[CheckResult]
) -> Iterator[dg.AssetCheckResult]:
    key = asset_key(contract.meta().key)
    ran = {result.check.name for result in results}
    for name, description in _declared_checks(contract):
        if name in ran:
            continue
        # A reference check runs only once the referenced product is published; say so
        # as a warning rather than report a result that was not computed.
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"not evaluated: {description}",
            metadata={"evaluated": False, "reason": "the referenced product is not published"},
        )
    for result in results:
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=result.check.name,
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if result.check.blocking
            else dg.AssetCheckSeverity.WARN,
            description=result.check.description,
            metadata={
                "rule": result.check.rule.value,
                "columns": ", ".join(result.check.columns),
                "failing_rows": result.failing_rows,
                "sample_keys": ", ".join(result.sample),
            },
        )


def _failure_metadata(violation: ContractViolation) -> dict[str, Any]:
    return {
        "product": violation.product,
        "broken_rules": "\n".join(f.line() for f in violation.failures),
    }


def _result_metadata(result: PublishResult) -> dict[str, Any]:
    failed = [r.check.name for r in result.check_results if not r.passed]
    return {
        "dagster/row_count": result.row_count,
        "table": result.table,
        "engine": result.engine,
        "checks_passed": len(result.check_results) - len(failed),
        "checks_total": len(result.check_results),
        "checksum": result.checksum or "",
        "duration_s": round(result.duration_s, 3),
        **({"partition": str(result.partition)} if result.partition else {}),
        **({"rows_erased": result.rows_erased} if result.rows_erased else {}),
        **(_accounting_metadata(result.accounting) if result.accounting else {}),
    }


def _accounting_metadata(accounting: Accounting) -> dict[str, Any]:
    """Rows read per input and rows left out per stage and reason, as metadata."""
    return {
        "rows_read": dg.MetadataValue.json(dict(accounting.rows_read)),
        "rows_left_out": accounting.rows_left_out,
        "left_out": dg.MetadataValue.json(accounting.as_dict()["left_out"]),
    }
