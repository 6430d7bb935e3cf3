"""OpenLineage run events of a product's materialisation, built from its contract.

Pure functions: nothing here emits. An event carries

* on the job: ``jobType`` (integration ``TRIDENT``, ``BATCH``, ``DATA_PRODUCT``) and, for a
  SQL product, ``sql``;
* on the run: ``tags`` (the Dagster run id, the engine, the partition) and, on
  FAIL, ``errorMessage``;
* on the output dataset (the product): ``schema``, ``documentation``, ``ownership`` and
  ``tags`` from the contract, ``columnLineage`` when known, ``dataQualityAssertions``
  (one assertion per in-warehouse check) and ``dataQualityMetrics`` (the row count);
* with the run's accounting: the spec's ``inputStatistics`` (rows read) on each input
  and ``outputStatistics`` (rows published) on the output, and the custom facet
  ``rowAccounting`` (rows read, published and left out per stage and reason; its schema
  is ``lineage/facets/RowAccountingDatasetFacet.json``).

The specification types ``dataQualityAssertions`` as an input-dataset facet; the checks
run on the product being written, so the assertions ride on the output dataset's facets
(every facet is a ``BaseFacet``-shaped object, whichever list holds it).

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Village(DataContract, domain="demo", product="village", register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.")
    >>> event = run_event(RunState.START, run_id="r1", contract=Village, engine="duckdb")
    >>> event.job.name, event.outputs[0].namespace, event.outputs[0].name
    ('demo.village', 'duckdb://trident', 'demo.village')
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import attr
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    InputDatasetFacet,
    JobFacet,
    OutputDatasetFacet,
    RunFacet,
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    error_message_run,
    input_statistics_input_dataset,
    job_type_job,
    output_statistics_output_dataset,
    sql_job,
    tags_run,
)

from mesh_platform.contract import DataContract
from mesh_platform.derive.checks import CheckResult
from mesh_platform.derive.openlineage_facets import (
    documentation_facet,
    ownership_facet,
    schema_facet,
    tags_facet,
)
from mesh_platform.lineage.naming import (
    INTEGRATION,
    JOB_NAMESPACE,
    JOB_TYPE,
    PROCESSING_TYPE,
    dataset_namespace,
    run_uuid,
)
from mesh_platform.settings import EngineName, get_settings

__all__ = [
    "ColumnLineage",
    "RowAccountingDatasetFacet",
    "RunState",
    "assertions_facet",
    "column_lineage_facet",
    "error_message_facet",
    "row_accounting_facet",
    "run_event",
]

ColumnLineage = Mapping[str, Iterable[tuple[str, str]]]
"""Output column → ``(upstream 'domain.product', upstream column)`` pairs."""

TAG_SOURCE = "TRIDENT"
"""The source of the run tags."""

RUN_ID_TAG = "dagster_run_id"
"""The run tag holding the orchestrator's (Dagster's) own run id."""

SEVERITY = "error"
"""Every contract check blocks publication."""

PROGRAMMING_LANGUAGE = "python"

ROW_ACCOUNTING_SCHEMA = (
    "urn:trident:openlineage:facets:1-0-0:RowAccountingDatasetFacet.json"
    "#/$defs/RowAccountingDatasetFacet"
)
"""The ``_schemaURL`` of the custom ``rowAccounting`` facet (its JSON schema ships in
``mesh_platform/lineage/facets``)."""


@attr.define
class RowAccountingDatasetFacet(DatasetFacet):
    """Custom facet ``rowAccounting``: what one run read, published and left out."""

    rowsRead: dict[str, int] = attr.field(factory=dict)  # noqa: N815
    rowsPublished: int = attr.field(default=0)  # noqa: N815
    rowsLeftOut: int = attr.field(default=0)  # noqa: N815
    leftOut: list[dict[str, Any]] = attr.field(factory=list)  # noqa: N815
    previousRows: int | None = attr.field(default=None)  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return ROW_ACCOUNTING_SCHEMA


def run_event(
    event_type: RunState,
    *,
    run_id: str,
    contract: type[DataContract],
    engine: str | EngineName | None = None,
    inputs: Sequence[str] = (),
    sql: str | None = None,
    sql_dialect: str | None = None,
    row_count: int | None = None,
    check_results: Sequence[CheckResult] = (),
    column_lineage: ColumnLineage | None = None,
    error: BaseException | str | None = None,
    partition: str | None = None,
    event_time: datetime | None = None,
    accounting: Mapping[str, Any] | None = None,
) -> RunEvent:
    """The run event of one materialisation of ``contract``'s product.

    Args:
        event_type: ``START``, ``COMPLETE`` or ``FAIL``.
        run_id: the Dagster run id (any string; the event's run id is derived from it,
            the product and the partition, and the run id itself is kept as a run tag).
        contract: the product's contract.
        engine: ``duckdb`` or ``bigquery`` (default: the engine in force).
        inputs: the products and sources read, as ``schema.table``.
        sql: the product's query, for SQL products.
        sql_dialect: the dialect of ``sql``.
        row_count: rows written (staged on FAIL, published on COMPLETE).
        check_results: the in-warehouse checks run on the product's rows.
        column_lineage: output column → ``(upstream, column)`` pairs.
        error: what made the run fail (FAIL only).
        partition: the partition materialised, for partitioned products.
        event_time: when it happened (default: now).
        accounting: the run's row accounting
            (:meth:`mesh_platform.wap_accounting.Accounting.as_dict`): statistics facets
            on the inputs and the output, and the ``rowAccounting`` facet.
    """
    meta = contract.meta()
    engine_name = get_settings().engine_name if engine is None else EngineName(engine)
    namespace = dataset_namespace(engine_name)
    lineage = {name: tuple(pairs) for name, pairs in (column_lineage or {}).items()}
    rows_read: Mapping[str, int] = (accounting or {}).get("rows_read", {})
    input_names = _unique(
        [*inputs, *(up for pairs in lineage.values() for up, _ in pairs), *rows_read]
    )
    time = (event_time or datetime.now(UTC)).isoformat()

    run_facets: dict[str, RunFacet] = {"tags": _run_tags(run_id, engine_name, partition)}
    if error is not None:
        run_facets["errorMessage"] = error_message_facet(error)

    job_facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType=PROCESSING_TYPE, integration=INTEGRATION, jobType=JOB_TYPE
        )
    }
    if sql is not None:
        job_facets["sql"] = sql_job.SQLJobFacet(query=sql, dialect=sql_dialect)

    output_facets: dict[str, DatasetFacet] = {
        "schema": schema_facet(contract),
        "documentation": documentation_facet(contract),
        "ownership": ownership_facet(contract),
        "tags": tags_facet(contract),
    }
    if lineage and (facet := column_lineage_facet(lineage, namespace)) is not None:
        output_facets["columnLineage"] = facet
    if check_results:
        output_facets["dataQualityAssertions"] = cast(DatasetFacet, assertions_facet(check_results))
    if row_count is not None:
        output_facets["dataQualityMetrics"] = (
            data_quality_metrics_dataset.DataQualityMetricsDatasetFacet(
                columnMetrics={}, rowCount=row_count, captureDate=time
            )
        )

    output_statistics: dict[str, OutputDatasetFacet] | None = None
    if accounting is not None:
        output_facets["rowAccounting"] = row_accounting_facet(accounting)
        output_statistics = {
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=accounting["rows_published"]
            )
        }

    return RunEvent(
        eventType=event_type,
        eventTime=time,
        run=Run(runId=run_uuid(run_id, meta.key, partition), facets=run_facets),
        job=Job(namespace=JOB_NAMESPACE, name=meta.key, facets=job_facets),
        inputs=[
            InputDataset(
                namespace=namespace,
                name=name,
                inputFacets=_input_statistics(rows_read.get(name)),
            )
            for name in input_names
        ],
        outputs=[
            OutputDataset(
                namespace=namespace,
                name=meta.key,
                facets=output_facets,
                outputFacets=output_statistics,
            )
        ],
    )


def _input_statistics(rows: int | None) -> dict[str, InputDatasetFacet] | None:
    """The inputStatistics facet of an input the run read ``rows`` rows of."""
    if rows is None:
        return None
    return {
        "inputStatistics": input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
            rowCount=rows
        )
    }


def row_accounting_facet(accounting: Mapping[str, Any]) -> RowAccountingDatasetFacet:
    """The custom ``rowAccounting`` facet of a run's accounting (see ``run_event``)."""
    return RowAccountingDatasetFacet(
        rowsRead=dict(accounting["rows_read"]),
        rowsPublished=accounting["rows_published"],
        rowsLeftOut=accounting["rows_left_out"],
        previousRows=accounting.get("previous_rows"),
        leftOut=[
            {
                "stage": c["stage"],
                "reason": c["reason"],
                "rows": c["rows"],
                "candidates": c["candidates"],
                "share": c["share"],
                "sampleKeys": list(c["sample_keys"]),
            }
            for c in accounting["left_out"]
        ],
    )


