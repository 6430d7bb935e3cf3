"""What reading a SQL product costs, paid once per content: kept on disk.

Parsing a SQL product, expanding its macros, qualifying every column against the
contracts and walking its column lineage take a few hundred milliseconds a file, paid
again by every process that loads a code location. The results are kept in the state
folder (``definitions/``), one file per result, named by a digest of everything they
depend on: the SQL file's text, the tables it may read (contracts and sources, with
their columns), the code that reads it (the platform's and the contracts' files: the
macros come from the contracts) and sqlglot's version. A changed file, contract or
version is read again; an unchanged one is loaded in a millisecond.

Only complete readings are kept (a product that does not parse or qualify is read
again, so that its errors are always fresh); a state folder that cannot be written
leaves everything computed each time.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import sqlglot

CACHE_FOLDER = "definitions"
"""The state folder's sub-folder of the kept readings."""

FORMAT = "1"
"""Bumped when what is kept changes shape."""

_SUFFIXES = (".py", ".json")

log = logging.getLogger(__name__)

T = TypeVar("T")


@functools.cache
def code_fingerprint() -> str:
    """A digest of the code a reading depends on: the platform's and the contracts'
    ``.py`` and ``.json`` files (names and contents), and sqlglot's version (once per
    process)."""
    import contracts
    import mesh_platform

    digest = hashlib.sha256(f"{FORMAT}\x1f{sqlglot.__version__}".encode())
    for package in (contracts, mesh_platform):
        for folder in package.__path__:
            root = Path(folder)
            for path in sorted(root.rglob("*")):
                if path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                    digest.update(path.relative_to(root.parent).as_posix().encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def digest_of(parts: Iterable[str]) -> str:
    """The key of a reading: the digest of its ``parts`` and of the code."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        digest.update(b"\x1f")
        digest.update(part.encode())
    return digest.hexdigest()


def _folder() -> Path:
    from mesh_platform.settings import get_settings

    return get_settings().state_dir / CACHE_FOLDER


def _path(kind: str, name: str, key: str) -> Path:
    return _folder() / f"{kind}-{name}-{key}.pickle"


def load(kind: str, name: str, key: str) -> Any | None:
    """The reading of ``name`` (``domain.product``) kept under ``kind`` and ``key``, or
    ``None``."""
    path = _path(kind, name, key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    collecting = gc.isenabled()
    gc.disable()  # a tree of many small nodes: the collector would walk it again and again
    try:
        return pickle.loads(data)  # the state folder's own files
    except Exception:  # a file of another version: read again
        log.debug("could not load %s", path, exc_info=True)
        return None
    finally:
        if collecting:
            gc.enable()


def keep(kind: str, name: str, key: str, value: object) -> None:
    """Keep ``value`` as the reading of ``name`` under ``kind`` and ``key`` (atomically),
    in place of any earlier one; silently not when the state folder cannot be written
    or the value cannot be kept."""
    path = _path(kind, name, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with tempfile.NamedTemporaryFile(
            "wb", dir=path.parent, suffix=".tmp", delete=False
        ) as file:
            file.write(data)
        os.replace(file.name, path)  # a reader meanwhile loads all or nothing
        for stale in path.parent.glob(f"{kind}-{name}-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)  # the reading of an earlier text or code
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        log.debug("could not keep %s", path, exc_info=True)


def cached(kind: str, name: str, key: str, compute: Callable[[], T]) -> T:
    """The reading of ``name`` kept under ``kind`` and ``key``, else ``compute()``,
    kept."""
    found = load(kind, name, key)
    if found is not None:
        return found
    value = compute()
    keep(kind, name, key, value)
    return value
