"""The floor: the raw cost of the work a build does, with nothing around it.

The landing simulation, then every product in dependency order: a SQL product's query
(its rows, as the platform renders it) as one ``CREATE TABLE ... AS`` and its contract
checks as one query, plain statements in one DuckDB connection; a Python product's
function called bare on its inputs read from that connection, its frame written as a
table and checked the same way. No Dagster, no staging table, no accounting, no
lineage, no replica: what is left when every overhead is gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from sqlglot import exp

from mesh_platform.derive.checks import check_queries
from mesh_platform.domains import DOMAINS
from mesh_platform.engines.base import read_query
from mesh_platform.engines.duckdb import configure_session
from mesh_platform.engines.frames import read_batches as read_batches_of
from mesh_platform.engines.frames import read_frame
from mesh_platform.engines.heap import map_large_arrays
from mesh_platform.products.python import PythonProduct, split_output
from mesh_platform.products.sql import SqlProduct
from mesh_platform.settings import get_settings
from mesh_platform.wap import check_union
from sandbox.bench.figures import LANDING, StepFigure
from sandbox.bench.memory import peak_rss, reset_peak

Product = SqlProduct | PythonProduct
T = TypeVar("T")


def mesh_products(domains: Iterable[str] = DOMAINS) -> list[Product]:
    """Every product of ``domains``, upstream before downstream (then by name)."""
    from mesh_platform.location import domain_products

    return dependency_order({p.contract.meta().key: p for d in domains for p in domain_products(d)})


def dependency_order(products: Mapping[str, T]) -> list[T]:
    """``products`` (by ``domain.product``, each with its ``upstream_products``),
    upstream before downstream, then by name; upstreams outside ``products`` are taken
    as there already.

    Raises:
        ValueError: products read each other in a cycle (naming them).
    """
    ordered: list[T] = []
    done: set[str] = set()
    pending = sorted(products)
    while pending:
        ready = [
            key
            for key in pending
            if all(
                u in done or u not in products or u == key
                for u in products[key].upstream_products  # type: ignore[attr-defined]
            )
        ]
        if not ready:
            raise ValueError("products read each other in a cycle: " + ", ".join(pending))
        ordered.extend(products[key] for key in ready)
        done.update(ready)
        pending = [key for key in pending if key not in done]
    return ordered


def _table(schema: str, name: str) -> exp.Table:
    return exp.table_(name, db=schema, quoted=True)


class Floor:
    """The floor's one DuckDB connection and the products it has written."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.written: set[tuple[str, str]] = set()

    def run(self, sql: exp.Expr | str) -> duckdb.DuckDBPyConnection:
        text = sql if isinstance(sql, str) else sql.sql(dialect="duckdb", identify=True)
        return self.connection.execute(text)

    def resolve(self, domain: str, product: str) -> exp.Table | None:
        """A referenced product's table, once written (as the build's checks see it)."""
        return _table(domain, product) if (domain, product) in self.written else None

    def product(self, product: Product) -> int:
        """Write one product and run its checks; its row count."""
        meta = product.contract.meta()
        target = _table(meta.domain, meta.product)
        self.run(f'CREATE SCHEMA IF NOT EXISTS "{meta.domain}"')
        if isinstance(product, SqlProduct):
            query = product.render(_table)
            self.run(exp.Create(this=target, kind="TABLE", expression=query, replace=True))
        else:
            frame = self.python_frame(product)
            self.connection.register("_floor_frame", frame)
            try:
                table = target.sql("duckdb", identify=True)
                self.run(f"CREATE OR REPLACE TABLE {table} AS FROM _floor_frame")
            finally:
                self.connection.unregister("_floor_frame")
        self.written.add((meta.domain, meta.product))
        checks = check_queries(product.contract, "duckdb", target, resolve=self.resolve)
        if checks:
            self.run(check_union(checks)).fetchall()
        counted = self.run(exp.select(exp.func("COUNT", exp.Star())).from_(target)).fetchone()
        return int(counted[0]) if counted else 0

    def python_frame(self, product: PythonProduct) -> Any:
        """The frame the product's function returns, called on its inputs read as the
        platform reads them (the columns it names, in a total order, through the
        engine's compact conversion, freed pages given back; a deferred input when the
        function reads it)."""
        from mesh_platform.products.asset import _as_kind, input_order

        if product.takes_partition:
            raise ValueError(
                f"{product.contract.meta().key}: the floor cannot call a function that "
                "takes a partition"
            )

        def query(name: str, upstream: str) -> str:
            columns = product.columns.get(name)
            domain, table = upstream.split(".", 1)
            order = input_order(upstream, columns, product.order.get(name))
            select = read_query(_table(domain, table), columns=columns, order_by=order)
            return select.sql(dialect="duckdb", identify=True)

        def read(name: str, upstream: str) -> Any:
            frame = read_frame(self.connection, query(name, upstream), get_settings())
            return _as_kind(frame, product.frame)

        def read_batches(name: str, upstream: str, rows: int) -> Iterator[Any]:
            sql = query(name, upstream)
            for batch in read_batches_of(self.connection, sql, get_settings(), rows=rows):
                yield _as_kind(batch, product.frame)

        frames = product.input_values(read, read_batches)
        map_large_arrays()
        frame, _ = split_output(product(**frames))
        return frame


def run_floor(
    scale: str,
    seed: int,
    warehouse: Path,
    *,
    threads: int,
    on_step: Callable[[str, StepFigure], None] | None = None,
) -> dict[str, StepFigure]:
    """Simulate the landing zone into ``warehouse`` and write every product there, each
    step measured; the figures per step (``landing`` first)."""
    from sandbox.simulation import simulate

    products = mesh_products()
    steps: dict[str, StepFigure] = {}

    def measured(name: str, work: Callable[[], int | None]) -> None:
        reset_peak()
        started = time.perf_counter()
        rows = work()
        figure = StepFigure(wall_s=time.perf_counter() - started, peak_rss=peak_rss(), rows=rows)
        steps[name] = figure
        if on_step:
            on_step(name, figure)

    with duckdb.connect(str(warehouse)) as connection:
        # the build's session: its threads and its memory limit (DuckDB's own default,
        # 80% of the machine, plus the models' frames would not fit at large)
        configure_session(
            connection, threads=threads, memory_limit=get_settings().duckdb_memory_limit
        )
        floor = Floor(connection)
        measured(LANDING, lambda: sum(simulate(connection, scale=scale, seed=seed).tables.values()))
        for product in products:
            measured(product.contract.meta().key, lambda p=product: floor.product(p))  # type: ignore[misc]
    return steps
