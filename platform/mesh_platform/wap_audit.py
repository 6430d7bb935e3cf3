"""The audit of write-audit-publish: a staging table against its contract's checks.

:func:`run_checks` runs every in-warehouse check of the contract on a staging table in
one round trip (:func:`check_union`); :func:`partition_failures` and
:func:`rows_outside` check that a publication of part of a product (some partitions,
some keys) holds only rows of that part, since publishing replaces exactly that part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.checks import (
    FAILING_ROWS,
    SAMPLE_KEYS,
    CheckQuery,
    CheckResult,
    check_queries,
)
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.errors import RuleFailure
from mesh_platform.partitions import PartitionRange

Resolve: TypeAlias = Callable[[str, str], "exp.Table | None"]
"""Maps ``(domain, product)`` to the table that holds it (``None``: not checked)."""

SAMPLE_SIZE = 5
"""Keys of offending rows kept per failed check."""

_CHECK_INDEX = "_check_index"


def check_union(checks: list[CheckQuery]) -> exp.Query:
    """Every check query as one query: one row per check, tagged with its index.

    Example:
        >>> from mesh_platform.contract import DataContract, column
        >>> class Stay(DataContract, domain="demo", product="stays", grain=("stay_id",),
        ...            register=False):
        ...     stay_id: str = column("Stay code.")
        >>> checks = check_queries(Stay, "duckdb", exp.table_("staging", db="demo"))
        >>> [check.name for check in checks]
        ['unique_grain', 'not_null__stay_id']
        >>> check_union(checks).sql("duckdb").count("UNION ALL")
        1
    """
    parts: list[exp.Query] = [
        exp.select(
            exp.Literal.number(i).as_(_CHECK_INDEX),
            exp.column(FAILING_ROWS, quoted=True),
            exp.column(SAMPLE_KEYS, quoted=True),
        ).from_(check.query.subquery(f"_check_{i}"))
        for i, check in enumerate(checks)
    ]
    union = parts[0]
    for part in parts[1:]:
        # the parts are fresh: copying the growing union each time is quadratic
        union = exp.union(union, part, distinct=False, copy=False)
    return union


def run_checks(
    engine: WarehouseEngine,
    contract: type[DataContract],
    table: exp.Table,
    resolve: Resolve | None = None,
    *,
    sample_size: int = SAMPLE_SIZE,
) -> list[CheckResult]:
    """Run the contract's in-warehouse checks on ``table``; one result per check.

    ``resolve`` locates referenced products for the reference checks; by default
    their published tables, when they exist (a reference to a product not yet
    published is not checked). The checks run in one round trip.
    """
    checks = check_queries(
        contract,
        engine.dialect,
        table,
        resolve=resolve or engine.published_table,
        sample_size=sample_size,
    )
    if not checks:
        return []
    rows = {int(row[_CHECK_INDEX]): row for row in engine.query_rows(check_union(checks))}
    return [CheckResult.from_row(check, rows[i]) for i, check in enumerate(checks)]


def partition_failures(
    engine: WarehouseEngine,
    contract: type[DataContract],
    table: exp.Table,
    partition: PartitionRange,
    where: exp.Condition,
    *,
    sample_size: int = SAMPLE_SIZE,
) -> list[RuleFailure]:
    """Rows of ``table`` outside ``partition``, which ``where`` selects (a partition
    publish holds only its own rows)."""
    meta = contract.meta()
    spec = meta.partitioning
    if spec is None:
        raise ValueError(
            f"{meta.key}: not partitioned, cannot publish partition {str(partition)!r}"
        )
    return rows_outside(
        engine,
        contract,
        table,
        where,
        column=spec.column,
        detail=f"only rows of partition {str(partition)!r}",
        sample_size=sample_size,
    )


def rows_outside(
    engine: WarehouseEngine,
    contract: type[DataContract],
    table: exp.Table,
    where: exp.Condition,
    *,
    column: str | None,
    detail: str,
    sample_size: int = SAMPLE_SIZE,
) -> list[RuleFailure]:
    """Rows of ``table`` that ``where`` does not select (rule ``partition``): a
    publication that replaces only the rows ``where`` selects must hold only such rows.

    Args:
        column: the column ``where`` is about, named in the failure.
        detail: what the rows should be, in words.
    """
    meta = contract.meta()
    outside = exp.not_(exp.func("COALESCE", exp.paren(where.copy()), exp.false()))
    counted = engine.query_rows(
        exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(table.copy()).where(outside)
    )
    failing = int(counted[0]["n"]) if counted else 0
    if not failing:
        return []
    keys = list(meta.grain) or ([column] if column else [])
    sample: list[object] = []
    if keys:
        sample_rows = engine.query_rows(
            exp.select(*(exp.column(k) for k in keys))
            .from_(table.copy())
            .where(outside.copy())
            .order_by(*(exp.column(k) for k in keys))
            .limit(sample_size)
        )
        sample = [
            row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys) for row in sample_rows
        ]
    return [
        RuleFailure(
            meta.key,
            column,
            Rule.PARTITION,
            failing_rows=failing,
            sample=tuple(sample),
            detail=detail,
        )
    ]


__all__ = [
    "SAMPLE_SIZE",
    "Resolve",
    "check_union",
    "partition_failures",
    "rows_outside",
    "run_checks",
]
