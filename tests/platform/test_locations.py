"""The twelve code locations: shaped alike and loadable (``workspace.yaml`` declares them:
``tests/platform/test_domains.py``)."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

import domains
from mesh_platform.contract import all_contracts
from mesh_platform.definition.reader import read_domain
from mesh_platform.domains import DOMAINS
from mesh_platform.errors import ProductDefinitionError
from mesh_platform.governance.lint import refuse_broken
from mesh_platform.location import python_modules
from mesh_platform.products.files import product_files

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_SHAPE = {"__init__.py", "definitions.py"}
"""What every domain folder holds, besides one or both product folders."""
STREAM_MODULE = "stream.py"
"""A domain that ingests a stream holds how its messages become rows, ``stream.py``."""
PRODUCT_FOLDERS = {"sql", "python"}
"""``sql/<product>.sql`` for SQL products, ``python/<product>.py`` for Python products."""


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_the_same_shape(domain: str) -> None:
    folder = ROOT / "domains" / domain
    entries = {p.name for p in folder.iterdir() if p.name != "__pycache__"}
    folders = entries - DOMAIN_SHAPE - {STREAM_MODULE}
    assert entries >= DOMAIN_SHAPE, f"domains/{domain} differs from the skeleton"
    assert folders, f"domains/{domain} has neither sql/ nor python/"
    assert folders <= PRODUCT_FOLDERS, f"domains/{domain} differs from the skeleton: {folders}"
    if "sql" in folders:
        sql_files = [p for p in (folder / "sql").iterdir() if p.name != ".gitkeep"]
        assert sql_files, f"domains/{domain}/sql is empty"
        assert all(p.suffix == ".sql" for p in sql_files), (
            f"domains/{domain}/sql holds non-SQL files"
        )
    if "python" in folders:
        modules = [p for p in (folder / "python").iterdir() if p.name != "__pycache__"]
        assert all(p.suffix == ".py" for p in modules), (
            f"domains/{domain}/python holds non-Python files"
        )
        assert any(not p.name.startswith("_") for p in modules), (
            f"domains/{domain}/python holds no product"
        )


@pytest.mark.parametrize(
    "domain", [d for d in DOMAINS if (ROOT / "domains" / d / "python").is_dir()]
)
def test_every_python_module_defines_the_product_named_like_it(domain: str) -> None:
    folder = ROOT / "domains" / domain
    stems = sorted(p.stem for p in (folder / "python").glob("[!_]*.py"))
    modules = python_modules(domain, folder)
    assert {file: [p.contract.meta().key for p in found] for file, found in modules.items()} == {
        f"python/{s}.py": [f"{domain}.{s}"] for s in stems
    }


@pytest.mark.parametrize(
    ("module", "found"),
    [
        ("VALUE = 1\n", "defines no Python product"),
        (
            "from domains.territory.python.prospection_zones import prospection_zones\n",
            "defines territory.prospection_zones",
        ),
    ],
)
def test_a_python_module_without_its_product_is_refused_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, found: str
) -> None:
    folder = tmp_path / "domains" / "probe"
    (folder / "python").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "python" / "__init__.py").write_text("")
    (folder / "python" / "_shared.py").write_text("VALUE = 1\n")  # not a product: skipped
    (folder / "python" / "zones.py").write_text(module)
    monkeypatch.setattr(domains, "__path__", [*domains.__path__, str(tmp_path / "domains")])
    try:
        modules = python_modules("probe", folder)
    finally:
        for name in [m for m in sys.modules if m.startswith("domains.probe")]:
            del sys.modules[name]
    keys = {file: [p.contract.meta().key for p in products] for file, products in modules.items()}
    definition = read_domain("probe", folder, [], {}, python_modules=keys)
    with pytest.raises(ProductDefinitionError) as error:
        refuse_broken([definition], {})
    message = str(error.value)
    assert message.startswith("python/zones.py (probe.zones): rule python_module: ")
    assert found in message


@pytest.mark.parametrize("domain", DOMAINS)
def test_definitions_only_assemble(domain: str) -> None:
    tree = ast.parse((ROOT / "domains" / domain / "definitions.py").read_text())
    for node in tree.body:
        assert not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.For | ast.While
        ), f"domains/{domain}/definitions.py holds logic at line {node.lineno}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_location_loads_in_process(domain: str) -> None:
    module = importlib.import_module(f"domains.{domain}.definitions")
    defs = module.defs
    assert isinstance(defs, dg.Definitions)
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    published = graph.materializable_asset_keys
    assert published, f"{domain} publishes nothing"
    for key in published:
        assert key.path[0] == domain, f"{key.to_user_string()} published by {domain}"
    for key in graph.get_all_asset_keys() - published:  # upstreams of other locations
        assert key.path[0] != domain, f"{key.to_user_string()} is {domain}'s but not built"


def test_every_contract_is_an_asset_of_its_domain() -> None:
    published: set[str] = set()
    for domain in DOMAINS:
        defs = importlib.import_module(f"domains.{domain}.definitions").defs
        graph = defs.resolve_asset_graph()
        published |= {".".join(k.path) for k in graph.materializable_asset_keys}
    assert set(all_contracts()) <= published


@pytest.mark.slow
def test_dagster_loads_all_twelve_code_locations(tmp_path: Path) -> None:
    """What the webserver does: load every location of workspace.yaml in its own process."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for domain in DOMAINS:
        assert f"Validation successful for code location {domain}." in output
    assert "All code locations passed validation." in output


def test_loading_a_location_imports_neither_pandera_nor_polars() -> None:
    """A code location loads without the frame-validation libraries (values are audited in
    the warehouse); each location is loaded in a fresh process, as Dagster does."""
    domain = "customer_intelligence"  # it has Python products as well as SQL ones
    probe = (
        "import importlib, sys\n"
        f"importlib.import_module('domains.{domain}.definitions').defs.resolve_asset_graph()\n"
        "print(sorted(m for m in ('pandera', 'polars') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("key", sorted(all_contracts()))
def test_every_product_is_found_from_its_name(key: str) -> None:
    """From ``domain.product`` a newcomer finds its contract, logic and tests."""
    files = product_files(all_contracts()[key])
    domain, product = key.split(".")
    module, line = files.contract.rsplit(":", 1)
    assert module == f"contracts/{domain}.py" or module.startswith(f"contracts/{domain}/")
    assert "class " in (ROOT / module).read_text().splitlines()[int(line) - 1]
    assert files.logic in (
        f"domains/{domain}/sql/{product}.sql",
        f"domains/{domain}/python/{product}.py",
    )
    assert files.tests == f"tests/domains/test_{domain}.py"
