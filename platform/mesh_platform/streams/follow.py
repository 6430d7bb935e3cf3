"""Products that follow a stream incrementally: only the keys a micro-batch touched.

A streamed product (e.g. ``bookings.booking_events``) is appended batch by batch; the
SQL products of its domain computed from it (``bookings.bookings``, then
``bookings.bookings_live``) should follow within seconds, without being rebuilt whole
for every batch. A domain declares, for each such product, a :class:`Follower`: the
product it reads and the key columns the two share, such that a row of the product
depends only on the rows of its input with the same keys (a booking's state on its
events; a village and market's figures on their bookings). After each batch,
:func:`refresh` then, product after product in the order declared:

1. finds the keys touched: those of the input's rows the batch changed, before and
   after the change (a booking moved to another village changes both villages);
2. runs the product's own SQL with its input restricted to those keys
   (:meth:`~mesh_platform.products.sql.SqlProduct.render_split`), so the product's
   rules are written once, in its SQL file;
3. publishes the result through write-audit-publish, replacing only the rows of those
   keys, atomically (:func:`mesh_platform.wap.publish_product` with ``rows=``).

A follower may name a CTE of its query (``rebuild_on``) whose value, when the batch
changes it, makes the refresh rebuild the product whole: the reference day of a moving
window, whose change drops a day from every key. The refresh is idempotent (a
recomputation from the input), so a batch delivered again after a crash refreshes its
keys again and changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from mesh_platform.derive.sqltypes import string_type
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.products.sql import SqlProduct
from mesh_platform.wap import publish_product

log = logging.getLogger(__name__)

Keys = set[tuple[Any, ...]]
"""Values of a follower's key columns."""

KEYS_TABLE_FROM = 50
"""From this many keys (of text columns), they are loaded in a table of the run
and selected with a semi-join, rather than written into every statement."""

STREAM_STAGING = "stream"
"""The staging tables of a stream's publications are named by this, not by the batch:
one batch at a time, so each product's audit is built once
(:func:`mesh_platform.wap_audit.audit_for`)."""

KEY_PREFIX = "_key__"
"""The prefix of the columns of a table of several key columns (and its alias)."""


@dataclass(frozen=True)
class Follower:
    """A SQL product kept up to date with a streamed product, key by key.

    Attributes:
        product: ``domain.product``, a SQL product of the stream's domain.
        reads: the ``domain.product`` it follows (the streamed product, or another
            follower declared before it).
        keys: columns of both: a row of ``product`` depends only on the rows of
            ``reads`` with the same values.
        rebuild_on: a CTE of the product's query whose value, when a batch changes it,
            makes the refresh rebuild the product whole.
    """

    product: str
    reads: str
    keys: tuple[str, ...]
    rebuild_on: str | None = None


@dataclass(frozen=True)
class Refreshed:
    """What the refresh of one follower did after a batch."""

    product: str
    keys: int
    rows: int
    whole: bool
    duration_s: float

    def as_metadata(self) -> dict[str, Any]:
        return {
            "keys_refreshed": self.keys,
            "rows_published": self.rows,
            "rebuilt_whole": self.whole,
            "refresh_duration_s": round(self.duration_s, 3),
        }


def keys_condition(keys: Sequence[str], values: Iterable[tuple[Any, ...]]) -> exp.Condition:
    """Rows whose ``keys`` take one of ``values`` (``FALSE`` for none).

    Example:
        >>> keys_condition(("village_id", "market"), [("VTH", "FR")]).sql()
        '("village_id" = \\'VTH\\' AND "market" = \\'FR\\')'
        >>> keys_condition(("booking_id",), [("BK1",), ("BK2",)]).sql()
        '"booking_id" IN (\\'BK1\\', \\'BK2\\')'
    """
    ordered = sorted(values, key=repr)
    if not ordered:
        return exp.false()
    if len(keys) == 1:
        return exp.In(
            this=exp.column(keys[0], quoted=True), expressions=[_literal(v[0]) for v in ordered]
        )
    # built node by node: the builders copy their operands, quadratic on long lists
    matches = [
        exp.paren(
            exp.and_(
                *(
                    exp.EQ(this=exp.column(k, quoted=True), expression=_literal(x))
                    for k, x in zip(keys, v, strict=True)
                ),
                copy=False,
            ),
            copy=False,
        )
        for v in ordered
    ]
    return exp.or_(*matches, copy=False)


