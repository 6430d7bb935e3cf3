"""Where a product lives: from its name to its contract, its logic and its tests.

A newcomer who knows a product's name (``domain.product``) finds everything about it in
fixed places; this module says where, for ``mesh contracts show`` and the docs:

- the contract: the class ``<domain>.<product>`` registers, in ``contracts/<domain>.py``
  (or a module of the package ``contracts/<domain>/``);
- the logic: ``domains/<domain>/sql/<product>.sql`` or
  ``domains/<domain>/python/<product>.py``;
- the checks: derived from the contract (:func:`~mesh_platform.derive.checks.contract_checks`);
- the tests: ``tests/domains/test_<domain>.py`` in a checkout (not in the production image).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from mesh_platform.contract import DataContract
from mesh_platform.domains import domains_folder


@dataclass(frozen=True)
class ProductFiles:
    """The files of one product, relative to the repository root where they exist.

    Attributes:
        contract: the contract's module and the line of its class.
        logic: the SQL file or Python module implementing it, if any.
        tests: the domain's test module, in a checkout.
    """

    contract: str
    logic: str | None
    tests: str | None


def product_files(contract: type[DataContract]) -> ProductFiles:
    """Where ``contract``'s product is declared, implemented and tested."""
    meta = contract.meta()
    folder = domains_folder() / meta.domain
    root = folder.parent.parent
    source = Path(inspect.getsourcefile(contract) or "")
    line = inspect.getsourcelines(contract)[1]
    candidates = [folder / "sql" / f"{meta.product}.sql", folder / "python" / f"{meta.product}.py"]
    logic = next((path for path in candidates if path.is_file()), None)
    tests = root / "tests" / "domains" / f"test_{meta.domain}.py"
    return ProductFiles(
        contract=f"{display_path(source)}:{line}",
        logic=display_path(logic) if logic else None,
        tests=display_path(tests) if tests.is_file() else None,
    )


def display_path(path: Path) -> str:
    """``path`` relative to the working directory or to the repository holding it."""
    resolved = path.resolve()
    roots = [Path.cwd().resolve()]
    roots += [p for p in reversed(resolved.parents) if (p / "pyproject.toml").is_file()][:1]
    for root in roots:
        if resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
    return path.as_posix()
