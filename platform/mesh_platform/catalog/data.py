"""Reading the published products the catalog's pictures are drawn from.

Locally (DuckDB) the catalog reads the published read replica, as ``mesh query`` does:
one consistent state, without waiting for a build that is publishing. On BigQuery it
reads the published tables through the engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import pandas as pd
from sqlglot import exp

from mesh_platform.engines.factory import get_engine
from mesh_platform.engines.replica import open_snapshot, read_manifest
from mesh_platform.settings import EngineName, MeshSettings


class PublishedData(Protocol):
    """The published rows of a product, or ``None`` when it is not published."""

    def __call__(self, key: str, columns: Sequence[str]) -> pd.DataFrame | None: ...


def _select(schema: str, table: str, columns: Sequence[str]) -> exp.Select:
    return exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(
        exp.table_(table, db=schema, quoted=True)
    )


@contextmanager
def published_data(settings: MeshSettings) -> Iterator[PublishedData]:
    """A reader of the published products for the environment of ``settings``."""
    if settings.engine_name is EngineName.DUCKDB:
        root = settings.published_dir
        manifest = read_manifest(root)
        with open_snapshot(root, threads=settings.duckdb_threads) as snapshot:

            def read_replica(key: str, columns: Sequence[str]) -> pd.DataFrame | None:
                entry = manifest.products.get(key)
                if entry is None:
                    return None
                query = _select(entry.schema, entry.table, columns).sql("duckdb")
                return snapshot.connection.execute(query).df()

            yield read_replica
        return
    engine = get_engine(settings)

    def read_engine(key: str, columns: Sequence[str]) -> pd.DataFrame | None:
        domain, product = key.split(".", 1)
        if engine.published_table(domain, product) is None:
            return None
        return engine.read_product(domain, product, columns=list(columns))

    yield read_engine
