"""Reading back the local lineage file: what happened to each product, most recent first.

Example:
    >>> import json
    >>> line = json.dumps({"eventType": "START", "eventTime": "2024-05-01T06:00:00+00:00",
    ...     "run": {"runId": "0b5e6e5e-0000-5000-8000-000000000000"},
    ...     "job": {"namespace": "trident", "name": "sales.sales_lines"}})
    >>> record = parse_event(json.loads(line))
    >>> record.product, record.event_type, record.failed_assertions
    ('sales.sales_lines', 'START', ())
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mesh_platform.lineage.naming import JOB_NAMESPACE


@dataclass(frozen=True)
class FailedAssertion:
    """A check that did not hold: its name and how many rows broke it."""

    name: str
    failing_rows: str | None

    def __str__(self) -> str:
        return f"{self.name} ({self.failing_rows} rows)" if self.failing_rows else self.name


@dataclass(frozen=True)
class EventRecord:
    """One run event of a product, as read from the lineage file."""

    time: datetime
    """When it happened, in UTC."""
    product: str
    event_type: str
    run_id: str
    row_count: int | None = None
    assertions: int = 0
    failed_assertions: tuple[FailedAssertion, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class History:
    """The product run events of a lineage file, and how many other lines it holds."""

    records: tuple[EventRecord, ...]
    skipped: int = 0
    """Lines that are not a product's run event (unreadable, or another job's)."""

    def last_events(self, product: str | None = None, limit: int = 20) -> list[EventRecord]:
        """Each product's last ``limit`` events, newest first, products by latest event.

        Args:
            product: keep only this ``domain.product``.
            limit: how many events per product at most.
        """
        by_product: dict[str, list[EventRecord]] = {}
        for record in sorted(self.records, key=lambda r: r.time, reverse=True):
            if product is None or record.product == product:
                by_product.setdefault(record.product, []).append(record)
        return [record for events in by_product.values() for record in events[:limit]]


def read_history(path: Path) -> History:
    """The product run events in the lineage file at ``path`` (empty if there is none).

    Lines that are not run events of a product's job are counted, not raised.
    """
    if not path.exists():
        return History(records=())
    records: list[EventRecord] = []
    skipped = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                record = parse_event(json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError):
                record = None
            if record is None:
                skipped += 1
            else:
                records.append(record)
    return History(records=tuple(records), skipped=skipped)


def parse_event(event: Mapping[str, Any]) -> EventRecord | None:
    """The record of a product's run event; ``None`` for another job's event.

    Raises:
        KeyError, ValueError, TypeError: when ``event`` is not a run event.
    """
    job = event["job"]
    if job.get("namespace") != JOB_NAMESPACE:
        return None
    row_count: int | None = None
    assertions: list[Mapping[str, Any]] = []
    for output in event.get("outputs") or ():
        facets = output.get("facets") or {}
        metrics = facets.get("dataQualityMetrics") or {}
        if metrics.get("rowCount") is not None:
            row_count = int(metrics["rowCount"])
        assertions.extend((facets.get("dataQualityAssertions") or {}).get("assertions") or ())
    error = ((event["run"].get("facets") or {}).get("errorMessage") or {}).get("message")
    time = datetime.fromisoformat(event["eventTime"])
    return EventRecord(
        time=time.astimezone(UTC) if time.tzinfo else time.replace(tzinfo=UTC),
        product=str(job["name"]),
        event_type=str(event.get("eventType") or "OTHER"),
        run_id=str(event["run"]["runId"]),
        row_count=row_count,
        assertions=len(assertions),
        failed_assertions=tuple(_failed(assertions)),
        error=str(error) if error is not None else None,
    )


def _failed(assertions: Iterable[Mapping[str, Any]]) -> Iterable[FailedAssertion]:
    for assertion in assertions:
        if not assertion.get("success", True):
            yield FailedAssertion(str(assertion["assertion"]), assertion.get("actual"))