def assertions_facet(
    check_results: Sequence[CheckResult],
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    """One assertion per check: its name, whether it held, its column, what it found."""
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[
            data_quality_assertions_dataset.Assertion(
                assertion=result.check.name,
                success=result.passed,
                column=result.check.column,
                severity=SEVERITY,
                description=result.check.description,
                expected="0",
                actual=str(result.failing_rows),
                content=result.check.sql(),
                contentType="sql",
                params={
                    "rule": result.check.rule.value,
                    "columns": list(result.check.columns),
                    "failing_rows": result.failing_rows,
                    "sample": list(result.sample),
                },
            )
            for result in check_results
        ]
    )


def column_lineage_facet(
    column_lineage: ColumnLineage, namespace: str
) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    """The columnLineage facet; ``None`` when no output column has a known input."""
    fields = {
        output: column_lineage_dataset.Fields(
            inputFields=[
                # How the value is derived (DIRECT/INDIRECT) is not known: no transformations.
                column_lineage_dataset.InputField(
                    namespace=namespace, name=upstream, field=name, transformations=None
                )
                for upstream, name in pairs
            ]
        )
        for output, pairs in ((o, tuple(p)) for o, p in column_lineage.items())
        if pairs
    }
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields) if fields else None


def error_message_facet(error: BaseException | str) -> error_message_run.ErrorMessageRunFacet:
    """The errorMessage facet: the error's message and, for an exception, its stack trace."""
    if isinstance(error, BaseException):
        message = "".join(traceback.format_exception_only(error)).strip()
        stack = "".join(traceback.format_exception(error)).strip()
        return error_message_run.ErrorMessageRunFacet(
            message=message, programmingLanguage=PROGRAMMING_LANGUAGE, stackTrace=stack
        )
    return error_message_run.ErrorMessageRunFacet(
        message=error, programmingLanguage=PROGRAMMING_LANGUAGE
    )


def _run_tags(run_id: str, engine: EngineName, partition: str | None) -> tags_run.TagsRunFacet:
    tags = [
        tags_run.TagsRunFacetFields(key=RUN_ID_TAG, value=run_id, source=TAG_SOURCE),
        tags_run.TagsRunFacetFields(key="engine", value=engine.value, source=TAG_SOURCE),
    ]
    if partition is not None:
        tags.append(
            tags_run.TagsRunFacetFields(key="partition", value=partition, source=TAG_SOURCE)
        )
    return tags_run.TagsRunFacet(tags=tags)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
