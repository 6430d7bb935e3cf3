"""The domains, found once in the folders, and the files generated from them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._core.workspace.config_schema import process_workspace_config
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.domain_files import (
    GENERATED_FILES,
    DomainFilesError,
    begin_marker,
    end_marker,
    order_problems,
    service_name,
    stale_files,
    sync,
)
from mesh_platform.domains import DOMAINS, ORDER, find_domains

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def make_domains(folder: Path, names: Sequence[str]) -> None:
    """A ``domains/`` folder with one package (and its definitions.py) per name."""
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text("")
        (folder / name / "definitions.py").write_text("")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's generated files beside folders for the twelve domains."""
    for file in GENERATED_FILES:
        (tmp_path / file.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / file.path, tmp_path / file.path)
    make_domains(tmp_path / "domains", ORDER)
    return tmp_path


def generated_text(path: str, domains: Sequence[str]) -> str:
    """The repository's file at ``path`` as ``domains`` would generate it."""
    file = next(f for f in GENERATED_FILES if f.path == path)
    return file.generate((ROOT / path).read_text(), domains)


def outside_blocks(text: str) -> str:
    """``text`` without the lines of its generated blocks (markers kept)."""
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        if line.strip().startswith("# END "):
            inside = False
        if not inside:
            kept.append(line)
        if line.strip().startswith("# BEGIN "):
            inside = True
    return re.sub(r'"domains": \[[^\]]*\]', '"domains": []', "".join(kept))


# -- finding the domains


def test_a_domain_is_a_folder_with_a_code_location(tmp_path: Path) -> None:
    make_domains(tmp_path, ["zoo", "sales", "alpine", "customers"])
    (tmp_path / "notes").mkdir()  # no definitions.py
    (tmp_path / "__pycache__").mkdir()
    make_domains(tmp_path, ["Not-a-package"])
    (tmp_path / "common.py").write_text("")

    # Those of ORDER in its order, then the others alphabetically.
    assert find_domains(tmp_path) == ("customers", "sales", "alpine", "zoo")


