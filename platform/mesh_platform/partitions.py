"""Partitions: what one run publishes, the partition calendar, and the rows of a partition.

A partitioned product is published one partition (or one range of partitions, in a
single backfill run) at a time. What a run publishes is a :class:`PartitionRange`,
built once from Dagster's partition key range and handed as that value to
write-audit-publish, which turns it into a SQL condition for the engine.

The calendar of each kind of partitioning:

* ``season``: one key per season (``"2023-24"``), read from the mesh's one season
  calendar (:func:`~mesh_platform.contract.calendar.season_calendar`); the rows of a
  season are those whose column equals the key;
* ``daily`` and ``monthly``: one key per day or month from the contract's start date;
  the rows of a partition are a half-open date range, so that DATE and TIMESTAMP
  columns work alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from mesh_platform.contract import DataContract, LogicalType, column_map
from mesh_platform.contract.calendar import season_calendar
from mesh_platform.derive.ddl import column_types
from mesh_platform.derive.sqltypes import Dialect

if TYPE_CHECKING:
    import dagster as dg

SEASONS_BACK = 6
"""Season partitions reach this many seasons back from the current one."""

RANGE_SEPARATOR = ".."
"""How a range of partitions is written: ``first..last``, both included."""


@dataclass(frozen=True)
class PartitionRange:
    """What one run publishes: one partition, or a range of them (both ends included).

    Attributes:
        first: the first partition key.
        last: the last partition key (``first`` for a single partition).

    Example:
        >>> PartitionRange.one("2023-24")
        PartitionRange(first='2023-24', last='2023-24')
        >>> str(PartitionRange("2024-01-01", "2024-03-01"))
        '2024-01-01..2024-03-01'
        >>> PartitionRange.parse("2024-01-01..2024-03-01") == PartitionRange(
        ...     "2024-01-01", "2024-03-01")
        True
    """

    first: str
    last: str

    def __post_init__(self) -> None:
        for key in (self.first, self.last):
            if not key or RANGE_SEPARATOR in key:
                raise ValueError(f"{key!r} is not a partition key")

    @classmethod
    def one(cls, key: str) -> PartitionRange:
        """The single partition ``key``."""
        return cls(key, key)

    @classmethod
    def from_dagster(cls, key_range: dg.PartitionKeyRange) -> PartitionRange:
        """The partitions of a Dagster run (``context.partition_key_range``)."""
        return cls(key_range.start, key_range.end)

    @classmethod
    def parse(cls, text: str) -> PartitionRange:
        """A key (``"2023-24"``) or a range written ``first..last``, as :func:`str` writes it."""
        first, separator, last = text.partition(RANGE_SEPARATOR)
        return cls(first, last if separator else first)

    @property
    def is_single(self) -> bool:
        """Whether the run publishes one partition only."""
        return self.first == self.last

    def __str__(self) -> str:
        return self.first if self.is_single else f"{self.first}{RANGE_SEPARATOR}{self.last}"


# --- the calendar ---------------------------------------------------------------------------


def season_keys(today: dt.date, back: int = SEASONS_BACK) -> list[str]:
    """The season partition keys: the season of ``today`` and ``back`` seasons before it.

    Example:
        >>> season_keys(dt.date(2024, 11, 3), back=2)
        ['2022-23', '2023-24', '2024-25']
    """
    calendar = season_calendar()
    current = calendar.start_year(today.year, today.month)
    return [calendar.label(year) for year in range(current - back, current + 1)]


def partitions_definition(
    contract: type[DataContract], today: dt.date | None = None
) -> dg.PartitionsDefinition | None:
    """The Dagster partitions of a partitioned product (``None`` when it is not)."""
    import dagster as dg

    spec = contract.meta().partitioning
    if spec is None:
        return None
    if spec.kind == "season":
        return dg.StaticPartitionsDefinition(season_keys(today or dt.date.today()))
    if spec.kind == "daily":
        return dg.DailyPartitionsDefinition(start_date=spec.start.isoformat())
    return dg.MonthlyPartitionsDefinition(start_date=spec.start.replace(day=1).isoformat())


def period_start(key: str, kind: str) -> dt.date:
    """The first day of the daily or monthly partition ``key``.

    Example:
        >>> period_start("2024-02", "monthly"), period_start("2024-02-17", "monthly")
        (datetime.date(2024, 2, 1), datetime.date(2024, 2, 1))
    """
    if kind == "monthly" and len(key) == 7:
        return dt.date.fromisoformat(f"{key}-01")
    start = dt.date.fromisoformat(key[:10])
    return start.replace(day=1) if kind == "monthly" else start


def next_period(start: dt.date, kind: str) -> dt.date:
    """The first day of the daily or monthly partition after the one starting on ``start``.

    Example:
        >>> next_period(dt.date(2024, 12, 1), "monthly"), next_period(dt.date(2024, 2, 29), "daily")
        (datetime.date(2025, 1, 1), datetime.date(2024, 3, 1))
    """
    if kind == "monthly":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


# --- the rows of a partition ----------------------------------------------------------------


def partition_predicate(
    contract: type[DataContract],
    partitions: PartitionRange,
    column_type: exp.DataType | None = None,
) -> exp.Condition:
    """The rows of some partitions of a partitioned product, as a SQL condition.

    ``season`` partitions compare the column with the key; ``daily`` and ``monthly``
    ones select a half-open date range, so they work on DATE and TIMESTAMP columns.
    ``column_type`` is the column's type in the engine (from the contract's DDL); the
    bounds are cast to it. A range selects every partition from first to last.

    Example:
        >>> from mesh_platform.contract import Partitioning, column
        >>> class Night(DataContract, domain="demo", product="nights", register=False,
        ...             partitioning=Partitioning(column="night", kind="monthly")):
        ...     night: dt.date = column("Night of stay.")
        >>> partition_predicate(Night, PartitionRange.one("2024-02-01")).sql("duckdb")
        "night >= CAST('2024-02-01' AS DATE) AND night < CAST('2024-03-01' AS DATE)"
        >>> partition_predicate(Night, PartitionRange("2024-02-01", "2024-04-01")).sql("duckdb")
        "night >= CAST('2024-02-01' AS DATE) AND night < CAST('2024-05-01' AS DATE)"
    """
    meta = contract.meta()
    spec = meta.partitioning
    if spec is None:
        raise ValueError(
            f"{meta.key}: not partitioned, cannot publish partition {str(partitions)!r}"
        )
    column = column_map(contract)[spec.column]
    target = exp.column(spec.column)
    first, last = partitions.first, partitions.last
    if spec.kind == "season" or column.logical_type not in (
        LogicalType.DATE,
        LogicalType.TIMESTAMP,
    ):
        if first == last:
            return exp.EQ(this=target, expression=_literal(first, column.logical_type))
        return exp.and_(
            exp.GTE(this=target, expression=_literal(first, column.logical_type)),
            exp.LTE(this=target.copy(), expression=_literal(last, column.logical_type)),
        )
    start = _start(first, spec.kind, meta.key)
    end = next_period(_start(last, spec.kind, meta.key), spec.kind)
    kind = column_type or exp.DataType.build(
        "DATE" if column.logical_type is LogicalType.DATE else "TIMESTAMP"
    )

    def bound(day: dt.date) -> exp.Cast:
        return exp.cast(exp.Literal.string(day.isoformat()), kind.copy())

    return exp.and_(
        exp.GTE(this=target, expression=bound(start)),
        exp.LT(this=target.copy(), expression=bound(end)),
    )


def partition_condition(
    contract: type[DataContract], partitions: PartitionRange, dialect: Dialect
) -> exp.Condition:
    """:func:`partition_predicate` with the bounds cast to the column's type in ``dialect``."""
    spec = contract.meta().partitioning
    kind = column_types(contract, dialect).get(spec.column) if spec else None
    return partition_predicate(contract, partitions, kind)


def _literal(value: str, logical: LogicalType) -> exp.Expression:
    if logical is LogicalType.INTEGER:
        return exp.Literal.number(int(value))
    if logical is LogicalType.FLOAT:
        return exp.Literal.number(float(value))
    return exp.Literal.string(value)


def _start(key: str, kind: str, product: str) -> dt.date:
    try:
        return period_start(key, kind)
    except ValueError:
        raise ValueError(f"{product}: partition key {key!r} is not a date") from None
