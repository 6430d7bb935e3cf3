"""The published read replica of the DuckDB warehouse: readers never wait for writers.

DuckDB lets one process write a database file, and no other process read it meanwhile.
So that consumers (``mesh query``, checks and tools in other processes) read while
builds publish, every publication on DuckDB is also exported, after it commits, to an
immutable Parquet file, and a small manifest names the current file of every product::

    <state>/published/manifest.json
    <state>/published/<domain>/<product>/<run id>-<unique>.parquet

The manifest is replaced atomically (written to a temporary file, then ``os.replace``)
under a file lock, so writers of different products never lose each other's entries.
A reader reads the manifest once and opens views over the files it names, in an
in-memory DuckDB: one consistent published state, whatever is written meanwhile.

A file no longer named by the manifest is *retired* with the time it stopped being
current, and deleted by a later swap once it has been retired for :data:`GRACE_S`
seconds, so that a reader that has just read the manifest still finds it (on Linux a
reader that has opened the file keeps it anyway). Files never named (an export killed
midway) are deleted once older than the same grace.

A process killed at any point leaves the manifest as it was or as the swap made it,
never half-written; the product's next publication replaces its entry.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

MANIFEST_NAME = "manifest.json"
LOCK_NAME = "manifest.lock"
GRACE_S = 300.0
"""Seconds a retired file stays on disk for readers that read the previous manifest."""
SUFFIX = ".parquet"
_PARTIAL = ".partial"


@dataclass(frozen=True)
class ReplicaEntry:
    """One product's current replica, as the manifest names it.

    Attributes:
        product: ``domain.product``.
        schema: the schema readers see the product in (the engine's schema for the domain).
        table: the table name readers see.
        file: the Parquet file, relative to the replica folder.
        run_id: the run that published it.
        row_count: its rows.
        published_at: when the replica was swapped in (UTC, ISO 8601).
    """

    product: str
    schema: str
    table: str
    file: str
    run_id: str
    row_count: int
    published_at: str


@dataclass(frozen=True)
class Retired:
    """A file no longer current, and since when (seconds since the epoch)."""

    file: str
    at: float


@dataclass
class Manifest:
    """The current replica of every product, and the files retired but not yet deleted."""

    products: dict[str, ReplicaEntry] = field(default_factory=dict)
    retired: list[Retired] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "products": {k: asdict(v) for k, v in sorted(self.products.items())},
                "retired": [asdict(r) for r in self.retired],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(
            products={k: ReplicaEntry(**v) for k, v in data.get("products", {}).items()},
            retired=[Retired(**r) for r in data.get("retired", [])],
        )


def manifest_path(root: Path) -> Path:
    return root / MANIFEST_NAME


def read_manifest(root: Path) -> Manifest:
    """The manifest in ``root`` (empty when nothing was published yet)."""
    try:
        return Manifest.from_json(manifest_path(root).read_text())
    except FileNotFoundError:
        return Manifest()


def new_replica_file(root: Path, domain: str, product: str, run_id: str) -> Path:
    """A fresh file name for one publication's replica (never reused, never overwritten)."""
    folder = root / domain / product
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{run_id}-{uuid.uuid4().hex[:12]}{SUFFIX}"


def partial_path(final: Path) -> Path:
    """Where an export is written before it is renamed to ``final``."""
    return final.with_name(final.name + _PARTIAL)


@contextmanager
def manifest_lock(root: Path) -> Iterator[None]:
    """Hold the exclusive lock on the manifest (the holder keeps it for milliseconds)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def swap_in(
    root: Path, entry: ReplicaEntry, *, now: float | None = None, grace: float = GRACE_S
) -> list[Path]:
    """Make ``entry`` its product's current replica; returns the files deleted.

    The previous file of the product is retired; files retired for longer than
    ``grace`` seconds, and files never named that are older than that, are deleted.
    """
    now = time.time() if now is None else now
    with manifest_lock(root):
        manifest = read_manifest(root)
        previous = manifest.products.get(entry.product)
        manifest.products[entry.product] = entry
        if previous is not None and previous.file != entry.file:
            manifest.retired.append(Retired(previous.file, now))
        deleted = _collect(root, manifest, now, grace)
        _write_atomically(manifest_path(root), manifest.to_json())
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def _collect(root: Path, manifest: Manifest, now: float, grace: float) -> list[Path]:
    """Drop expired files from ``manifest.retired``; the files to delete once it is written."""
    expired = [r for r in manifest.retired if now - r.at >= grace]
    manifest.retired = [r for r in manifest.retired if now - r.at < grace]
    known = {e.file for e in manifest.products.values()} | {r.file for r in manifest.retired}
    deleted = [root / r.file for r in expired if r.file not in known]
    for path in root.glob(f"*/*/*{SUFFIX}*"):
        name = path.relative_to(root).as_posix()
        if name in known or path in deleted:
            continue
        try:
            if now - path.stat().st_mtime >= grace:
                deleted.append(path)
        except FileNotFoundError:
            continue
    return deleted


@dataclass
class Snapshot:
    """An in-memory DuckDB with a view per published product, from one manifest."""

    connection: duckdb.DuckDBPyConnection
    manifest: Manifest


def view_statements(root: Path, manifest: Manifest) -> list[exp.Expr]:
    """``CREATE SCHEMA`` and ``CREATE VIEW schema.table AS SELECT * FROM 'file'`` statements.

    Example:
        >>> m = Manifest({"sales.lines": ReplicaEntry(
        ...     "sales.lines", "sales", "lines", "sales/lines/r1.parquet", "r1", 3, "now")})
        >>> for statement in view_statements(Path("/p"), m):
        ...     print(statement.sql("duckdb"))
        CREATE SCHEMA IF NOT EXISTS "sales"
        CREATE VIEW "sales"."lines" AS SELECT * FROM READ_PARQUET('/p/sales/lines/r1.parquet')
    """
    statements: list[exp.Expr] = []
    schemas = sorted({e.schema for e in manifest.products.values()})
    for schema in schemas:
        statements.append(
            exp.Create(
                this=exp.Table(this=exp.to_identifier(schema, quoted=True)),
                kind="SCHEMA",
                exists=True,
            )
        )
    for entry in sorted(manifest.products.values(), key=lambda e: e.product):
        source = exp.func("READ_PARQUET", exp.Literal.string(str(root / entry.file)))
        statements.append(
            exp.Create(
                this=exp.table_(entry.table, db=entry.schema, quoted=True),
                kind="VIEW",
                expression=exp.select(exp.Star()).from_(source),
            )
        )
    return statements


@contextmanager
def open_snapshot(root: Path, *, threads: int = 1) -> Iterator[Snapshot]:
    """The last published state of every product, read from the manifest once.

    Never waits for a writer: it reads the manifest (replaced atomically) and
    immutable files only.
    """
    manifest = read_manifest(root)
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET threads = ?", [threads])
        for statement in view_statements(root, manifest):
            connection.execute(statement.sql("duckdb"))
        yield Snapshot(connection, manifest)
    finally:
        connection.close()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
