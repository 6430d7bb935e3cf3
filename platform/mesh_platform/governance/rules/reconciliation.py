"""A reconciliation compares this product with a product it may read, on columns both
have, with measures that parse and name columns of their product."""

from __future__ import annotations

from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from mesh_platform.contract import AccessLevel, DataContract, Reconciliation
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "reconciliation"


def reconciliation(mesh: Mesh) -> Iterator[Finding]:
    """Reconciliations naming an unknown or unreadable product, unknown columns, groups
    that do not pair up, or measures that do not parse."""
    for key, contract in mesh.contracts.items():
        meta = contract.meta()
        names = [r.name for r in meta.reconciliations]
        for name in sorted({n for n in names if names.count(n) > 1}):
            yield Finding(key, None, RULE, f"reconciliation {name!r} is declared twice")
        for r in meta.reconciliations:
            for message in _problems(contract, r, mesh):
                yield Finding(key, None, RULE, f"reconciliation {r.name!r}: {message}")


def _problems(contract: type[DataContract], r: Reconciliation, mesh: Mesh) -> Iterator[str]:
    meta = contract.meta()
    other = mesh.contracts.get(r.against)
    if other is None:
        yield f"against unknown product {r.against!r}"
        return
    if other.meta().access is AccessLevel.INTERNAL and other.meta().domain != meta.domain:
        yield f"{r.against} is internal to the {other.meta().domain} domain"
    if len(r.by) != len(r.against_columns):
        yield f"groups by {len(r.by)} column(s) here and {len(r.against_columns)} in {r.against}"
    for side, target, columns, measure in (
        (meta.key, contract, r.by, r.measure),
        (r.against, other, r.against_columns, r.against_measure),
    ):
        known = {c.name for c in readable_columns(target) or ()}
        for column in columns:
            if column not in known:
                yield f"{side} has no column {column!r} to group by"
        try:
            parsed = sqlglot.parse_one(measure, read="bigquery")
        except ParseError as error:
            yield f"measure {measure!r} of {side} does not parse: {error}"
            continue
        for named in sorted({c.name for c in parsed.find_all(exp.Column)} - known):
            yield f"measure {measure!r} names {named!r}, not a column of {side}"
