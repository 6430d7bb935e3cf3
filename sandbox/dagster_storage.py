"""The local Dagster instance's event log, one open connection a database file.

Dagster's SQLite event log opens a new SQLAlchemy engine and connection for every event
it stores, and a product's run stores about a hundred (its steps, its materialisation,
each check planned and evaluated, each mirrored in the index): most of a small
product's time in ``mesh build`` was spent opening and closing SQLite files. This
storage keeps one engine, with its one connection, per database file of the recent
runs and the index, and writes exactly what Dagster's writes (it is Dagster's class,
with its connections kept). The files, their schema and what ``mesh dev`` reads are
unchanged; Dagster's lock still serialises the writes of a process.

Three more fixed costs of every product's run go the same way:

- Each run has its own database file, which Dagster creates by building its schema and
  stamping its migration revision (some 60 ms). That is done once per Dagster and
  SQLAlchemy version: the bytes are kept beside the runs' files
  (``new-run.dagster-<version>.sqlalchemy-<version>.template``, a name Dagster's
  listing of ``*.db`` files never sees) and every run, in every later process, starts
  from a copy of them, the same file.
- Every event is a committed transaction. Dagster puts the files in WAL mode; the
  connections kept here commit without waiting for the disk (SQLite's
  ``synchronous=NORMAL``, its recommended setting for WAL): a killed process loses
  nothing, only a crash of the machine itself may lose the last events of a run.
- Before storing each check's event, Dagster opened the index file to ask whether it
  has the checks' table; a table found is remembered (forgotten on a wipe).

``mesh build`` uses it for the default SQLite instance (see
:func:`sandbox.build.instance_overrides`); a ``dagster.yaml`` naming its own storage
(PostgreSQL) is left as it is.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import create_db_conn_string
from dagster.version import __version__ as dagster_version
from sqlalchemy import __version__ as sqlalchemy_version
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, StaticPool

SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file begins (a kept file that does not is made again)."""

OPEN_RUN_FILES = 8
"""Run databases kept open at once (a build runs one product at a time); the index's
is always open."""


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, its connections kept open between events."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._new_run_file: bytes | None = None  # an empty run database, once made
        self._index_tables: set[str] = set()  # tables the index is known to have
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: dict[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        path = Path(self.path_for_shard(shard))
        if shard != INDEX_SHARD_NAME and shard not in self._initialized_dbs and not path.exists():
            _write_new(path, self._empty_run_file())
            self._initialized_dbs.add(shard)
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,  # one connection, reused; Dagster's lock serialises it
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[: max(len(runs) - OPEN_RUN_FILES, 0)]:
            self._engines.pop(name).dispose()
        return engine

    def _empty_run_file(self) -> bytes:
        """The bytes of a new run's database as Dagster creates it (schema, migration
        revision, WAL mode): kept beside the runs' files, made once per version in a
        scratch folder."""
        if self._new_run_file is None:
            kept = Path(self._base_dir) / new_run_template_name()
            try:
                content = kept.read_bytes()
            except OSError:
                content = b""
            if not content.startswith(SQLITE_HEADER):
                content = self._make_empty_run_file()
                with suppress(OSError):  # a folder that cannot be written: made again
                    _write_new(kept, content)
            self._new_run_file = content
        return self._new_run_file

    def _make_empty_run_file(self) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(create_db_conn_string(folder, "run"), poolclass=NullPool)
            try:
                self._initdb(engine)
            finally:
                engine.dispose()  # the last connection closed: the WAL is checkpointed
            return Path(folder, "run.db").read_bytes()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as connection, connection.begin():
            yield connection

    def has_table(self, table_name: str) -> bool:
        """Whether the index has the table. Dagster asks before storing every check's
        event, each time opening the file; a table, once there, stays (until a wipe)."""
        if table_name not in self._index_tables:
            if not super().has_table(table_name):
                return False
            self._index_tables.add(table_name)
        return True

    def wipe(self) -> None:
        self._index_tables.clear()
        super().wipe()

    def dispose(self) -> None:
        """Close every open database file (Dagster calls it when the instance ends)."""
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()

    def delete_events(self, run_id: str) -> None:
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
            if engine is not None:
                engine.dispose()
        super().delete_events(run_id)


def new_run_template_name() -> str:
    """The kept new run file's name: the versions whose schema and stamp it holds."""
    return f"new-run.dagster-{dagster_version}.sqlalchemy-{sqlalchemy_version}.template"


def _commit_without_waiting_for_the_disk(connection: Any, _record: Any) -> None:
    """SQLite's recommended durability for WAL files: a commit survives the process."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _write_new(path: Path, content: bytes) -> None:
    """Create ``path`` with ``content`` whole or not at all (another process never sees
    half a database): written beside it under a name of this process's own (several
    builds may write the same kept file at once), then renamed."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)
