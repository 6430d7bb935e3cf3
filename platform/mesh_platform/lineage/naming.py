"""How the mesh names its OpenLineage jobs, datasets and runs.

* Job: namespace ``trident``, name ``<domain>.<product>`` (one job per product).
* Dataset: namespace per engine, name ``<domain>.<product>`` (the product's mesh-wide
  name, whatever the environment's schema or dataset prefix), so that the lineage graph
  is the same on every engine. Following the OpenLineage naming conventions, the
  namespace names the data source: ``bigquery`` for BigQuery, and for the local DuckDB
  file, ``duckdb://trident`` (the convention's ``duckdb://{host}`` with the mesh as host,
  since the file's path is a detail of one machine).
* Run: a UUID derived (UUID 5) from the orchestrator's run id, the product and, for a
  partitioned product, the partition, so that START and COMPLETE/FAIL of one
  materialisation share a run id even across processes. The orchestrator's run id is
  never used as is, even when it is a UUID: one orchestrator run materialises many
  products, and each product's job needs a run of its own.

Example:
    >>> dataset_namespace("duckdb"), dataset_namespace("bigquery")
    ('duckdb://trident', 'bigquery')
    >>> run_uuid("run-1", "sales.sales_lines") == run_uuid("run-1", "sales.sales_lines")
    True
    >>> run_uuid("run-1", "sales.sales_lines") != run_uuid("run-1", "sales.revenue_by_season")
    True
"""

from __future__ import annotations

import uuid

from mesh_platform.settings import EngineName, get_settings

JOB_NAMESPACE = "trident"
"""The namespace of every product's job."""

INTEGRATION = "TRIDENT"
"""The ``integration`` of the jobType facet."""

JOB_TYPE = "DATA_PRODUCT"
"""The ``jobType`` of the jobType facet: a job materialises one data product."""

PROCESSING_TYPE = "BATCH"
"""The ``processingType`` of the jobType facet."""

DATASET_NAMESPACES: dict[EngineName, str] = {
    EngineName.DUCKDB: "duckdb://trident",
    EngineName.BIGQUERY: "bigquery",
}
"""The dataset namespace of each engine."""

RUN_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:trident:openlineage:run")
"""The UUID 5 namespace of the run ids."""


def dataset_namespace(engine: str | EngineName | None = None) -> str:
    """The dataset namespace of ``engine`` (default: the engine in force).

    Raises:
        ValueError: for an engine the mesh does not know.
    """
    name = get_settings().engine_name if engine is None else EngineName(engine)
    return DATASET_NAMESPACES[name]


def run_uuid(run_id: str, product: str, partition: str | None = None) -> str:
    """The OpenLineage run id of ``product``'s materialisation in the run ``run_id``."""
    parts = [run_id, product] if partition is None else [run_id, product, partition]
    return str(uuid.uuid5(RUN_ID_NAMESPACE, "/".join(parts)))
