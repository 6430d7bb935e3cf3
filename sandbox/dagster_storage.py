"""The local Dagster instance's event log, one open connection a database file.

Dagster's SQLite event log opens a new SQLAlchemy engine and connection for every event
it stores, and a product's run stores about a hundred (its steps, its materialisation,
each check planned and evaluated, each mirrored in the index): most of a small
product's time in ``mesh build`` was spent opening and closing SQLite files. This
storage keeps one engine, with its one connection, per database file of the recent
runs and the index, and writes exactly what Dagster's writes (it is Dagster's class,
with its connections kept). The files, their schema and what ``mesh dev`` reads are
unchanged; Dagster's lock still serialises the writes of a process.

``mesh build`` uses it for the default SQLite instance (see
:func:`sandbox.build.instance_overrides`); a ``dagster.yaml`` naming its own storage
(PostgreSQL) is left as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

OPEN_RUN_FILES = 8
"""Run databases kept open at once (a build runs one product at a time); the index's
is always open."""


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, its connections kept open between events."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
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
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,  # one connection, reused; Dagster's lock serialises it
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[: max(len(runs) - OPEN_RUN_FILES, 0)]:
            self._engines.pop(name).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as connection, connection.begin():
            yield connection

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
