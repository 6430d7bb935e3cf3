"""A SQL product declares the PII its columns carry from their upstream columns.

A column computed from a PII column carries its classification (see
:mod:`mesh_platform.privacy.pii_lineage` for what hashes, buckets and aggregates do);
a contract that declares less than what a column carries would expose personal data
to readers cleared for less, without a rationale.
"""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns
from mesh_platform.privacy.pii_lineage import RANK, carried_pii

RULE = "undeclared_pii"


def undeclared_pii(mesh: Mesh) -> Iterator[Finding]:
    """Output columns carrying a classification above the one their contract declares,
    with the path column by column."""
    for sql in mesh.sql():
        if sql.contract is None:
            continue
        columns = {c.name: c for c in readable_columns(sql.contract) or ()}
        min_group_size = sql.contract.meta().privacy.min_group_size
        for carried in carried_pii(sql, mesh.contracts, min_group_size):
            declared = columns.get(carried.column)
            if declared is None or RANK[declared.classification] >= RANK[carried.classification]:
                continue
            yield Finding(
                sql.key,
                carried.column,
                RULE,
                f"carries {carried.classification.value} ({carried.path_text()}) but the "
                f"contract declares {declared.classification.value}: declare "
                f"classification={carried.classification.name} with a rationale, or hash, "
                "bucket or aggregate the value",
                sql.file,
            )
