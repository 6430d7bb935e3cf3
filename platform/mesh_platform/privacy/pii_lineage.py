"""The classification a SQL product's output columns carry from their upstream columns.

A column computed from a PII column is PII too: the lineage of every output column is
walked down to the stored columns it is computed from, and each step says what it does
to the value. The classification of the upstream column is carried unless a step
provably takes the value away:

- a **hash** (``SHA256``, ``MD5``, ``FARM_FINGERPRINT``...) makes a pseudonym, which is
  still personal data under GDPR: at most ``indirect_pii`` is carried;
- a **bucket** (``EXTRACT(YEAR ...)``, a date truncated to the month or coarser, a
  prefix of at most three characters), a **predicate** (``email IS NULL``, ``x = 'y'``:
  a yes or no about the value) or a value that only **steers** (a ``CASE``/``IF``
  condition, a window's partition or order, the ordering key of ``MIN_BY``) carries
  nothing;
- a **count** (``COUNT``, ``COUNT(DISTINCT ...)``, ``COUNTIF``) carries nothing: no value
  of the column survives in it;
- another **aggregate** (``SUM``, ``AVG``...) carries nothing only when the query keeps
  groups at or above the contract's declared minimum group size
  (``privacy=Privacy(min_group_size=k)``) with ``HAVING COUNT(...) >= k``; ``MIN``,
  ``MAX``, ``ANY_VALUE``, ``ARRAY_AGG`` and ``STRING_AGG`` return members' values and
  always carry it.

Every other expression (``LOWER``, ``CONCAT``, ``CASE``, ``CAST``...) carries the
classification as it is.

Example:
    >>> from sqlglot import parse_one
    >>> expression = parse_one("SELECT COUNT(DISTINCT e.mail) AS n FROM e", read="bigquery")
    >>> step_effect(expression.selects[0], "e", "mail", None, None)
    'remove'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage

from mesh_platform.contract import Classification, DataContract, columns_of
from mesh_platform.contract.model import ContractDeclarationError
from mesh_platform.definition import cache
from mesh_platform.definition.reader import AUTHORING_DIALECT, SqlDefinition

Effect = Literal["carry", "pseudonymise", "remove"]

RANK: dict[Classification, int] = {
    Classification.NONE: 0,
    Classification.INDIRECT_PII: 1,
    Classification.DIRECT_PII: 2,
    Classification.SENSITIVE: 3,
}
"""How sensitive each classification is: a column may declare more, never less."""

HASHES: tuple[type[exp.Expr], ...] = (
    exp.SHA,
    exp.SHA2,
    exp.SHA2Digest,
    exp.SHA1Digest,
    exp.MD5,
    exp.MD5Digest,
    exp.FarmFingerprint,
)
COUNTS: tuple[type[exp.Expr], ...] = (exp.Count, exp.CountIf, exp.ApproxDistinct)
MEMBER_VALUES: tuple[type[exp.Expr], ...] = (
    exp.Max,
    exp.Min,
    exp.AnyValue,
    exp.ArrayAgg,
    exp.GroupConcat,
    exp.First,
    exp.Last,
)
COARSE_UNITS = frozenset({"YEAR", "ISOYEAR", "QUARTER", "MONTH"})
PREFIX_BUCKET = 3
"""A prefix this short of a code is a bucket: the department of a postal code, the
market of an account code."""


@dataclass(frozen=True)
class CarriedPii:
    """A classification an output column carries, and the path it comes by.

    Attributes:
        column: the product's output column.
        classification: what it carries.
        path: the columns from the output down to the classified upstream column,
            ``product.column``, then ``cte.column`` steps, then ``domain.product.column``.
    """

    column: str
    classification: Classification
    path: tuple[str, ...]

    def path_text(self) -> str:
        return " ← ".join(self.path)


def _coarse(unit: exp.Expr | None) -> bool:
    return unit is not None and unit.name.upper() in COARSE_UNITS


def _has_min_group(select: exp.Expr | None, min_group_size: int | None) -> bool:
    """Whether ``select`` keeps only groups of at least ``min_group_size`` rows."""
    if min_group_size is None or not isinstance(select, exp.Select):
        return False
    having = select.args.get("having")
    for condition in having.find_all(exp.GTE, exp.GT) if having else ():
        count, bound = condition.this, condition.expression
        if not isinstance(count, exp.Count) or not isinstance(bound, exp.Literal):
            continue
        floor = int(bound.name) + (1 if isinstance(condition, exp.GT) else 0)
        if bound.is_int and floor >= min_group_size:
            return True
    return False


def step_effect(
    projection: exp.Expr,
    table: str,
    column: str,
    select: exp.Expr | None,
    min_group_size: int | None,
    *,
    absent: Effect = "carry",
) -> Effect:
    """What the projection does to the value of ``table.column`` it reads: carry it,
    make a pseudonym of it, or remove it (the worst over the places it is read);
    ``absent`` when the projection does not read it (by default: assume the worst)."""
    worst: Effect = "remove"
    matched = False
    for ref in projection.find_all(exp.Column):
        if ref.name != column or ref.table != table:
            continue
        matched = True
        effect = _ref_effect(ref, projection, select, min_group_size)
        if effect == "carry":
            return "carry"
        if effect == "pseudonymise":
            worst = "pseudonymise"
    return worst if matched else absent


def _ref_effect(
    ref: exp.Column, projection: exp.Expr, select: exp.Expr | None, min_group_size: int | None
) -> Effect:
    """What the expressions around one column reference do to its value."""
    effect: Effect = "carry"
    node: exp.Expr = ref
    while node is not projection and node.parent is not None:
        parent = node.parent
        if isinstance(node, HASHES):
            effect = "pseudonymise"
        elif _removes(node, select, min_group_size):
            return "remove"
        if _only_steers(node, parent):
            return "remove"
        node = parent
    return effect


def _removes(node: exp.Expr, select: exp.Expr | None, min_group_size: int | None) -> bool:
    """Whether ``node`` (around a column) keeps none of the column's value."""
    if isinstance(node, (exp.Predicate, *COUNTS)):
        return True
    if isinstance(node, exp.Extract):
        return _coarse(node.this)
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        return _coarse(node.args.get("unit"))
    if isinstance(node, (exp.Substring, exp.Left)):
        return _short_prefix(node)
    if isinstance(node, exp.AggFunc) and not isinstance(node, MEMBER_VALUES):
        return _has_min_group(select, min_group_size)
    return False


