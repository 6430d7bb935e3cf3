"""The reads of the installed mesh, kept between processes, and the downstream metadata
each asset carries.

Finding who reads what takes every domain's product definitions: each SQL file parsed
and qualified, each Python product's module imported. That is seconds, too long to pay
again in every code location at every load. The result is kept in the state folder
under a fingerprint of everything it depends on (the contracts, the domains' files, the
platform's own code): a code location loading the same files reads it back in
milliseconds, and any change of those files computes it again.

A domain whose products cannot be read (a module that fails to import) is left out with
a warning, so that one broken domain never keeps another's location from loading.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import dagster as dg

from mesh_platform.evolution.downstream import Downstream, downstream
from mesh_platform.evolution.reads import Read, mesh_reads
from mesh_platform.governance.mesh import Consumer, Mesh
from mesh_platform.governance.notices import deprecation_notices

INDEX_FOLDER = "reads"
"""The state folder's sub-folder of the kept reads."""

SUFFIXES = (".py", ".sql", ".json")


def _packages() -> list[Path]:
    import contracts
    import mesh_platform
    from mesh_platform.domains import domains_folder

    return [
        Path(next(iter(contracts.__path__))),
        domains_folder(),
        Path(next(iter(mesh_platform.__path__))),
    ]


def fingerprint(folders: Iterable[Path]) -> str:
    """A digest of every ``.py``, ``.sql`` and ``.json`` file under ``folders`` (names and
    contents)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder.parent).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def kept_reads() -> tuple[Read, ...]:
    """Every read of the installed mesh: the kept ones if the files are unchanged, else
    computed and kept (once per process)."""
    from mesh_platform.settings import get_settings

    folder = get_settings().state_dir / INDEX_FOLDER
    path = folder / f"{fingerprint(_packages())}.json"
    if path.exists():
        try:
            return tuple(Read.from_json(r) for r in json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError):
            pass  # a file from another version of this module: computed again below
    reads = _compute()
    try:
        _keep(reads, folder, path)
    except OSError as error:  # a read-only state folder: computed again next time
        warnings.warn(f"the reads could not be kept in {folder}: {error}", stacklevel=2)
    return reads


def _keep(reads: Sequence[Read], folder: Path, path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False) as file:
        json.dump([r.as_json() for r in reads], file)
    os.replace(file.name, path)  # atomic: a location loading meanwhile reads all or none
    for stale in folder.glob("*.json"):
        if stale != path:
            stale.unlink(missing_ok=True)  # kept for files that have changed since


def _compute() -> tuple[Read, ...]:
    from mesh_platform.contract import all_contracts
    from mesh_platform.domains import DOMAINS
    from mesh_platform.location import read_product_definitions

    contracts = all_contracts()
    definitions = []
    for domain in DOMAINS:
        try:
            definitions.append(read_product_definitions(domain, contracts))
        except Exception as error:  # another domain's broken code must not stop this load
            warnings.warn(
                f"the products of the {domain} domain could not be read ({error}); the "
                "downstream metadata leaves out what they read",
                stacklevel=2,
            )
    return tuple(mesh_reads(definitions, contracts))


def downstream_metadata(product: str, reads: Sequence[Read]) -> dict[str, dg.MetadataValue]:
    """The asset metadata of what is downstream of ``product`` across domains: a table of
    one row per product and depth (what it reads, its team and contact); none if nothing
    reads it. ``mesh lineage --downstream`` shows each column."""
    found = downstream(reads, product)
    if not found:
        return {}
    return {"downstream": _table(found)}


def _table(found: Sequence[Downstream]) -> dg.TableMetadataValue:
    columns = ("depth", "product", "reads", "team", "contact")
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, "int" if name == "depth" else "string") for name in columns]
    )
    rows: dict[tuple[int, str], list[Downstream]] = {}
    for item in found:
        rows.setdefault((item.depth, item.consumer), []).append(item)
    records = [
        dg.TableRecord(
            {
                "depth": depth,
                "product": consumer,
                "reads": ", ".join(sorted({i.reads for i in items})),
                "team": items[0].team,
                "contact": items[0].contact,
            }
        )
        for (depth, consumer), items in rows.items()
    ]
    return dg.MetadataValue.table(records, schema)


def consumers_from_reads(reads: Iterable[Read]) -> dict[str, list[Consumer]]:
    """The readers of each product, each once."""
    found: dict[str, set[Consumer]] = {}
    for read in reads:
        if read.consumer != read.upstream:
            found.setdefault(read.upstream, set()).add(
                Consumer(read.consumer, read.team, read.contact)
            )
    return {key: sorted(consumers) for key, consumers in sorted(found.items())}


def location_metadata(products: Sequence[str]) -> dict[str, dict[str, dg.MetadataValue]]:
    """The metadata one location's assets carry beside their contract's, by product:
    ``downstream`` (who reads it in every location) and ``deprecated_inputs`` (the
    deprecated versions it reads, for its owners only)."""
    from mesh_platform.contract import all_contracts

    reads = kept_reads()
    mesh = Mesh(all_contracts(), consumers=consumers_from_reads(reads))
    notices: dict[str, list[str]] = {}
    for notice in deprecation_notices(mesh):
        notices.setdefault(notice.consumer.product, []).append(notice.text())
    metadata: dict[str, dict[str, dg.MetadataValue]] = {}
    for key in products:
        metadata[key] = downstream_metadata(key, reads)
        if key in notices:
            text = "\n".join(f"- {line}" for line in notices[key])
            metadata[key]["deprecated_inputs"] = dg.MetadataValue.md(text)
    return metadata
