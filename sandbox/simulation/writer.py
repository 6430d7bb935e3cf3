"""Writes landing tables into DuckDB, one schema per domain (``landing_<domain>``).

Frames arrive as polars DataFrames and travel to DuckDB through Arrow; big tables
arrive in batches appended to the same table. Statements are built with sqlglot.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import sqlglot.expressions as exp

from mesh_platform.domains import DOMAINS
from sandbox.simulation.scales import Scale


def landing_schema(domain: str) -> str:
    """The landing schema of a domain: ``landing_<domain>``."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r} for a landing table; known: {DOMAINS}")
    return f"landing_{domain}"


class LandingWriter:
    """Creates (or replaces) landing tables and counts their rows.

    A frame is handed to DuckDB ``chunk_rows`` rows at a time (by default, a scale's
    ``write_chunk_rows``), as Arrow in its newest layout: text columns are string views
    over the frame's own buffers, not a copy of them (which, at ``large``, held the 7.5
    million sale lines' forty columns twice). A frame of several parts (``pl.concat``
    without ``rechunk``) is written part after part, never copied into one. The rows,
    and their order, are the same.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        chunk_rows: int = Scale.model_fields["write_chunk_rows"].default,
    ) -> None:
        if chunk_rows < 1:
            raise ValueError(f"LandingWriter: a chunk holds at least one row, not {chunk_rows}")
        self.connection = connection
        self.chunk_rows = chunk_rows
        self.rows: dict[str, int] = {}
        self._schemas: set[str] = set()

    def _ensure_schema(self, schema: str) -> None:
        if schema in self._schemas:
            return
        create = exp.Create(
            this=exp.Table(db=exp.to_identifier(schema, quoted=True)), kind="SCHEMA", exists=True
        )
        self.connection.execute(create.sql(dialect="duckdb"))
        self._schemas.add(schema)

    def write(
        self,
        domain: str,
        table: str,
        frame: pl.DataFrame,
        *,
        computed: dict[str, duckdb.Expression] | None = None,
        drop: tuple[str, ...] = (),
        keep: np.ndarray | None = None,
    ) -> None:
        """Write ``frame`` as ``landing_<domain>.<table>``: created on the first batch of
        this run (replacing an older table), appended to afterwards.

        ``computed`` adds columns evaluated by DuckDB over the frame's columns (e.g.
        a SHA-256), after the frame's own; ``drop`` leaves frame columns out (those
        only needed to compute others); ``keep`` (one boolean a row) writes only the
        rows it marks, filtered a chunk at a time: they are never copied into a frame of
        their own.

        Raises:
            ValueError: a ``keep`` mask that is not one boolean a row of the frame.
        """
        if keep is not None and keep.shape != (frame.height,):
            raise ValueError(
                f"LandingWriter: {domain}.{table} has {frame.height} rows, but its keep "
                f"mask has the shape {keep.shape}"
            )
        if frame.height > self.chunk_rows or keep is not None:
            for offset in range(0, max(frame.height, 1), self.chunk_rows):
                chunk = frame.slice(offset, self.chunk_rows)
                if keep is not None:
                    chunk = chunk.filter(pl.Series(keep[offset : offset + self.chunk_rows]))
                self.write(domain, table, chunk, computed=computed, drop=drop)
            return
        schema = landing_schema(domain)
        qualified = f"{schema}.{table}"
        # Arrow's newest layout: text columns as string views, the frame's own buffers
        # (the default layout copies every text column into Arrow's large strings)
        relation = self.connection.from_arrow(frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        if computed or drop:
            columns = [duckdb.ColumnExpression(name) for name in frame.columns if name not in drop]
            extra = [expression.alias(name) for name, expression in (computed or {}).items()]
            relation = relation.select(*columns, *extra)
        if qualified not in self.rows:
            self._ensure_schema(schema)
            target = exp.Table(
                this=exp.to_identifier(table, quoted=True),
                db=exp.to_identifier(schema, quoted=True),
            )
            statement = exp.Drop(tables=[target], kind="TABLE", exists=True)
            self.connection.execute(statement.sql(dialect="duckdb"))
            relation.create(qualified)
            self.rows[qualified] = 0
        else:
            relation.insert_into(qualified)
        self.rows[qualified] += frame.height