def _only_steers(node: exp.Expr, parent: exp.Expr) -> bool:
    """Whether ``node`` only decides which value ``parent`` returns (a CASE or IF
    condition, a window's partition or order, the ordering key of MIN_BY)."""
    if isinstance(parent, exp.If):
        return node is parent.this
    if isinstance(parent, exp.Window):
        return node is not parent.this
    if isinstance(parent, (exp.ArgMax, exp.ArgMin)):
        return node is not parent.this
    return False


def _short_prefix(node: exp.Expr) -> bool:
    """``SUBSTR(x, 1, n)`` or ``LEFT(x, n)`` with ``n`` <= :data:`PREFIX_BUCKET`."""
    if isinstance(node, exp.Substring):
        start, length = node.args.get("start"), node.args.get("length")
        if not (isinstance(start, exp.Literal) and start.name == "1"):
            return False
    else:
        length = node.expression
    return isinstance(length, exp.Literal) and length.is_int and int(length.name) <= PREFIX_BUCKET


def _apply(effect: Effect, classification: Classification) -> Classification | None:
    if effect == "remove":
        return None
    if effect == "pseudonymise" and RANK[classification] > RANK[Classification.INDIRECT_PII]:
        return Classification.INDIRECT_PII
    return classification


def _split(name: str) -> tuple[str, str]:
    table, _, column = name.rpartition(".")
    return table.strip('"`'), column.strip('"`')


