"""The audit log of queries: who read what, as whom, for which purpose.

One JSON line per query, appended (``O_APPEND``: lines are never rewritten) to
``<state>/access/audit.jsonl``, or to the file the setting ``MESH_ACCESS_AUDIT_LOG`` names (in
production a file shipped to the log sink, or a mounted volume). A query an
administrator runs as another user names both: ``actor`` (who typed it) and ``user``
(whose access it ran with).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from mesh_platform.settings import MeshSettings


@dataclass(frozen=True)
class AuditEntry:
    """One query.

    Attributes:
        actor: the authenticated person.
        user: the person whose access the query ran with (the actor, or whom an
            administrator runs as).
        purpose: the declared purpose.
        clearance: the clearance it ran with (empty when refused before).
        sql: the query.
        outcome: ``ok``, ``refused`` or ``interrupted``.
        detail: the refusal, or the rows returned.
    """

    actor: str
    user: str
    purpose: str
    clearance: str
    sql: str
    outcome: str
    detail: str


def audit_path(settings: MeshSettings) -> Path:
    """The setting ``MESH_ACCESS_AUDIT_LOG``, else ``<state>/access/audit.jsonl``."""
    return settings.access_audit_log or settings.state_dir / "access" / "audit.jsonl"


def append(path: Path, entry: AuditEntry) -> None:
    """Append ``entry`` with the time, as one line, in one write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), **asdict(entry)}
    if entry.actor != entry.user:
        line["impersonated"] = True
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(path: Path) -> list[dict[str, object]]:
    """Every entry of the log (none when it does not exist)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line]
