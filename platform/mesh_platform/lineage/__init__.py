"""OpenLineage for the mesh: a START and a COMPLETE or FAIL event per materialisation.

* :mod:`~mesh_platform.lineage.naming`: job, dataset and run names.
* :mod:`~mesh_platform.lineage.events`: the events and their facets, from the contract.
* :mod:`~mesh_platform.lineage.transport`: OpenLineage's configuration, else a local file.
* :mod:`~mesh_platform.lineage.emitter`: :class:`LineageEmitter`, which never fails a run.
* :mod:`~mesh_platform.lineage.history`: reading the local file back (``mesh lineage``).
"""

from mesh_platform.lineage.emitter import LineageEmitter
from mesh_platform.lineage.events import (
    ColumnLineage,
    RunState,
    assertions_facet,
    column_lineage_facet,
    error_message_facet,
    run_event,
)
from mesh_platform.lineage.history import EventRecord, FailedAssertion, History, read_history
from mesh_platform.lineage.naming import (
    DATASET_NAMESPACES,
    JOB_NAMESPACE,
    dataset_namespace,
    run_uuid,
)
from mesh_platform.lineage.transport import build_client, standard_configuration

__all__ = [
    "DATASET_NAMESPACES",
    "JOB_NAMESPACE",
    "ColumnLineage",
    "EventRecord",
    "FailedAssertion",
    "History",
    "LineageEmitter",
    "RunState",
    "assertions_facet",
    "build_client",
    "column_lineage_facet",
    "dataset_namespace",
    "error_message_facet",
    "read_history",
    "run_event",
    "run_uuid",
    "standard_configuration",
]
