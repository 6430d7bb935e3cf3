"""The last run of each product, as its OpenLineage events tell it.

Read from the lineage file the materialisations write when no other transport is
configured (``MeshSettings.lineage_path``): the last COMPLETE or FAIL event of each
product, with its row accounting (rows read per input, published, left out by stage and
reason) and its check results (the ``dataQualityAssertions`` facet).

Example:
    >>> run = LastRun.from_event({"eventType": "COMPLETE",
    ...     "eventTime": "2026-05-01T06:00:00+00:00", "run": {"runId": "r1"},
    ...     "job": {"namespace": "trident", "name": "sales.sales_lines"},
    ...     "outputs": [{"facets": {"dataQualityAssertions": {"assertions": [
    ...         {"assertion": "not_null__sale_id", "success": True, "actual": "0"}]},
    ...         "rowAccounting": {"rowsRead": {"landing_sales.lines": 3},
    ...                           "rowsPublished": 2, "rowsLeftOut": 1, "leftOut": [
    ...             {"stage": "lines", "reason": "duplicate", "rows": 1, "share": 0.33,
    ...              "candidates": 3, "sampleKeys": ["S1"]}]}}}]})
    >>> run.succeeded, run.rows_published, run.checks_passed, run.left_out[0].reason
    (True, 2, 1, 'duplicate')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mesh_platform.lineage.naming import JOB_NAMESPACE

FINAL_EVENTS = frozenset({"COMPLETE", "FAIL"})


@dataclass(frozen=True)
class CheckResult:
    """One check of a run: its name, whether it held, the failing rows."""

    name: str
    passed: bool
    failing_rows: str | None
    description: str | None
    column: str | None


@dataclass(frozen=True)
class LeftOut:
    """Rows a run left out at one stage for one reason."""

    stage: str
    reason: str
    rows: int
    candidates: int | None
    share: float | None
    sample_keys: tuple[str, ...]


@dataclass(frozen=True)
class LastRun:
    """A product's last finished run."""

    time: datetime
    run_id: str
    succeeded: bool
    rows_published: int | None
    rows_read: Mapping[str, int]
    rows_left_out: int | None
    left_out: tuple[LeftOut, ...]
    checks: tuple[CheckResult, ...]
    error: str | None

    @property
    def checks_passed(self) -> int:
        return sum(1 for check in self.checks if check.passed)

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> LastRun:
        """The run an OpenLineage COMPLETE or FAIL event of a product tells.

        Raises:
            KeyError, ValueError, TypeError: when ``event`` is not a run event.
        """
        accounting: Mapping[str, Any] = {}
        assertions: list[Mapping[str, Any]] = []
        rows: int | None = None
        for output in event.get("outputs") or ():
            facets = output.get("facets") or {}
            accounting = facets.get("rowAccounting") or accounting
            assertions.extend((facets.get("dataQualityAssertions") or {}).get("assertions") or ())
            metrics = facets.get("dataQualityMetrics") or {}
            if metrics.get("rowCount") is not None:
                rows = int(metrics["rowCount"])
        error = ((event["run"].get("facets") or {}).get("errorMessage") or {}).get("message")
        time = datetime.fromisoformat(event["eventTime"])
        published = accounting.get("rowsPublished")
        left = accounting.get("rowsLeftOut")
        return cls(
            time=time.astimezone(UTC) if time.tzinfo else time.replace(tzinfo=UTC),
            run_id=str(event["run"]["runId"]),
            succeeded=event.get("eventType") == "COMPLETE",
            rows_published=int(published) if published is not None else rows,
            rows_read={str(k): int(v) for k, v in (accounting.get("rowsRead") or {}).items()},
            rows_left_out=int(left) if left is not None else None,
            left_out=tuple(_left_out(item) for item in accounting.get("leftOut") or ()),
            checks=tuple(_check(item) for item in assertions),
            error=str(error) if error is not None else None,
        )


def _left_out(item: Mapping[str, Any]) -> LeftOut:
    share = item.get("share")
    candidates = item.get("candidates")
    return LeftOut(
        stage=str(item.get("stage", "")),
        reason=str(item["reason"]),
        rows=int(item["rows"]),
        candidates=int(candidates) if candidates is not None else None,
        share=float(share) if share is not None else None,
        sample_keys=tuple(str(k) for k in item.get("sampleKeys") or ()),
    )


def _check(item: Mapping[str, Any]) -> CheckResult:
    actual = item.get("actual")
    return CheckResult(
        name=str(item["assertion"]),
        passed=bool(item.get("success", True)),
        failing_rows=str(actual) if actual is not None else None,
        description=item.get("description"),
        column=item.get("column"),
    )


def last_runs(path: Path) -> dict[str, LastRun]:
    """Each product's last finished run in the lineage file at ``path`` (none if absent).

    Lines that are not a product's finished run are passed over.
    """
    runs: dict[str, LastRun] = {}
    if not path.exists():
        return runs
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                event = json.loads(line)
                job = event["job"]
                if job.get("namespace") != JOB_NAMESPACE:
                    continue
                if event.get("eventType") not in FINAL_EVENTS:
                    continue
                run = LastRun.from_event(event)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            key = str(job["name"])
            if key not in runs or runs[key].time <= run.time:
                runs[key] = run
    return runs
