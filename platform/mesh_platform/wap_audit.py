"""The audit of write-audit-publish: a staging table against its contract's checks.

:func:`run_checks` runs every in-warehouse check of the contract on a staging table in
one round trip (:func:`check_union`), from an audit built and rendered once per
contract, engine and table (:func:`audit_for`: a stream's consumer audits the same
staging tables batch after batch); :func:`partition_failures` and
:func:`rows_outside` check that a publication of part of a product (some partitions,
some keys) holds only rows of that part, since publishing replaces exactly that part.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

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


@dataclass(frozen=True)
class Audit:
    """A contract's checks on one table, and their union rendered by one engine.

    Attributes:
        checks: the check queries, in :func:`check_union`'s order.
        sql: their union, as the engine runs it.
    """

    checks: tuple[CheckQuery, ...]
    sql: str


AUDIT_CACHE_SIZE = 256
"""Audits kept (a contract on a table, with its references): a stream's consumer audits
the same few staging tables batch after batch."""

_audits: OrderedDict[tuple[Any, ...], Audit] = OrderedDict()
_asked: OrderedDict[tuple[Any, ...], tuple[tuple[str, str], ...]] = OrderedDict()
"""What the checks of a contract on a table asked ``resolve`` about, when built."""
_audits_lock = threading.Lock()


def audit_for(
    engine: WarehouseEngine,
    contract: type[DataContract],
    table: exp.Table,
    resolve: Resolve,
    *,
    sample_size: int = SAMPLE_SIZE,
) -> Audit:
    """The audit of ``contract`` on ``table``, built and rendered once, then reused.

    Building the checks with sqlglot and rendering their union costs more than
    running them on a micro-batch, so the rendered audit is kept, keyed by what it
    is made of: the contract, the engine (its dialect and renderer), the table, the
    sample size, and the tables ``resolve`` gives for every product the checks asked
    it about when they were built (references...). Those are resolved again on every
    call, so that a product published since is checked.
    """
    base = (contract, engine.name, engine.dialect, engine.sql(table), sample_size)
    with _audits_lock:
        asked_before = _asked.get(base)
    located: dict[tuple[str, str], exp.Table | None] = {}
    if asked_before is not None:
        located = {target: resolve(*target) for target in asked_before}
        key = (base, _rendered(engine, located))
        with _audits_lock:
            if (cached := _audits.get(key)) is not None:
                _audits.move_to_end(key)
                return cached

    def recorded(domain: str, product: str) -> exp.Table | None:
        target = (domain, product)
        if target not in located:
            located[target] = resolve(domain, product)
        asked.append(target)
        return located[target]

    asked: list[tuple[str, str]] = []
    checks = check_queries(
        contract, engine.dialect, table, resolve=recorded, sample_size=sample_size
    )
    audit = Audit(tuple(checks), engine.sql(check_union(checks)) if checks else "")
    used = {target: located[target] for target in dict.fromkeys(asked)}
    with _audits_lock:
        _asked[base] = tuple(used)
        _audits[(base, _rendered(engine, used))] = audit
        for kept in (_audits, _asked):
            while len(kept) > AUDIT_CACHE_SIZE:
                kept.popitem(last=False)
    return audit


def _rendered(
    engine: WarehouseEngine, located: dict[tuple[str, str], exp.Table | None]
) -> tuple[tuple[str, str, str | None], ...]:
    return tuple(
        (domain, product, None if found is None else engine.sql(found))
        for (domain, product), found in located.items()
    )


def clear_audits() -> None:
    """Forget every audit kept (a contract redefined in the same process)."""
    with _audits_lock:
        _audits.clear()
        _asked.clear()


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
    published is not checked). The checks run in one round trip, from the audit
    built once per contract and table (:func:`audit_for`).
    """
    audit = audit_for(
        engine, contract, table, resolve or engine.published_table, sample_size=sample_size
    )
    if not audit.checks:
        return []
    rows = {int(row[_CHECK_INDEX]): row for row in engine.query_rows(audit.sql)}
    return [CheckResult.from_row(check, rows[i]) for i, check in enumerate(audit.checks)]


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
    "AUDIT_CACHE_SIZE",
    "SAMPLE_SIZE",
    "Audit",
    "Resolve",
    "audit_for",
    "check_union",
    "clear_audits",
    "partition_failures",
    "rows_outside",
    "run_checks",
]