class _Walk:
    """The lineage walk of one product, with the classifications of what it reads."""

    def __init__(
        self, contracts: Mapping[str, type[DataContract]], min_group_size: int | None
    ) -> None:
        self.contracts = contracts
        self.min_group_size = min_group_size
        self._classes: dict[str, dict[str, Classification]] = {}

    def classification(self, table: exp.Table, column: str) -> Classification:
        key = f"{table.db}.{table.name}"
        if key not in self._classes:
            self._classes[key] = _column_classes(self.contracts.get(key))
        return self._classes[key].get(column, Classification.NONE)

    def carried(
        self, node: Node, fields: frozenset[str] | None = None
    ) -> list[tuple[Classification, tuple[str, ...]]]:
        """Every classified upstream column ``node`` carries, with its path below it
        (only through the struct members ``fields`` when the reader reads only those)."""
        projections = _members(node.expression, fields)
        absent: Effect = "remove" if projections else "carry"
        projections = projections or [node.expression]
        found: list[tuple[Classification, tuple[str, ...]]] = []
        for child in node.downstream:
            table, column = _split(child.name)
            effects = [
                step_effect(p, table, column, node.source, self.min_group_size, absent=absent)
                for p in projections
            ]
            effect = min(effects, key=("carry", "pseudonymise", "remove").index)
            if effect == "remove":
                continue
            below: list[tuple[Classification, tuple[str, ...]]]
            if isinstance(child.source, exp.Table) and not child.downstream:
                source = child.source
                label = f"{source.db}.{source.name}.{column}"
                below = [(self.classification(source, column), (label,))]
            else:
                read = _fields_read(node.expression, table, column)
                below = [(c, (child.name, *p)) for c, p in self.carried(child, read)]
            for classification, path in below:
                kept = _apply(effect, classification)
                if kept is not None and kept is not Classification.NONE:
                    found.append((kept, path))
        return found


def _fields_read(projection: exp.Expr, table: str, column: str) -> frozenset[str] | None:
    """The struct members of ``table.column`` the projection reads, when it reads the
    column only through members (``c.address.city``); ``None`` otherwise."""
    fields: set[str] = set()
    for ref in projection.find_all(exp.Column):
        if ref.name != column or ref.table != table:
            continue
        parent = ref.parent
        if not (isinstance(parent, exp.Dot) and parent.this is ref):
            return None
        fields.add(parent.expression.name)
    return frozenset(fields) or None


def _members(projection: exp.Expr, fields: frozenset[str] | None) -> list[exp.Expr]:
    """The members named ``fields`` of a ``STRUCT(...)`` projection, or of the struct a
    ``MIN_BY``, ``MAX_BY`` or ``ANY_VALUE`` picks (empty when the projection is no
    struct or no field is asked for)."""
    struct = projection.this if isinstance(projection, exp.Alias) else projection
    while isinstance(struct, (exp.ArgMin, exp.ArgMax, exp.AnyValue)):
        struct = struct.this
    if fields is None or not isinstance(struct, exp.Struct):
        return []
    return [m for m in struct.expressions if m.alias_or_name in fields]


def carried_pii(
    definition: SqlDefinition,
    contracts: Mapping[str, type[DataContract]],
    min_group_size: int | None = None,
) -> list[CarriedPii]:
    """The most sensitive classification each output column carries, with one path it
    comes by (output columns carrying none are left out).

    A complete reading's result is kept by content (:mod:`mesh_platform.definition.cache`):
    its key is the reading's, the group size and the classifications of the tables it
    reads.
    """
    if not definition.digest:
        return _carried_pii(definition, contracts, min_group_size)
    classes = {
        read.key: {name: c.value for name, c in _column_classes(contracts.get(read.key)).items()}
        for read in definition.tables
    }
    key = cache.digest_of(
        (definition.digest, str(min_group_size), json.dumps(classes, sort_keys=True)),
    )
    return cache.cached(
        "pii", definition.key, key, lambda: _carried_pii(definition, contracts, min_group_size)
    )


def _column_classes(contract: type[DataContract] | None) -> dict[str, Classification]:
    """The classification of each column of ``contract`` (none for a table without one,
    or whose declaration is broken: the lint names that)."""
    try:
        specs = columns_of(contract) if contract else []
    except ContractDeclarationError:
        specs = []
    return {c.name: c.classification for c in specs}


def _carried_pii(
    definition: SqlDefinition,
    contracts: Mapping[str, type[DataContract]],
    min_group_size: int | None,
) -> list[CarriedPii]:
    qualified = definition.qualified
    if not isinstance(qualified, exp.Query) or definition.schema is None:
        return []
    try:
        nodes = lineage(
            None,
            qualified,
            schema=cast(dict[str, object], definition.schema),
            dialect=AUTHORING_DIALECT,
            trim_selects=False,
        )
    except SqlglotError:
        return []
    assert isinstance(nodes, dict)
    walk = _Walk(contracts, min_group_size)
    result: list[CarriedPii] = []
    for name in dict.fromkeys(definition.outputs):
        node = nodes.get(name)
        found = walk.carried(node) if node is not None else []
        if found:
            classification, path = max(found, key=lambda item: RANK[item[0]])
            result.append(CarriedPii(name, classification, (f"{definition.key}.{name}", *path)))
    return result
