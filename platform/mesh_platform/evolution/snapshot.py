"""The contracts of one revision as plain data, and who reads which of their columns.

A snapshot holds every product's Open Data Contract Standard document
(:func:`~mesh_platform.derive.odcs.odcs_dict`) and, on request, every read of one
product's column by another (:mod:`mesh_platform.evolution.reads`). Two revisions of
the contracts cannot be imported in one process (both declare ``contracts.sales``...),
so :func:`take_snapshot` runs this module in a child process whose ``contracts`` and
``domains`` packages are those of a folder (a checkout, or a revision extracted by
:mod:`mesh_platform.evolution.revisions`), with this platform:

    python -m mesh_platform.evolution.snapshot FOLDER [--reads] [--columns-of OTHER.json]

``--columns-of`` names another snapshot whose columns the products' queries may also
name: read against the columns of both revisions, a consumer still naming a column the
new revision drops resolves, and is found reading it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mesh_platform.evolution.diff import Document
from mesh_platform.evolution.reads import Read

SNAPSHOT_MODULE = "mesh_platform.evolution.snapshot"


class SnapshotError(RuntimeError):
    """The contracts of a revision could not be read."""


@dataclass(frozen=True)
class Snapshot:
    """The contracts of one revision and, if taken, the reads of their columns."""

    documents: Mapping[str, Document]
    reads: tuple[Read, ...] = ()
    domains: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": dict(self.documents),
            "reads": [r.as_json() for r in self.reads],
            "domains": list(self.domains),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            documents=data["documents"],
            reads=tuple(Read.from_json(r) for r in data.get("reads", ())),
            domains=tuple(data.get("domains", ())),
        )


def columns_of(documents: Mapping[str, Document]) -> dict[str, dict[str, dict[str, str]]]:
    """The products' columns typed in GoogleSQL, ``{domain: {product: {column: type}}}``."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for key, document in documents.items():
        domain, product = key.split(".", 1)
        for table in document.get("schema") or []:
            schema.setdefault(domain, {})[product] = {
                p["name"]: p.get("physicalType", "STRING") for p in table.get("properties") or []
            }
    return schema


def snapshot_here(root: Path, *, reads: bool, other: Snapshot | None = None) -> Snapshot:
    """The snapshot of the ``contracts`` (and ``domains``) packages this process imports,
    which must be those of ``root``.

    Raises:
        SnapshotError: the packages imported are not those of ``root``.
    """
    import contracts
    from mesh_platform.contract import all_contracts
    from mesh_platform.derive.odcs import odcs_dict

    _check_under(root, "contracts", contracts.__file__)
    found = all_contracts()
    documents = {key: odcs_dict(contract) for key, contract in found.items()}
    if not reads:
        return Snapshot(documents)
    from mesh_platform.domains import find_domains
    from mesh_platform.evolution.reads import mesh_reads
    from mesh_platform.location import read_product_definitions

    folder = root / "domains"
    domains = find_domains(folder) if folder.is_dir() else ()
    both = columns_of(other.documents) if other is not None else {}
    for domain, tables in columns_of(documents).items():
        for product, columns in tables.items():
            both.setdefault(domain, {}).setdefault(product, {}).update(columns)
    both = {d: {p: c for p, c in t.items() if f"{d}.{p}" in found} for d, t in both.items()}
    definitions = []
    for domain in domains:
        definition = read_product_definitions(domain, found, columns=both)
        _check_under(root, "domains", next(iter(sys.modules[f"domains.{domain}"].__path__)))
        definitions.append(definition)
    return Snapshot(documents, tuple(mesh_reads(definitions, found)), domains)


def _check_under(root: Path, package: str, file: str | None) -> None:
    resolved = Path(file or "").resolve()
    if root.resolve() not in resolved.parents:
        raise SnapshotError(
            f"the `{package}` package imported is {resolved.parent}, not the one of {root}"
        )


def take_snapshot(root: Path, *, reads: bool, other: Snapshot | None = None) -> Snapshot:
    """The snapshot of the packages under ``root``, taken in a child process.

    Raises:
        SnapshotError: the contracts (or the product definitions) of ``root`` cannot be
            imported or read; the message ends with the child's error.
    """
    command = [sys.executable, "-m", SNAPSHOT_MODULE, str(root)]
    if reads:
        command.append("--reads")
    paths = [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with tempfile.TemporaryDirectory(prefix="mesh-snapshot-") as scratch:
        if other is not None:
            other_file = Path(scratch) / "other.json"
            other_file.write_text(json.dumps(other.as_json()))
            command += ["--columns-of", str(other_file)]
        result = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise SnapshotError(lines[-1] if lines else f"exit code {result.returncode}")
    return Snapshot.from_json(json.loads(result.stdout))


def main(argv: list[str] | None = None) -> None:
    """Print the snapshot of FOLDER as JSON (what :func:`take_snapshot` runs)."""
    parser = argparse.ArgumentParser(prog=f"python -m {SNAPSHOT_MODULE}")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--reads", action="store_true")
    parser.add_argument("--columns-of", type=Path)
    args = parser.parse_args(argv)
    other = None
    if args.columns_of is not None:
        other = Snapshot.from_json(json.loads(args.columns_of.read_text()))
    try:
        snapshot = snapshot_here(args.folder, reads=args.reads, other=other)
    except SnapshotError as error:
        sys.exit(f"{SnapshotError.__name__}: {error}")
    json.dump(snapshot.as_json(), sys.stdout)


if __name__ == "__main__":
    main()