def test_the_mesh_lists_its_folders_without_importing_domain_code() -> None:
    code = (
        "import sys; from mesh_platform.domains import DOMAINS; "
        "print(','.join(DOMAINS)); print(sorted(m for m in sys.modules if m.startswith('domains')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    listed, imported = result.stdout.splitlines()
    assert listed == ",".join(find_domains(ROOT / "domains")) == ",".join(DOMAINS)
    assert imported == "[]"


def test_every_declared_domain_has_its_folder() -> None:
    assert order_problems(ROOT) == []
    assert DOMAINS[: len(ORDER)] == ORDER


# -- the generated files of the repository


def test_the_generated_files_are_up_to_date() -> None:
    result = runner.invoke(app, ["domains", "sync", "--check", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "12 domains; the generated files are up to date" in result.output


def test_a_stale_file_is_detected_and_rewritten(project: Path) -> None:
    before = {file.path: (project / file.path).read_text() for file in GENERATED_FILES}
    make_domains(project / "domains", ["zoo"])
    shutil.rmtree(project / "domains" / "web")
    without_web = [d for d in ORDER if d != "web"]

    checked = runner.invoke(app, ["domains", "sync", "--check", "--root", str(project)])
    assert checked.exit_code == 1
    for file in GENERATED_FILES:
        assert f"stale: {file.path}" in checked.output
    assert "+      location_name: zoo" in checked.output
    assert "-      location_name: web" in checked.output
    assert "ORDER names 'web' but there is no domains/web/definitions.py" in checked.output
    assert all((project / p).read_text() == text for p, text in before.items())

    written = runner.invoke(app, ["domains", "sync", "--root", str(project)])
    assert written.exit_code == 1  # ORDER still names web
    assert all(f"wrote {file.path}" in written.output for file in GENERATED_FILES)
    assert stale_files(project) == []
    domains = [*without_web, "zoo"]
    for file in GENERATED_FILES:
        text = (project / file.path).read_text()
        assert outside_blocks(text) == outside_blocks(before[file.path]), file.path
        assert text == generated_text(file.path, domains)
    workspace = yaml.safe_load((project / "workspace.yaml").read_text())
    assert [e["python_module"]["location_name"] for e in workspace["load_from"]] == domains


def test_a_block_is_rewritten_between_its_markers_only(project: Path) -> None:
    path = project / "deploy" / "helm" / "values.yaml"
    edited = path.read_text().replace("port: 4003}", "port: 4999}")
    path.write_text(edited)

    [stale] = stale_files(project)
    assert stale.path == "deploy/helm/values.yaml"
    assert "-      - {name: products, host: trident-products, port: 4999}" in stale.diff
    assert "+      - {name: products, host: trident-products, port: 4003}" in stale.diff
    assert sync(project) == ["deploy/helm/values.yaml"]
    assert path.read_text() == (ROOT / "deploy" / "helm" / "values.yaml").read_text()


@pytest.mark.parametrize("marker", [begin_marker, end_marker])
def test_a_file_without_its_markers_is_refused(project: Path, marker: Any) -> None:
    path = project / "pyproject.toml"
    line = marker("domain-independence")
    path.write_text(path.read_text().replace(line + "\n", ""))

    with pytest.raises(DomainFilesError, match=r"pyproject\.toml: needs one"):
        stale_files(project)
    result = runner.invoke(app, ["domains", "sync", "--check", "--root", str(project)])
    assert result.exit_code == 1
    assert "pyproject.toml" in result.output


def test_domains_list_prints_the_mesh_order() -> None:
    result = runner.invoke(app, ["domains", "list", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert result.output.split() == list(DOMAINS)


# -- what the generated files say, for the mesh's domains and one more

DOMAINS_AND_ONE_MORE = (*DOMAINS, "new_domain")


def helm_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(
        generated_text("deploy/helm/values.yaml", DOMAINS_AND_ONE_MORE)
    )
    return values


def user_deployments() -> list[dict[str, Any]]:
    deployments: list[dict[str, Any]] = helm_values()["dagster-user-deployments"]["deployments"]
    return deployments


def deploy_workspace() -> dict[str, Any]:
    workspace: dict[str, Any] = yaml.safe_load(
        generated_text("deploy/dagster/workspace.yaml", DOMAINS_AND_ONE_MORE)
    )
    return workspace


def deploy_grpc_servers() -> list[dict[str, Any]]:
    return [entry["grpc_server"] for entry in deploy_workspace()["load_from"]]


def root_workspace_modules() -> dict[str, str]:
    """Location name -> module of the generated workspace.yaml."""
    entries = yaml.safe_load(generated_text("workspace.yaml", DOMAINS_AND_ONE_MORE))["load_from"]
    return {e["python_module"]["location_name"]: e["python_module"]["module_name"] for e in entries}


def test_the_repository_workspace_names_one_module_per_domain() -> None:
    modules = root_workspace_modules()
    assert list(modules) == list(DOMAINS_AND_ONE_MORE)
    assert modules == {d: f"domains.{d}.definitions" for d in DOMAINS_AND_ONE_MORE}


def test_helm_has_exactly_one_user_deployment_per_domain() -> None:
    names = [d["name"] for d in user_deployments()]
    assert sorted(names) == sorted(service_name(d) for d in DOMAINS_AND_ONE_MORE)
    modules = root_workspace_modules()
    by_name = {d["name"]: d for d in user_deployments()}
    for domain in DOMAINS_AND_ONE_MORE:
        deployment = by_name[service_name(domain)]
        assert deployment["dagsterApiGrpcArgs"] == ["-m", modules[domain]], domain
        assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}, domain
        assert deployment["labels"]["trident/domain"] == domain
    resources = {repr(d["resources"]) for d in user_deployments()}
    assert len(resources) == 1
    image = helm_values()["dagsterWebserver"]["image"]
    assert all(d["image"] == image for d in user_deployments())


def test_deploy_workspace_is_valid_and_has_one_grpc_server_per_domain() -> None:
    result = process_workspace_config(deploy_workspace())
    assert result.success, result.errors
    servers = deploy_grpc_servers()
    assert sorted(s["location_name"] for s in servers) == sorted(DOMAINS_AND_ONE_MORE)
    ports = {d["name"]: d["port"] for d in user_deployments()}
    assert len(set(ports.values())) == len(ports)
    for server in servers:
        domain = server["location_name"]
        assert server["host"] == service_name(domain), domain
        assert server["port"] == ports[service_name(domain)], domain


def test_webserver_workspace_is_the_deploy_workspace() -> None:
    workspace = helm_values()["dagsterWebserver"]["workspace"]
    assert workspace["enabled"] is True
    servers = [
        {"location_name": s["name"], "host": s["host"], "port": s["port"]}
        for s in workspace["servers"]
    ]
    assert servers == deploy_grpc_servers()


def test_gcp_domains_are_the_domains() -> None:

    tfvars = json.loads(generated_text("deploy/gcp/mesh.auto.tfvars.json", DOMAINS_AND_ONE_MORE))
    assert tfvars["domains"] == list(DOMAINS_AND_ONE_MORE)


def test_no_domain_imports_another_one() -> None:

    pyproject = tomllib.loads(generated_text("pyproject.toml", DOMAINS_AND_ONE_MORE))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    [independence] = [c for c in contracts if c["type"] == "independence"]
    assert independence["modules"] == [f"domains.{d}" for d in DOMAINS_AND_ONE_MORE]
