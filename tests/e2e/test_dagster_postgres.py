"""Dagster on PostgreSQL, as in production: ``mesh build --postgres`` records two products
into a local PostgreSQL server through production's instance configuration
(``deploy/dagster/dagster.yaml``), then ``mesh dev`` (``MESH_DAGSTER_STORAGE=postgres``)
serves the UI on the same instance, and its GraphQL API and the database itself hold the
runs, materialisations and check results; no SQLite file holds any.

One deployment serves the whole module (run it in one process).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import duckdb
import pytest
import yaml

from mesh_platform.settings import DagsterStorage, MeshSettings
from sandbox.processes import free_port
from sandbox.services.postgres import LocalPostgres, local_instance, storage_variables
from tests.support.mesh_dev import MeshDev, mesh_build, state_environment

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ("reviews.survey_responses", "reviews.village_ratings")
"""A product on landing tables and one downstream of it, both of one code location."""
LOCATION = "reviews"
START_TIMEOUT = 240.0

RUNS_QUERY = """
{
  runsOrError {
    __typename
    ... on Runs {
      results { runId status assets { key { path } } assetChecks { name assetKey { path } } }
    }
  }
}
"""

ASSET_NODES_QUERY = """
{
  assetNodes {
    assetKey { path }
    assetChecksOrError { __typename ... on AssetChecks { checks { name } } }
  }
}
"""

MATERIALIZATION_QUERY = """
query Latest($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        metadataEntries { label ... on IntMetadataEntry { intValue } }
      }
    }
  }
}
"""

CHECK_QUERY = """
query Check($path: [String!]!, $check: String!) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, limit: 1) {
    runId
    status
    evaluation { success }
  }
}
"""


@dataclass
class Served(MeshDev):
    """``mesh build --postgres`` done, then ``mesh dev`` running on the same instance."""

    server: LocalPostgres
    state: Path
    build_output: str

    request_timeout: ClassVar[float] = 60.0
    stop_timeout: ClassVar[float] = 60.0

    @property
    def settings(self) -> MeshSettings:
        return MeshSettings(state_dir=self.state, dagster_storage=DagsterStorage.POSTGRES)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with self.server.connection.connect() as connection, connection.cursor() as cursor:
            cursor.execute(query)
            return list(cursor.fetchall())


@pytest.fixture(scope="module")
def served(local_postgres: LocalPostgres) -> Iterator[Served]:
    """The two products built into the running server, then ``mesh dev`` on one code
    location (its own workspace file) and the same instance."""
    state = local_postgres.root.parent
    selection = [arg for key in PRODUCTS for arg in ("--select", key)]
    build_output = mesh_build(state, "--postgres", "--scale", "tiny", *selection)

    project = state / "project"
    project.mkdir()
    module = {"module_name": f"domains.{LOCATION}.definitions", "location_name": LOCATION}
    workspace = {"load_from": [{"python_module": {**module, "working_directory": str(REPO_ROOT)}}]}
    (project / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    port = free_port()
    log = state / "mesh-dev.log"
    env = {**state_environment(state), "MESH_DAGSTER_STORAGE": "postgres"}
    arguments = ["--no-daemon", "--catalog-port", "0"]
    process = MeshDev.launch(port, arguments, cwd=project, env=env, log=log)
    deployment = Served(
        process, f"http://127.0.0.1:{port}", log, local_postgres, state, build_output
    )
    try:
        deployment.wait_until_served(START_TIMEOUT)
        yield deployment
    finally:
        deployment.stop()


def _keys() -> list[list[str]]:
    return [key.split(".") for key in PRODUCTS]


def test_the_instance_configuration_is_productions_and_names_the_installed_driver() -> None:
    production = yaml.safe_load((REPO_ROOT / "deploy" / "dagster" / "dagster.yaml").read_text())
    helm = yaml.safe_load((REPO_ROOT / "deploy" / "helm" / "values.yaml").read_text())
    scheme = production["storage"]["postgres"]["postgres_db"]["scheme"]
    assert scheme == helm["postgresql"]["postgresqlScheme"]
    driver = scheme.split("+", 1)[1]
    __import__(driver)  # the lock installs the driver the URL names
    assert storage_variables(local_instance(production))


def test_the_build_recorded_into_the_running_server(served: Served) -> None:
    port = served.server.connection.port
    assert f"Dagster instance on PostgreSQL: database dagster on 127.0.0.1:{port}" in (
        served.build_output.replace("\n", " ")
    )
    assert "already running" in served.build_output
    written = yaml.safe_load((served.settings.dagster_home / "dagster.yaml").read_text())
    production = yaml.safe_load((REPO_ROOT / "deploy" / "dagster" / "dagster.yaml").read_text())
    assert written == local_instance(production)


def test_the_ui_lists_the_builds_runs(served: Served) -> None:
    runs = served.graphql(RUNS_QUERY)["runsOrError"]
    assert runs["__typename"] == "Runs", runs
    materialised = {
        ".".join(asset["key"]["path"]): run["status"]
        for run in runs["results"]
        for asset in run["assets"]
    }
    assert materialised == dict.fromkeys(PRODUCTS, "SUCCESS")
    assert len(runs["results"]) == len(PRODUCTS)


def test_the_ui_shows_each_materialisation_with_the_published_rows(served: Served) -> None:
    runs = {run["runId"] for run in served.graphql(RUNS_QUERY)["runsOrError"]["results"]}
    warehouse = duckdb.connect(str(served.settings.warehouse_path), read_only=True)
    try:
        for path in _keys():
            asset = served.graphql(MATERIALIZATION_QUERY, path=path)["assetOrError"]
            assert asset["__typename"] == "Asset", asset
            (latest,) = asset["assetMaterializations"]
            assert latest["runId"] in runs
            metadata = {
                entry["label"]: entry.get("intValue") for entry in latest["metadataEntries"]
            }
            table = ".".join(f'"{part}"' for part in path)
            (published,) = warehouse.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
            assert published > 0
            assert metadata["dagster/row_count"] == published, path
    finally:
        warehouse.close()


def test_the_ui_shows_every_check_result(served: Served) -> None:
    nodes = {
        ".".join(node["assetKey"]["path"]): node
        for node in served.graphql(ASSET_NODES_QUERY)["assetNodes"]
    }
    executed = 0
    for run in served.graphql(RUNS_QUERY)["runsOrError"]["results"]:
        (asset,) = run["assets"]
        key = ".".join(asset["key"]["path"])
        planned = {check["name"] for check in run["assetChecks"]}
        defined = nodes[key]["assetChecksOrError"]
        assert defined["__typename"] == "AssetChecks", defined
        # The build runs every check but the freshness check, which the daemon's
        # freshness sensor evaluates.
        assert {check["name"] for check in defined["checks"]} - planned == {"freshness_check"}
        assert planned, key
        for name in sorted(planned):
            executions = served.graphql(CHECK_QUERY, path=key.split("."), check=name)
            (execution,) = executions["assetCheckExecutions"]
            assert execution["runId"] == run["runId"], (key, name)
            assert execution["status"] == "SUCCEEDED", (key, name, execution)
            assert execution["evaluation"]["success"] is True
            executed += 1
    (stored,) = served.sql("SELECT count(*) FROM asset_check_executions")[0]
    assert executed == stored


def test_postgres_holds_the_runs_and_events_and_no_sqlite_file_does(served: Served) -> None:
    graphql_runs = {run["runId"] for run in served.graphql(RUNS_QUERY)["runsOrError"]["results"]}
    stored_runs = {row[0] for row in served.sql("SELECT run_id FROM runs")}
    assert stored_runs == graphql_runs
    assert len(stored_runs) == len(PRODUCTS)
    materialised = served.sql(
        "SELECT DISTINCT asset_key FROM event_logs "
        "WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
    )
    assert {".".join(dg.AssetKey.from_db_string(key).path) for (key,) in materialised} == set(
        PRODUCTS
    )
    home = served.settings.dagster_home
    assert not [p for p in home.rglob("*") if p.suffix in {".db", ".sqlite"}]
    assert not (served.state / "dagster_home").exists()


def test_mesh_dev_stops_and_leaves_the_server_it_did_not_start(served: Served) -> None:
    assert served.stop() == 0, served.output()
    assert "Dagster instance on PostgreSQL" in served.output()
    assert "already running" in served.output()
    assert served.server.recorded() is not None
    assert served.sql("SELECT count(*) FROM runs") == [(len(PRODUCTS),)]
