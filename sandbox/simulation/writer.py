"""Writes landing tables into DuckDB, one schema per domain (``landing_<domain>``).

Frames arrive as polars DataFrames and travel to DuckDB through Arrow; big tables
arrive in batches appended to the same table. Statements are built with sqlglot.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import polars as pl
import sqlglot.expressions as exp

from mesh_platform.domains import DOMAINS
from sandbox.simulation.scales import Scale

CHUNK_BYTES = 128 * 2**20
"""At most this much of a frame (:func:`frame_bytes`) is built or handed to DuckDB at a
time: a wide frame is written in fewer rows than ``chunk_rows`` (at ``large``, a chunk
of the CRM extract's 48 columns, filtered, then in Arrow and in DuckDB's insert, held
1.4 GB)."""

SAMPLE_ROWS = 10_000
"""Rows a producer that builds its frame a chunk at a time builds first, to size its
chunks (:meth:`LandingWriter.chunk_rows_for`)."""

VIEW_BYTES = 16
"""Bytes of a text value's view (polars' string layout), whatever its length."""


def frame_bytes(frame: pl.DataFrame) -> int:
    """The bytes ``frame`` holds: polars' estimate, plus each text value's view, which
    the estimate leaves out (16 bytes a value: most of a short code's size)."""
    text = sum(1 for dtype in frame.dtypes if dtype in {pl.String, pl.Binary})
    return int(frame.estimated_size()) + VIEW_BYTES * frame.height * text


def landing_schema(domain: str) -> str:
    """The landing schema of a domain: ``landing_<domain>``."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r} for a landing table; known: {DOMAINS}")
    return f"landing_{domain}"


class LandingWriter:
    """Creates (or replaces) landing tables and counts their rows.

    A frame is handed to DuckDB ``chunk_rows`` rows at a time (by default, a scale's
    ``write_chunk_rows``), fewer when they would exceed ``chunk_bytes``, as Arrow in its
    newest layout: text columns are string views over the frame's own buffers, not a
    copy of them (which, at ``large``, held the 7.5 million sale lines' forty columns
    twice); categorical columns are written as text. A frame of several parts
    (``pl.concat`` without ``rechunk``) is written part after part, never copied into
    one. The rows, and their order, are the same.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        chunk_rows: int = Scale.model_fields["write_chunk_rows"].default,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        if chunk_rows < 1:
            raise ValueError(f"LandingWriter: a chunk holds at least one row, not {chunk_rows}")
        if chunk_bytes < 1:
            raise ValueError(f"LandingWriter: a chunk holds at least one byte, not {chunk_bytes}")
        self.connection = connection
        self.chunk_rows = chunk_rows
        self.chunk_bytes = chunk_bytes
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
        rows = self.rows_per_chunk(frame)
        for offset in range(0, max(frame.height, 1), rows):
            chunk = frame.slice(offset, rows)
            if keep is not None:
                chunk = chunk.filter(pl.Series(keep[offset : offset + rows]))
            self._append(domain, table, chunk, computed=computed, drop=drop)

    def rows_per_chunk(self, sample: pl.DataFrame) -> int:
        """Rows of frames like ``sample`` (the frame itself, or its first rows) built or
        handed to DuckDB at a time: ``chunk_rows``, or fewer, so that a chunk holds at
        most ``chunk_bytes`` (:func:`frame_bytes`)."""
        size = frame_bytes(sample)
        if not size:
            return self.chunk_rows
        return max(1, min(self.chunk_rows, self.chunk_bytes * sample.height // size))

    def chunk_rows_for(self, build: Callable[[np.ndarray], pl.DataFrame], rows: int) -> int:
        """Rows a producer builds at a time, for a frame of ``rows`` rows that it builds
        a chunk at a time (``build(positions)``): :meth:`rows_per_chunk` of its first
        :data:`SAMPLE_ROWS` rows, built once for this."""
        return self.rows_per_chunk(build(np.arange(min(rows, SAMPLE_ROWS))))

    def _append(
        self,
        domain: str,
        table: str,
        frame: pl.DataFrame,
        *,
        computed: dict[str, duckdb.Expression] | None,
        drop: tuple[str, ...],
    ) -> None:
        """Create the table from ``frame`` (its first batch of this run) or append it."""
        schema = landing_schema(domain)
        qualified = f"{schema}.{table}"
        if any(dtype == pl.Categorical for dtype in frame.dtypes):  # held as such: text
            frame = frame.with_columns(pl.col(pl.Categorical).cast(pl.String))
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
