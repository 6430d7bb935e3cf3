"""DuckDB, the local engine: one file, one schema per domain.

DuckDB lets one process at a time open a file for writing, and several code
locations (separate processes) may materialise at once. Writers therefore take an
exclusive OS lock on a file next to the database (``<warehouse>.lock``) for the
whole of a write-audit-publish, and readers a shared one; opening the database is
retried with backoff when a process outside the platform holds it. Connections are
short-lived: opened for one session, closed at its end, so nobody is blocked longer
than one publication.

Consumers in other processes do not open the database file at all: every
publication is exported to the published read replica
(:mod:`mesh_platform.engines.replica`), which they read without waiting for writers.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from mesh_platform.engines import replica
from mesh_platform.engines.base import (
    WarehouseEngine,
    WarehouseError,
    WarehouseLockTimeout,
    checksum_of,
    drop_statement,
    sanitize_run_id,
)
from mesh_platform.engines.frames import read_batches, read_frame
from mesh_platform.settings import EngineName, MeshSettings

if TYPE_CHECKING:  # pandas and Arrow are loaded only where frames are read or loaded
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

_FRAME_VIEW = "__mesh_frame"


def _is_lock_error(error: BaseException) -> bool:
    """Whether DuckDB failed because another process holds the database file."""
    message = str(error).lower()
    return isinstance(error, duckdb.IOException | duckdb.ConnectionException) and (
        "lock" in message or "resource temporarily unavailable" in message
    )


class _Session(threading.local):
    connection: duckdb.DuckDBPyConnection | None = None
    write: bool = False


class DuckDBEngine(WarehouseEngine):
    """The DuckDB warehouse in ``settings.warehouse_path``.

    Args:
        settings: the settings in force (default :func:`get_settings`).
        path: the database file (default ``settings.warehouse_path``).
        replica_dir: its published read replica (default ``settings.published_dir``).
        lock_timeout: seconds to wait for another process's publication to end.
        busy_timeout: seconds to keep retrying when a process outside the platform
            holds the database file open.
    """

    name = EngineName.DUCKDB
    dialect = "duckdb"

    def __init__(
        self,
        settings: MeshSettings | None = None,
        *,
        path: Path | None = None,
        replica_dir: Path | None = None,
        lock_timeout: float = 900.0,
        busy_timeout: float = 120.0,
    ) -> None:
        super().__init__(settings)
        self.path = Path(path or self.settings.warehouse_path)
        self.replica_dir = Path(replica_dir or self.settings.published_dir)
        self.lock_timeout = lock_timeout
        self.busy_timeout = busy_timeout
        self._local = _Session()

    @property
    def lock_path(self) -> Path:
        """The OS lock file that serialises writers across processes."""
        return self.path.with_name(f"{self.path.name}.lock")

    def describe(self) -> str:
        return f"duckdb:{self.path}"

    # -- sessions

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[DuckDBEngine]:
        """Hold the lock and one connection for the operations inside.

        A write session takes the exclusive lock; a read session a shared one (and a
        read-only connection), so readers wait only for a publication in progress.
        Sessions nest: an inner session reuses the outer connection.
        """
        if self._local.connection is not None:
            if write and not self._local.write:
                raise WarehouseError(f"{self.describe()}: cannot write inside a read session")
            yield self
            return
        read_only = not write and self.path.exists()
        with self._file_lock(exclusive=not read_only):
            connection = self._connect(read_only=read_only)
            self._local.connection = connection
            self._local.write = not read_only
            try:
                yield self
            finally:
                self._local.connection = None
                self._local.write = False
                connection.close()

    @contextmanager
    def connection(self, *, write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """The session's DuckDB connection, for bulk work such as the landing simulation."""
        with self.session(write=write):
            connection = self._local.connection
            assert connection is not None
            yield connection

    @contextmanager
    def _file_lock(self, *, exclusive: bool) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.02
            waited = False
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseLockTimeout(
                            f"{self.describe()}: waited {self.lock_timeout:.0f} s for another "
                            f"process to finish writing (lock file {self.lock_path}); it may be "
                            "stuck: check the other materialisations, or raise the wait"
                        ) from None
                    if not waited:
                        log.info("%s: waiting for another process's publication", self.describe())
                        waited = True
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.05
        while True:
            try:
                connection = duckdb.connect(str(self.path), read_only=read_only)
                break
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseLockTimeout(
                        f"{self.describe()}: the database file stayed locked by another "
                        f"program for {self.busy_timeout:.0f} s (close other DuckDB sessions "
                        f"on it): {exc}"
                    ) from exc
                log.warning(
                    "%s: database file busy, retrying in %.2f s: %s", self.describe(), delay, exc
                )
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        configure_session(
            connection,
            threads=self.settings.duckdb_threads,
            memory_limit=self.settings.duckdb_memory_limit,
        )
        return connection

    # -- raw SQL

    def _run(self, connection: duckdb.DuckDBPyConnection, statement: exp.Expr | str) -> None:
        connection.execute(self.sql(statement))

    def ensure_schema(self, domain: str) -> None:
        statement = exp.Create(
            this=exp.Table(this=exp.to_identifier(self.schema_for(domain), quoted=True)),
            kind="SCHEMA",
            exists=True,
        )
        with self.connection(write=True) as connection:
            self._run(connection, statement)

    def execute(self, statement: exp.Expr | str) -> None:
        with self.connection(write=True) as connection:
            run_within_buffers(
                connection, self.sql(statement), threads=self.settings.duckdb_threads
            )

    def query_rows(self, query: exp.Expr | str) -> list[dict[str, Any]]:
        with self.connection(write=False) as connection:
            cursor = connection.execute(self.sql(query))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_frame(self, query: exp.Expr | str) -> pd.DataFrame:
        with self.connection(write=False) as connection:
            return read_frame(connection, self.sql(query), self.settings)

    def query_batches(self, query: exp.Expr | str, *, rows: int) -> Iterator[pd.DataFrame]:
        # the read session (its shared lock) is held until the last batch is taken
        with self.connection(write=False) as connection:
            yield from read_batches(connection, self.sql(query), self.settings, rows=rows)

    def table_exists(self, table: exp.Table) -> bool:
        if not self.path.exists():
            return False
        query = (
            exp.select(exp.func("COUNT", exp.Star()).as_("n"))
            .from_(exp.table_("tables", db="information_schema"))
            .where(
                exp.and_(
                    exp.column("table_schema").eq(exp.Literal.string(table.db)),
                    exp.column("table_name").eq(exp.Literal.string(table.name)),
                )
            )
        )
        return bool(self.query_rows(query)[0]["n"])

    def list_tables(self, schema: str) -> list[str]:
        if not self.path.exists():
            return []
        query = (
            exp.select("table_name")
            .from_(exp.table_("tables", db="information_schema"))
            .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
            .order_by("table_name")
        )
        return [row["table_name"] for row in self.query_rows(query)]

    def drop_table(self, table: exp.Table) -> None:
        self.execute(drop_statement(table))

    # -- writing

    def load_arrow(self, table: exp.Table, rows: pa.Table) -> None:
        names = list(rows.column_names)
        insert = exp.insert(
            exp.select(*(exp.column(name, quoted=True) for name in names)).from_(_FRAME_VIEW),
            table.copy(),
            columns=names,
        )
        with self.connection(write=True) as connection:
            connection.register(_FRAME_VIEW, rows)
            try:
                self._run(connection, insert)
            finally:
                connection.unregister(_FRAME_VIEW)

    # -- publishing

    def replace_table(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        create: Sequence[exp.Expr],
        insert: exp.Insert,
        swap: Sequence[exp.Expr] | None = None,
    ) -> None:
        """One transaction: drop the target and rename staging in its place (``swap``),
        else create the target anew, fill it and drop staging.

        The published table has the contract's exact DDL (NOT NULL and all) either
        way; a crash before COMMIT leaves it as it was. Renaming copies no row.
        """
        if swap is not None:
            self._transaction(swap)
        else:
            self._transaction([*create, insert, drop_statement(staging)])

    def replace_rows(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        where: exp.Condition,
        insert: exp.Insert,
    ) -> None:
        """One transaction: delete the rows ``where`` selects, insert, drop staging."""
        delete = exp.delete(target.copy(), where=where.copy())
        self._transaction([delete, insert, drop_statement(staging)])

    def _transaction(self, statements: Sequence[exp.Expr]) -> None:
        with self.connection(write=True) as connection:
            connection.begin()
            try:
                for statement in statements:
                    self._run(connection, statement)
                connection.commit()
            except BaseException:
                connection.rollback()
                raise

    # -- the published read replica

    def publish_replica(self, domain: str, product: str, run_id: str) -> None:
        """Export the published table to a new Parquet file and swap it into the manifest.

        Runs in the writer's session, after the publication committed. A failure here
        leaves readers on the product's previous replica (the table itself is
        published); the product's next publication exports it again.
        """
        table = self.table_for(domain, product)
        final = replica.new_replica_file(self.replica_dir, domain, product, sanitize_run_id(run_id))
        partial = replica.partial_path(final)
        try:
            with self.connection(write=True) as connection:
                query = self.sql(exp.select(exp.Star()).from_(table.copy()))
                connection.sql(query).write_parquet(str(partial), compression="zstd")
                rows = _parquet_rows(connection, partial)
            os.replace(partial, final)
            entry = replica.ReplicaEntry(
                product=f"{domain}.{product}",
                schema=self.schema_for(domain),
                table=product,
                file=final.relative_to(self.replica_dir).as_posix(),
                run_id=run_id,
                row_count=rows,
                published_at=replica.now_iso(),
            )
            replica.swap_in(self.replica_dir, entry)
        except (OSError, duckdb.Error) as exc:
            partial.unlink(missing_ok=True)
            raise WarehouseError(
                f"{domain}.{product}: published in {self.describe()}, but its read replica "
                f"could not be written in {self.replica_dir} (readers keep the previous "
                f"one until the next publication): {exc}"
            ) from exc

    @contextmanager
    def published_snapshot(self) -> Iterator[replica.Snapshot]:
        """The last published state of every product, without waiting for any writer."""
        with replica.open_snapshot(self.replica_dir, threads=self.settings.duckdb_threads) as snap:
            yield snap

    # -- reading

    def table_checksum(self, table: exp.Table) -> str:
        with self.session(write=False):
            columns = self.query_rows(
                exp.select("column_name", "data_type", "is_nullable")
                .from_(exp.table_("columns", db="information_schema"))
                .where(
                    exp.and_(
                        exp.column("table_schema").eq(exp.Literal.string(table.db)),
                        exp.column("table_name").eq(exp.Literal.string(table.name)),
                    )
                )
                .order_by("ordinal_position")
            )
            alias = "_row"
            rows = self.query_rows(
                exp.select(
                    exp.func("COUNT", exp.Star()).as_("n"),
                    exp.func(
                        "COALESCE",
                        exp.func("SUM", exp.func("HASH", exp.column(alias))),
                        exp.Literal.number(0),
                    ).as_("h"),
                ).from_(table.copy().as_(alias))
            )
        signature = [(c["column_name"], c["data_type"], c["is_nullable"]) for c in columns]
        return checksum_of([signature, rows[0]["n"], rows[0]["h"]])