def _literal(value: Any) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def key_values(
    engine: WarehouseEngine, product: str, keys: Sequence[str], where: exp.Condition
) -> Keys:
    """The distinct values of ``keys`` among ``product``'s rows that ``where`` selects."""
    domain, name = product.split(".", 1)
    table = engine.published_table(domain, name)
    if table is None:
        return set()
    query = (
        exp.select(*(exp.column(k, quoted=True) for k in keys))
        .distinct()
        .from_(table)
        .where(where.copy(), copy=False)
    )
    return {tuple(row[k] for k in keys) for row in engine.query_rows(query)}


class Followers:
    """The followers of one streamed product, with their SQL products.

    Args:
        followers: in the order they refresh (a follower after the one it reads).
        products: the SQL products by ``domain.product``.
    """

    def __init__(self, followers: Sequence[Follower], products: Mapping[str, SqlProduct]) -> None:
        for follower in followers:
            product = products.get(follower.product)
            if product is None:
                raise ValueError(f"{follower.product}: a follower must be a SQL product")
            if product.contract.meta().partitioning is not None:
                raise ValueError(f"{follower.product}: a follower cannot be partitioned")
        self.followers = tuple(followers)
        self.products = dict(products)
        self._references: dict[tuple[str, str], exp.Select] = {}

    def references(self, engine: WarehouseEngine) -> dict[str, list[dict[str, Any]]]:
        """The value of every follower's ``rebuild_on`` CTE (taken before a batch)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for follower in self.followers:
            if follower.rebuild_on is not None:
                found[follower.product] = self._cte_value(engine, follower)
        return found

    def _cte_value(self, engine: WarehouseEngine, follower: Follower) -> list[dict[str, Any]]:
        assert follower.rebuild_on is not None
        place = (follower.product, engine.sql(engine.table_for("_", "_")))
        if (select := self._references.get(place)) is None:
            query = self.products[follower.product].render_split(engine.table_for).product
            with_ = query.args.get("with_")
            if with_ is None or follower.rebuild_on not in {c.alias for c in with_.expressions}:
                raise ValueError(
                    f"{follower.product}: its query has no CTE {follower.rebuild_on!r}"
                )
            select = exp.select(exp.Star()).from_(follower.rebuild_on)
            select.set("with_", with_.copy())
            self._references[place] = select
        try:
            return engine.query_rows(select)
        except Exception:  # the product's inputs are not published yet
            return []

    def refresh(
        self,
        engine: WarehouseEngine,
        changed: Mapping[str, exp.Condition],
        *,
        before: Mapping[str, list[dict[str, Any]]],
        run_id: str,
    ) -> list[Refreshed]:
        """Refresh every follower for the rows ``changed`` selects, by product.

        Args:
            changed: per streamed product, the condition selecting the rows the batch
                appended or saw again.
            before: :meth:`references` taken before the batch.
            run_id: the batch's run id.
        """
        changed = dict(changed)
        touched: dict[str, Keys] = {}
        whole: set[str] = set()
        for follower in self.followers:
            if follower.reads in changed:
                touched.setdefault(follower.product, set()).update(
                    key_values(engine, follower.reads, follower.keys, changed[follower.reads])
                )
        done: list[Refreshed] = []
        for follower in self.followers:
            keys = touched.get(follower.product, set())
            rebuild = follower.product in whole or (
                follower.rebuild_on is not None
                and before.get(follower.product) != self._cte_value(engine, follower)
            )
            if not keys and not rebuild:
                continue
            downstream = [f for f in self.followers if f.reads == follower.product]
            condition, table = self._key_set(engine, follower, keys, run_id)
            try:
                for other in downstream:  # the rows as they were: a key may move
                    touched.setdefault(other.product, set()).update(
                        key_values(engine, follower.product, other.keys, condition)
                    )
                done.append(
                    self._publish(
                        engine, follower, None if rebuild else condition, len(keys), run_id
                    )
                )
                for other in downstream:  # the rows as they are
                    touched.setdefault(other.product, set()).update(
                        key_values(engine, follower.product, other.keys, condition)
                    )
            finally:
                if table is not None:
                    engine.drop_table(table)
            if rebuild:
                whole.update(other.product for other in downstream)
        return done

    def _key_set(
        self, engine: WarehouseEngine, follower: Follower, keys: Keys, run_id: str
    ) -> tuple[exp.Condition, exp.Table | None]:
        """The condition selecting ``keys``, and the table of the run holding them, if
        they are many (:data:`KEYS_TABLE_FROM`) and text.

        One key column is selected with ``IN (SELECT ...)``; several with a correlated
        ``EXISTS`` on the table, whose columns are prefixed (:data:`KEY_PREFIX`) so that
        the product's own columns stay the outer query's: a long ``OR`` of ``AND``
        would be copied and rendered in every statement of the refresh.
        """
        if len(keys) < KEYS_TABLE_FROM or not all(
            isinstance(x, str) for value in keys for x in value
        ):
            return keys_condition(follower.keys, keys), None
        domain, name = follower.product.split(".", 1)
        engine.cleanup_staging(domain, f"{name}__keys")  # left by a run killed midway
        table = engine.staging_table_for(domain, f"{name}__keys", run_id)
        single = len(follower.keys) == 1
        names = [k if single else f"{KEY_PREFIX}{k}" for k in follower.keys]
        engine.create_staging(
            exp.Create(
                kind="TABLE",
                this=exp.Schema(
                    this=table.copy(),
                    expressions=[
                        exp.ColumnDef(
                            this=exp.to_identifier(n, quoted=True),
                            kind=string_type(engine.dialect),
                        )
                        for n in names
                    ],
                ),
            )
        )
        ordered = sorted(keys)
        engine.load_arrow(
            table, pa.table({n: [v[i] for v in ordered] for i, n in enumerate(names)})
        )
        if single:
            keys_query = exp.select(exp.column(names[0], quoted=True)).from_(table.copy())
            column = exp.column(follower.keys[0], quoted=True)
            return exp.In(this=column, query=keys_query.subquery(copy=False)), table
        matches = [
            exp.EQ(
                this=exp.column(n, table=KEY_PREFIX, quoted=True),
                expression=exp.column(k, quoted=True),
            )
            for n, k in zip(names, follower.keys, strict=True)
        ]
        found = (
            exp.select("1")
            .from_(exp.alias_(table.copy(), KEY_PREFIX, table=True, quoted=True), copy=False)
            .where(exp.and_(*matches, copy=False), copy=False)
        )
        return exp.Exists(this=found), table

    def _publish(
        self,
        engine: WarehouseEngine,
        follower: Follower,
        condition: exp.Condition | None,
        keys: int,
        run_id: str,
    ) -> Refreshed:
        """Publish ``follower`` for the keys ``condition`` selects (``None``: whole)."""
        started = time.monotonic()
        product = self.products[follower.product]
        contract = product.contract
        domain = contract.meta().domain
        restrict = {} if condition is None else {follower.reads: condition}
        split = product.render_split(engine.table_for, restrict)

        def resolve(on: str, name: str) -> exp.Table | None:
            return engine.published_table(on, name) if on == domain else None

        published = publish_product(
            engine,
            contract,
            select=split.product,
            rows=condition,
            resolve=resolve,
            run_id=run_id,
            stage_as=STREAM_STAGING,
            checksum=False,
            left_out=split.left_out_rows(),
        )
        refreshed = Refreshed(
            product=follower.product,
            keys=keys if condition is not None else published.row_count,
            rows=published.row_count,
            whole=condition is None,
            duration_s=time.monotonic() - started,
        )
        log.info("%s: %s", follower.product, refreshed.as_metadata())
        return refreshed


__all__ = [
    "STREAM_STAGING",
    "Follower",
    "Followers",
    "Refreshed",
    "key_values",
    "keys_condition",
]
