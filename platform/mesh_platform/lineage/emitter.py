"""The lineage emitter: START, then COMPLETE or FAIL, for every materialisation.

Lineage never fails a materialisation: a transport that cannot be built or that fails
to deliver (a lineage backend that is down, a file that cannot be written) logs a
warning and the run goes on.

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Village(DataContract, domain="demo", product="village", register=False):
    ...     '''One row per village.'''
    ...     code: str = column("Village code.")
    >>> from openlineage.client import OpenLineageClient
    >>> from openlineage.client.transport.noop import NoopConfig, NoopTransport
    >>> emitter = LineageEmitter(OpenLineageClient(transport=NoopTransport(NoopConfig())))
    >>> emitter.start("run-1", Village, engine="duckdb").eventType.value
    'START'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypedDict, Unpack

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent, RunState

from mesh_platform.contract import DataContract
from mesh_platform.derive.checks import CheckResult
from mesh_platform.lineage.events import ColumnLineage, run_event
from mesh_platform.lineage.transport import build_client
from mesh_platform.settings import EngineName, get_settings

logger = logging.getLogger(__name__)


class EventDetails(TypedDict, total=False):
    """What a run event says of a materialisation besides its state (see ``run_event``)."""

    inputs: Sequence[str]
    sql: str | None
    sql_dialect: str | None
    engine: str | EngineName | None
    column_lineage: ColumnLineage | None
    partition: str | None
    row_count: int | None
    check_results: Sequence[CheckResult]
    accounting: Mapping[str, Any] | None


class LineageEmitter:
    """Emits a product's run events on OpenLineage's configured transport.

    Args:
        client: the client to emit with; by default one is built on first use from
            OpenLineage's standard configuration, else on the local lineage file
            (see :mod:`mesh_platform.lineage.transport`).
        lineage_path: the local lineage file (default: the settings' ``lineage_path``).
    """

    def __init__(
        self, client: OpenLineageClient | None = None, *, lineage_path: Path | None = None
    ) -> None:
        self._client = client
        self._lineage_path = lineage_path
        self._unavailable = False

    def __enter__(self) -> LineageEmitter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def client(self) -> OpenLineageClient | None:
        """The client, built on first use; ``None`` when it cannot be built (warned once)."""
        if self._client is None and not self._unavailable:
            path = self._lineage_path or get_settings().lineage_path
            try:
                self._client = build_client(path)
            except Exception as error:
                self._unavailable = True
                logger.warning("OpenLineage: no transport, lineage is not emitted: %s", error)
        return self._client

    def start(
        self, run_id: str, contract: type[DataContract], **details: Unpack[EventDetails]
    ) -> RunEvent:
        """Emit the START event of ``contract``'s materialisation in Dagster run ``run_id``."""
        return self.emit(run_event(RunState.START, run_id=run_id, contract=contract, **details))

    def complete(
        self, run_id: str, contract: type[DataContract], **details: Unpack[EventDetails]
    ) -> RunEvent:
        """Emit the COMPLETE event: the product was published (``row_count`` rows)."""
        return self.emit(run_event(RunState.COMPLETE, run_id=run_id, contract=contract, **details))

    def fail(
        self,
        run_id: str,
        contract: type[DataContract],
        *,
        error: BaseException | str,
        **details: Unpack[EventDetails],
    ) -> RunEvent:
        """Emit the FAIL event: ``error`` and the checks that ran (failed ones included)."""
        return self.emit(
            run_event(RunState.FAIL, run_id=run_id, contract=contract, error=error, **details)
        )

    def emit(self, event: RunEvent) -> RunEvent:
        """Emit ``event``; a transport error is logged as a warning, never raised."""
        client = self.client
        if client is None:
            return event
        try:
            client.emit(event)
        except Exception as error:
            state = event.eventType.value if event.eventType else "run"
            logger.warning(
                "OpenLineage %s event of %s not delivered by the %s transport: %s",
                state,
                event.job.name,
                client.transport.kind,
                error,
            )
        return event

    def close(self) -> None:
        """Close the transport (e.g. its HTTP connections); errors are logged, never raised."""
        if self._client is None:
            return
        try:
            self._client.close()
        except Exception as error:
            logger.warning("OpenLineage: closing the transport failed: %s", error)