def configure_session(
    connection: duckdb.DuckDBPyConnection, *, threads: int, memory_limit: str
) -> None:
    """The session of every connection to the warehouse: UTC, ``threads`` workers and at
    most ``memory_limit`` of buffers (beyond it, DuckDB spills beside the database)."""
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET threads = ?", [threads])
    connection.execute("SET memory_limit = ?", [memory_limit])
    # jemalloc purges the pages a finished query freed in the background, instead of
    # keeping them until the next allocation (see mesh_platform.engines.heap)
    connection.execute("SET allocator_background_threads = true")


def run_within_buffers(connection: duckdb.DuckDBPyConnection, sql: str, *, threads: int) -> None:
    """Run one statement in autocommit; if it exceeds DuckDB's buffer limit on several
    threads, run it once more on one thread, as DuckDB's guide to out-of-memory errors
    advises (each thread's hash tables and sort runs take buffers of their own).

    The failed statement changed nothing (its transaction was rolled back); the results
    are the same on any number of threads (exact sums, ordered reads). The warning says
    what DuckDB's buffers held when the statement failed, by tag.

    Raises:
        WarehouseError: it exceeded the limit on one thread too, with what the buffers
            held then.
    """
    try:
        connection.execute(sql)
        return
    except duckdb.OutOfMemoryException as exc:
        if threads <= 1:
            raise WarehouseError(
                f"{_first_line(exc)} (DuckDB's buffers held {_buffers(connection)})"
            ) from exc
        log.warning(
            "DuckDB's buffer limit was reached on %d threads (%s; its buffers held %s): "
            "running the statement again on one thread",
            threads,
            _first_line(exc),
            _buffers(connection),
        )
    connection.execute("SET threads = 1")
    try:
        connection.execute(sql)
    except duckdb.OutOfMemoryException as exc:
        raise WarehouseError(
            f"{_first_line(exc)}, on one thread too (DuckDB's buffers held {_buffers(connection)})"
        ) from exc
    finally:
        connection.execute("SET threads = ?", [threads])


def _buffers(connection: duckdb.DuckDBPyConnection) -> str:
    """What DuckDB's buffers hold, by tag (``duckdb_memory()``), largest first."""
    used, spilled = exp.column("memory_usage_bytes"), exp.column("temporary_storage_bytes")
    query = (
        exp.select("tag", used, spilled)
        .from_(exp.func("duckdb_memory"))
        .where(exp.or_(used > 0, spilled > 0))
        .order_by(used.desc(), "tag")
    )
    rows = connection.execute(query.sql("duckdb")).fetchall()
    return (
        ", ".join(
            f"{tag} {held / 2**20:.1f} MiB, {out / 2**20:.1f} MiB on disk"
            for tag, held, out in rows
        )
        or "nothing"
    )


def _first_line(error: BaseException) -> str:
    """The error's first line (DuckDB's own advice follows it)."""
    return str(error).strip().splitlines()[0]


def _parquet_rows(connection: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The rows of a Parquet file, from its footer."""
    count = exp.select(exp.func("COUNT", exp.Star())).from_(
        exp.func("read_parquet", exp.Literal.string(str(path)))
    )
    found = connection.execute(count.sql("duckdb")).fetchone()
    return int(found[0]) if found else 0
