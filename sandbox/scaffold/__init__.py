"""Scaffolding: a new domain, or a new product in a domain, written in one command.

``mesh new domain NAME`` writes the domain's contracts module, its folder and code
location, then the files that list the domains (``mesh domains sync``).
``mesh new product DOMAIN.PRODUCT --sql|--python`` appends a contract to the domain's
contracts module and writes a working minimal product: by default it publishes the
distinct grain of an upstream public product (``--reads``, ``resorts.villages``), so
it passes ``mesh check``, loads, builds, and shows in the catalog with its lineage.
The team then replaces the logic and the columns with its own.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mesh_platform.contract import AccessLevel, ColumnSpec, DataContract, LogicalType, columns_of
from mesh_platform.domain_files import sync
from mesh_platform.domains import DEFINITIONS, find_domains

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_UPSTREAM = "resorts.villages"

_PYTHON_TYPES = {
    LogicalType.STRING: "str",
    LogicalType.INTEGER: "int",
    LogicalType.FLOAT: "float",
    LogicalType.BOOLEAN: "bool",
    LogicalType.DATE: "dt.date",
    LogicalType.TIMESTAMP: "dt.datetime",
}


class ScaffoldError(ValueError):
    """What was asked cannot be written (a bad name, an existing domain or product...)."""


@dataclass(frozen=True)
class Written:
    """The files a scaffold wrote or changed, relative to the project's root."""

    files: tuple[str, ...]


def _check_name(what: str, name: str) -> None:
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{what} {name!r}: lower case letters, digits and _, starting with a letter"
        )


def _literal(value: str | Sequence[str]) -> str:
    """A string or a tuple of strings as Python source, as the formatter writes it."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    items = ", ".join(_literal(v) for v in value)
    return f"({items},)" if len(value) == 1 else f"({items})"


def _class_name(product: str) -> str:
    return "".join(part.capitalize() for part in product.split("_"))


def new_domain(root: Path, name: str, team: str, contact: str) -> Written:
    """Write the domain ``name`` (owned by ``team``, reached at ``contact``) under ``root``.

    Raises:
        ScaffoldError: the name is not a Python name, or the domain already exists.
    """
    _check_name("domain", name)
    if not team.strip() or len(contact.strip()) < 3:
        raise ScaffoldError(f"domain {name!r}: a team and a contact (e-mail or channel)")
    folder = root / "domains" / name
    module = root / "contracts" / f"{name}.py"
    if folder.exists() or module.exists() or (root / "contracts" / name).exists():
        raise ScaffoldError(f"domain {name!r} exists already ({folder} or {module})")
    folder.mkdir(parents=True)
    (folder / "sql").mkdir()
    (folder / "__init__.py").write_text(f'"""The {name} domain."""\n')
    (folder / DEFINITIONS).write_text(
        f'"""Code location of the {name} domain: assembles, nothing more."""\n\n'
        "from mesh_platform.location import domain_definitions\n\n"
        f'defs = domain_definitions("{name}")\n'
    )
    module.write_text(
        f'"""Contracts of the {name} domain (team {team}).\n\n'
        'Describe here what the domain publishes and for whom."""\n\n'
        "from __future__ import annotations\n\n"
        "import datetime as dt\n\n"
        "from mesh_platform.contract import Freshness, Owner\n\n"
        f"OWNER = Owner(team={_literal(team)}, contact={_literal(contact)})\n"
        'DAILY = Freshness(max_lag=dt.timedelta(days=1, hours=2), cron="0 4 * * *")\n'
    )
    synced = sync(root)
    files = [f"domains/{name}/{f}" for f in ("__init__.py", DEFINITIONS)]
    return Written((f"contracts/{name}.py", *files, *(str(p) for p in synced)))


def _upstream(contracts: dict[str, type[DataContract]], key: str) -> type[DataContract]:
    contract = contracts.get(key)
    if contract is None:
        raise ScaffoldError(f"--reads {key}: no such product (see `mesh contracts list`)")
    if contract.meta().access is not AccessLevel.PUBLIC:
        raise ScaffoldError(f"--reads {key}: internal to its domain; read a public product")
    if not contract.meta().grain:
        raise ScaffoldError(f"--reads {key}: it declares no grain to start from")
    return contract


