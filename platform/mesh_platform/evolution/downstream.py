"""Everything downstream of a product or of one of its columns, across domains.

From the reads of the mesh (:mod:`mesh_platform.evolution.reads`), transitively: the
products that read the column, the columns of theirs computed from it, then whatever
reads those, and so on. A column a SQL product only joins, filters or groups on is
listed (``how``: ``filters``), but none of that product's columns is computed from it,
so the walk stops there. A Python product's columns are not traced to its inputs: every
one of its columns is taken as computed from what it reads (``*``), and the walk goes on
over every read of it. Asked about a whole product, the walk follows every read.

Example:
    >>> from mesh_platform.evolution.reads import Read
    >>> reads = [
    ...     Read("b.totals", "B", "b@x", "a.lines", "amount", ("total",)),
    ...     Read("b.totals", "B", "b@x", "a.lines", "day"),
    ...     Read("c.model", "C", "c@x", "b.totals", "total", (), "python"),
    ...     Read("d.report", "D", "d@x", "c.model", "score", ("score",)),
    ... ]
    >>> found = downstream(reads, "a.lines", "amount")
    >>> [(d.depth, d.consumer, d.column, d.reads) for d in found]
    [(1, 'b.totals', 'total', 'a.lines.amount'), (2, 'c.model', '*', 'b.totals.total'), \
(3, 'd.report', 'score', 'c.model.score')]
    >>> downstream(reads, "a.lines", "day")[0].how
    'filters'

"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from mesh_platform.evolution.reads import EVERY_COLUMN, Read


@dataclass(frozen=True)
class Downstream:
    """One product column downstream of the one asked about.

    Attributes:
        depth: 1 for a direct consumer, 2 for a consumer of a consumer...
        consumer: the downstream product, ``domain.product``.
        column: its column computed from what it reads (``*``: every column, for a Python
            product; empty when it only filters on it).
        reads: what it reads, ``domain.product.column``.
        how: ``computes`` (its column is computed from it) or ``filters`` (it joins,
            filters or groups on it).
        team: the team owning the consumer.
        contact: how to reach that team.
    """

    depth: int
    consumer: str
    column: str
    reads: str
    how: Literal["computes", "filters"]
    team: str
    contact: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def downstream(reads: Iterable[Read], product: str, column: str | None = None) -> list[Downstream]:
    """What is downstream of ``product`` (of its ``column`` if given), breadth first.

    Args:
        reads: every read of the mesh.
        product: ``domain.product``.
        column: one of its columns, or ``None`` for the whole product.
    """
    by_upstream: dict[str, list[Read]] = {}
    for read in reads:
        if read.consumer != read.upstream:
            by_upstream.setdefault(read.upstream, []).append(read)
    found: dict[tuple[str, str, str], Downstream] = {}
    queue: deque[tuple[str, str | None, int]] = deque([(product, column, 1)])
    seen: set[tuple[str, str | None]] = {(product, column)}
    while queue:
        upstream, wanted, depth = queue.popleft()
        for read in by_upstream.get(upstream, ()):
            if not read.reads(wanted):
                continue
            read_column = wanted if read.column == EVERY_COLUMN and wanted else read.column
            whole = column is None  # a product asked about: follow every read
            for item, follow in _steps(read, whole):
                entry = Downstream(
                    depth,
                    read.consumer,
                    item,
                    f"{upstream}.{read_column}",
                    "computes" if item else "filters",
                    read.team,
                    read.contact,
                )
                found.setdefault((entry.consumer, entry.column, entry.reads), entry)
                if follow is not False and (read.consumer, follow) not in seen:
                    seen.add((read.consumer, follow))
                    queue.append((read.consumer, follow, depth + 1))
    return sorted(found.values(), key=lambda d: (d.depth, d.consumer, d.column, d.reads))


def _steps(read: Read, whole: bool) -> Sequence[tuple[str, str | Literal[False] | None]]:
    """The consumer's columns a read leads to, each with what to follow next (a column,
    ``None`` for every column, ``False`` for nothing)."""
    if read.language == "python":
        return [(EVERY_COLUMN, None)]
    if read.outputs:
        return [(output, None if whole else output) for output in read.outputs]
    return [("", None if whole else False)]


def downstream_by_product(reads: Iterable[Read]) -> Mapping[str, list[Downstream]]:
    """Every product read by another → what is downstream of it (transitively)."""
    reads = list(reads)
    return {key: downstream(reads, key) for key in sorted({r.upstream for r in reads})}
