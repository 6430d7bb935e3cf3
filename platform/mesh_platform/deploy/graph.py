"""The project's graph as the deploy plan needs it, read from a checkout.

- **Imports**, read with :mod:`ast` from the files of ``contracts/`` and ``domains/``
  (nothing is imported to find them).
- **Contract modules**: which products each defines, from the contract registry.
- **Reads**: the products each domain's products read. SQL products' upstreams come from
  the platform's own parser (:func:`mesh_platform.products.sql.tables_read`) over the
  checkout's SQL files; Python products' declared inputs come from importing the
  domain modules that declare Python products, and only those. Both are needed only
  when a contract changed; :func:`load_graph` reads them only then.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from mesh_platform.contract import all_contracts
from mesh_platform.deploy.plan import Change, Graph, module_name
from mesh_platform.products.python import PythonProduct
from mesh_platform.products.sql import tables_read

PACKAGES = ("contracts", "domains")
"""The project's packages besides the platform, whose imports the plan follows."""

PYTHON_PRODUCTS = "mesh_platform.products"
"""A module importing this package (or one of its modules) may declare Python products."""

DOCKERIGNORE = "deploy/docker/Dockerfile.dockerignore"
"""The list of what the production image is built from."""


def load_graph(root: Path, domains: Sequence[str], changes: Iterable[Change] = ()) -> Graph:
    """The graph of the checkout at ``root``; the reads of products only when one of
    ``changes`` is a contract module."""
    imports = read_imports(root)
    graph = Graph(domains=tuple(domains), imports=imports, image_paths=image_paths(root))
    if not any(c.path.startswith("contracts/") for c in changes):
        return graph
    contract_products: dict[str, set[str]] = {}
    for key, contract in all_contracts().items():
        contract_products.setdefault(contract.__module__, set()).add(key)
    reads = {
        domain: sql_reads(root, domain, set(all_contracts())) | python_reads(domain, imports)
        for domain in domains
    }
    return Graph(
        domains=graph.domains,
        imports=imports,
        contract_products={m: frozenset(k) for m, k in contract_products.items()},
        reads={d: frozenset(r) for d, r in reads.items()},
        image_paths=graph.image_paths,
    )


def read_imports(root: Path) -> dict[str, frozenset[str]]:
    """Every module of :data:`PACKAGES` under ``root`` → the modules it imports (for
    ``from package import name``, ``package.name`` too when it is a module)."""
    files = {
        module_name(path.relative_to(root).as_posix()): path
        for package in PACKAGES
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, frozenset[str]] = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.module, node.level)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in files)
        graph[module] = frozenset(found)
    return graph


def _absolute(module: str, is_package: bool, name: str | None, level: int) -> str:
    """The absolute module of ``from <level dots><name> import ...`` in ``module``."""
    if level == 0:
        return name or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def sql_reads(root: Path, domain: str, products: set[str]) -> set[str]:
    """The products the domain's SQL files (``domains/<domain>/**/*.sql``) read."""
    found: set[str] = set()
    for path in sorted((root / "domains" / domain).rglob("*.sql")):
        found.update(f"{db}.{name}" for db, name in tables_read(path.read_text()))
    return found & products


def python_reads(domain: str, imports: dict[str, frozenset[str]]) -> set[str]:
    """The inputs of the domain's Python products, from the modules that may declare one
    (those importing :data:`PYTHON_PRODUCTS`)."""
    found: set[str] = set()
    for module, imported in sorted(imports.items()):
        declares = any(
            i == PYTHON_PRODUCTS or i.startswith(f"{PYTHON_PRODUCTS}.") for i in imported
        )
        if module.startswith(f"domains.{domain}.") and declares:
            for value in vars(importlib.import_module(module)).values():
                if isinstance(value, PythonProduct):
                    found.update(value.upstream_products)
    return found


def image_paths(root: Path) -> tuple[str, ...]:
    """The files and folders the production image is built from: the ``!`` lines of its
    .dockerignore (which ignores everything else)."""
    path = root / DOCKERIGNORE
    if not path.exists():
        return ()
    lines = (line.strip() for line in path.read_text().splitlines())
    return tuple(line[1:].strip("/") for line in lines if line.startswith("!"))