def _contract_source(name: str, product: str, upstream: type[DataContract]) -> str:
    meta = upstream.meta()
    grain: Sequence[ColumnSpec] = [c for c in columns_of(upstream) if c.name in meta.grain]
    lines = [
        "",
        "",
        f"class {_class_name(product)}(",
        "    DataContract,",
        f'    domain="{name}",',
        f'    product="{product}",',
        '    version="0.1.0",',
        "    owner=OWNER,",
        f"    grain={_literal(meta.grain)},",
        "    freshness=DAILY,",
        "):",
        f'    """One row per {", ".join(meta.grain)} of ``{meta.key}``.',
        "",
        "    Scaffolded: describe the grain, the sources and the rules here.",
        '    """',
        "",
    ]
    for column in grain:
        description = f"From {meta.key}.{column.name}."
        kind = _PYTHON_TYPES[column.logical_type]
        lines.append(f"    {column.name}: {kind} = column({_literal(description)})")
    return "\n".join(lines) + "\n"


def new_product(
    root: Path,
    key: str,
    kind: str,
    contracts: dict[str, type[DataContract]],
    reads: str = DEFAULT_UPSTREAM,
) -> Written:
    """Write the contract and a minimal ``kind`` (``sql`` or ``python``) product ``key``.

    Raises:
        ScaffoldError: a bad name, an unknown domain, an existing product, or an
            upstream that cannot be read.
    """
    if key.count(".") != 1:
        raise ScaffoldError(f"{key!r}: expected DOMAIN.PRODUCT")
    name, product = key.split(".")
    _check_name("product", product)
    if name not in find_domains(root / "domains"):
        raise ScaffoldError(f"{key}: no domain {name!r}; create it with `mesh new domain {name}`")
    module = root / "contracts" / f"{name}.py"
    if not module.is_file():
        raise ScaffoldError(f"{key}: the domain's contracts are not the module {module}")
    if key in contracts or f'product="{product}"' in module.read_text():
        raise ScaffoldError(f"{key} exists already")
    upstream = _upstream(contracts, reads)
    grain = upstream.meta().grain
    folder = root / "domains" / name
    if kind == "sql":
        logic = folder / "sql" / f"{product}.sql"
        logic.parent.mkdir(exist_ok=True)
        columns = ",\n  ".join(grain)
        logic.write_text(
            f"-- {key}: one row per {', '.join(grain)} of {reads} (scaffolded).\n"
            f"SELECT DISTINCT\n  {columns}\nFROM {reads}\n"
        )
    elif kind == "python":
        logic = folder / "python" / f"{product}.py"
        logic.parent.mkdir(exist_ok=True)
        init = logic.parent / "__init__.py"
        if not init.exists():
            init.write_text(f'"""Python products of the {name} domain."""\n')
        logic.write_text(
            f'"""The product ``{key}`` (scaffolded).\n\n'
            f'One row per {", ".join(grain)} of ``{reads}``.\n"""\n\n'
            "from __future__ import annotations\n\n"
            "import pandas as pd\n\n"
            f"from contracts.{name} import {_class_name(product)}\n"
            "from mesh_platform.products.python import Input, python_product\n\n\n"
            "@python_product(\n"
            f"    {_class_name(product)},\n"
            f'    inputs={{"upstream": Input("{reads}", {_literal(grain)})}},\n'
            ")\n"
            f"def {product}(upstream: pd.DataFrame) -> pd.DataFrame:\n"
            f'    """Every distinct {", ".join(grain)} of the upstream."""\n'
            f"    rows = upstream[[{', '.join(_literal(g) for g in grain)}]].drop_duplicates()\n"
            "    return rows.reset_index(drop=True)\n"
        )
    else:
        raise ScaffoldError(f"{key}: the logic is --sql or --python, not {kind!r}")
    text = module.read_text()
    bare = "from mesh_platform.contract import Freshness, Owner\n"
    if bare in text:  # the domain's first product
        text = text.replace(
            bare, "from mesh_platform.contract import DataContract, Freshness, Owner, column\n"
        )
    module.write_text(text + _contract_source(name, product, upstream))
    return Written((str(module.relative_to(root)), str(logic.relative_to(root))))
