"""The twelve code locations: declared, shaped alike, and loadable."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from mesh_platform.contract import all_contracts
from mesh_platform.domains import DOMAINS

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_SHAPE = {"__init__.py", "definitions.py", "products.py", "sql"}


def _workspace_modules() -> dict[str, str]:
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    return {
        entry["python_module"]["location_name"]: entry["python_module"]["module_name"]
        for entry in workspace["load_from"]
    }


def test_workspace_lists_the_twelve_domains() -> None:
    modules = _workspace_modules()
    assert list(modules) == list(DOMAINS)
    assert all(modules[d] == f"domains.{d}.definitions" for d in DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_the_same_shape(domain: str) -> None:
    folder = ROOT / "domains" / domain
    entries = {p.name for p in folder.iterdir() if p.name != "__pycache__"}
    assert entries == DOMAIN_SHAPE, f"domains/{domain} differs from the skeleton"
    sql_files = [p for p in (folder / "sql").iterdir() if p.name != ".gitkeep"]
    assert all(p.suffix == ".sql" for p in sql_files), f"domains/{domain}/sql holds non-SQL files"


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
