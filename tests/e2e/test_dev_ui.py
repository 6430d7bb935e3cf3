"""``mesh dev`` end to end: the Dagster UI with the twelve code locations, queried through
its GraphQL API as a browser would, then stopped without leaving a process behind.

One deployment serves the whole module (run it in one process: the last test stops it).
"""

from __future__ import annotations

import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesh_platform.contract import all_contracts
from mesh_platform.derive.checks import contract_checks
from mesh_platform.domains import DOMAINS
from mesh_platform.location import domain_products
from mesh_platform.products.python import PythonProduct
from mesh_platform.products.sql import SqlProduct
from sandbox.processes import free_port
from tests.support.mesh_dev import MeshDev, mesh_build, state_environment

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300.0

LOCATIONS_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { name }
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

ASSETS_QUERY = """
{
  assetNodes {
    assetKey { path }
    dependencyKeys { path }
    repository { location { name } }
    automationCondition { label }
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name } }
    }
  }
}
"""

SENSORS_QUERY = """
{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        location { name }
        sensors { name sensorType sensorState { status } }
      }
    }
  }
}
"""

DAEMON_QUERY = """
{
  instance {
    daemonHealth {
      allDaemonStatuses { daemonType required healthy }
    }
  }
}
"""

AUTOMATION_SENSOR_TYPES = {"AUTO_MATERIALIZE", "AUTOMATION"}

PROPAGATION_CHAIN = (
    "customers.identity_resolution",
    "customers.customer_profile",
    "customers.customer_identity_map",
    "campaigns.campaign_sends",
)
"""Built before ``mesh dev`` starts: an update of the identity map (customers) must then
reach campaign_sends (campaigns), a product of another code location."""
UPSTREAM = "customers.customer_identity_map"
DOWNSTREAM = "campaigns.campaign_sends"
PROPAGATION_TIMEOUT = 420.0

LATEST_MATERIALIZATION_QUERY = """
query Latest($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset { assetMaterializations(limit: 1) { runId timestamp } }
  }
}
"""

RUN_QUERY = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status creationTime tags { key value } }
  }
}
"""

SENSOR_TICKS_QUERY = """
query Ticks($location: String!, $sensor: String!) {
  sensorOrError(sensorSelector: {
    repositoryLocationName: $location, repositoryName: "__repository__", sensorName: $sensor
  }) {
    __typename
    ... on Sensor { sensorState { ticks(limit: 1) { status timestamp } } }
  }
}
"""

Product = SqlProduct | PythonProduct


def _processes_of(state: Path) -> list[int]:
    """Processes whose environment names this state folder: what ``mesh dev`` started."""
    marker = f"MESH_STATE_DIR={state}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


@dataclass
class Deployment(MeshDev):
    """``mesh dev`` on a state folder of its own."""

    state: Path


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """``mesh dev`` on a free port, with its own state folder and Dagster instance."""
    folder = tmp_path_factory.mktemp("mesh-dev")
    state = folder / "state"
    port = free_port()
    log = folder / "mesh-dev.log"
    # Published upstream products and the instance's record of them, as after a
    # `mesh build`: what the daemon needs before an upstream update can propagate.
    chain = [arg for key in PROPAGATION_CHAIN for arg in ("--select", key)]
    mesh_build(state, "--scale", "tiny", *chain)
    env = state_environment(state)
    process = MeshDev.launch(
        port, ["--catalog-port", str(free_port())], cwd=REPO_ROOT, env=env, log=log
    )
    deployment = Deployment(process, f"http://127.0.0.1:{port}", log, state)
    try:
        deployment.wait_until_served(START_TIMEOUT)
        yield deployment
    finally:
        deployment.stop()
        for pid in _processes_of(state):  # only if mesh dev failed to stop its children
            os.kill(pid, signal.SIGKILL)


def _daemon_becomes_healthy(dev: Deployment, within: float = 90.0) -> bool:
    """Whether the daemon's sensor and automation threads report healthy (their first
    heartbeats take a few seconds)."""
    deadline = time.monotonic() + within
    while True:
        statuses = dev.graphql(DAEMON_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
        healthy = {s["daemonType"] for s in statuses if s["healthy"]}
        if {"SENSOR", "ASSET"} <= healthy:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)


@pytest.fixture(scope="module")
def assets(dev: Deployment) -> dict[tuple[str, ...], dict[str, Any]]:
    """The global asset graph, by asset key."""
    nodes = dev.graphql(ASSETS_QUERY)["assetNodes"]
    return {tuple(node["assetKey"]["path"]): node for node in nodes}


@pytest.fixture(scope="module")
def products() -> list[Product]:
    """Every product of the twelve domains, as the code locations define them."""
    return [product for domain in DOMAINS for product in domain_products(domain)]


def _key(product_key: str) -> tuple[str, ...]:
    return tuple(product_key.split(".", 1))


def _dependencies(node: dict[str, Any]) -> set[tuple[str, ...]]:
    return {tuple(dep["path"]) for dep in node["dependencyKeys"]}


def _check_names(node: dict[str, Any]) -> set[str]:
    checks = node["assetChecksOrError"]
    assert checks["__typename"] == "AssetChecks", checks
    return {check["name"] for check in checks["checks"]}


def test_the_twelve_code_locations_load(dev: Deployment) -> None:
    workspace = dev.graphql(LOCATIONS_QUERY)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace

    entries = {e["name"]: e["locationOrLoadError"] for e in workspace["locationEntries"]}
    assert sorted(entries) == sorted(DOMAINS)
    errors = {
        name: (location or {}).get("message", location)
        for name, location in entries.items()
        if (location or {}).get("__typename") != "RepositoryLocation"
    }
    assert not errors, "\n".join(f"{name}: {message}" for name, message in errors.items())


def test_the_generated_workspace_names_running_code_servers(dev: Deployment) -> None:
    workspace = yaml.safe_load((dev.state / "dev" / "workspace.yaml").read_text())

    entries = [entry["grpc_server"] for entry in workspace["load_from"]]
    assert [e["location_name"] for e in entries] == list(DOMAINS)
    assert all(e["host"] == "127.0.0.1" and e["port"] > 0 for e in entries)


def test_every_product_is_in_the_global_asset_graph(
    assets: dict[tuple[str, ...], dict[str, Any]],
) -> None:
    missing = sorted(".".join(_key(k)) for k in all_contracts() if _key(k) not in assets)
    assert not missing, f"products missing from the asset graph: {missing}"
    for product_key in all_contracts():
        domain = product_key.split(".", 1)[0]
        assert assets[_key(product_key)]["repository"]["location"]["name"] == domain


def test_cross_domain_dependencies_are_edges_of_the_graph(
    assets: dict[tuple[str, ...], dict[str, Any]], products: list[Product]
) -> None:
    expected = [
        (product.contract.meta().key, upstream)
        for product in products
        for upstream in product.upstream_products
        if upstream.split(".", 1)[0] != product.contract.meta().domain
    ]

    assert any(
        key.startswith("customer_intelligence.") and upstream.startswith("sales.")
        for key, upstream in expected
    ), "customer_intelligence reads no product of sales"
    missing = [
        f"{key} <- {upstream}"
        for key, upstream in expected
        if _key(upstream) not in _dependencies(assets[_key(key)])
    ]
    assert not missing, f"cross-domain edges missing in the UI: {missing}"


def test_assets_carry_their_contract_and_freshness_checks(
    assets: dict[tuple[str, ...], dict[str, Any]],
) -> None:
    for product_key, contract in all_contracts().items():
        names = _check_names(assets[_key(product_key)])
        expected = {check.name for check in contract_checks(contract)}
        assert expected, product_key
        assert expected <= names, f"{product_key}: missing checks {sorted(expected - names)}"
        if contract.meta().freshness is not None:
            assert "freshness_check" in names, f"{product_key}: no freshness check"


def test_downstream_products_are_automated(
    assets: dict[tuple[str, ...], dict[str, Any]], products: list[Product]
) -> None:
    downstream = [
        product.contract.meta().key
        for product in products
        if set(product.upstream_products) - {product.contract.meta().key}
    ]
    assert downstream
    unautomated = [k for k in downstream if assets[_key(k)]["automationCondition"] is None]
    assert not unautomated, f"products without an automation condition: {unautomated}"


def test_the_daemon_runs_every_sensor_of_the_mesh(dev: Deployment) -> None:
    """Automation conditions and freshness checks are evaluated by sensors: an update
    upstream propagates only if the daemon is healthy and those sensors are running."""
    assert _daemon_becomes_healthy(dev), dev.graphql(DAEMON_QUERY)

    repositories = dev.graphql(SENSORS_QUERY)["repositoriesOrError"]["nodes"]
    sensors = [(repo["location"]["name"], s) for repo in repositories for s in repo["sensors"]]
    assert any(s["sensorType"] in AUTOMATION_SENSOR_TYPES for _, s in sensors), sensors
    stopped = [
        f"{location}: {sensor['name']}"
        for location, sensor in sensors
        if sensor["sensorState"]["status"] != "RUNNING"
    ]
    assert not stopped, f"sensors the daemon will not run (stopped by default): {stopped}"


def _latest_materialization(dev: Deployment, product_key: str) -> tuple[str, float] | None:
    """The run id and time (epoch seconds) of a product's latest materialisation."""
    asset = dev.graphql(LATEST_MATERIALIZATION_QUERY, path=list(_key(product_key)))
    asset = asset["assetOrError"]
    assert asset["__typename"] == "Asset", asset
    events = asset["assetMaterializations"]
    return (events[0]["runId"], float(events[0]["timestamp"]) / 1000) if events else None


def _wait_for(condition: Any, within: float, what: str, dev: Deployment) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {within:.0f} s:\n{dev.output()}")
        time.sleep(2.0)


def test_an_upstream_update_propagates_across_domains(dev: Deployment) -> None:
    """Nobody launches campaign_sends: the campaigns location's automation sensor sees the
    customers location's identity map updated and materialises it, and it succeeds."""
    assert _daemon_becomes_healthy(dev), dev.graphql(DAEMON_QUERY)
    for domain in ("customers", "campaigns"):  # both sensors have seen the built state

        def ticked(domain: str = domain) -> bool:
            sensor = dev.graphql(
                SENSOR_TICKS_QUERY, location=domain, sensor=f"{domain}_automation_sensor"
            )["sensorOrError"]
            assert sensor["__typename"] == "Sensor", sensor
            return bool(sensor["sensorState"]["ticks"])

        _wait_for(ticked, PROPAGATION_TIMEOUT, f"no tick of {domain}'s automation sensor", dev)

    before = _latest_materialization(dev, DOWNSTREAM)
    assert before is not None, f"{DOWNSTREAM} was built before mesh dev started"

    mesh_build(dev.state, "--no-simulate", "--select", UPSTREAM)
    updated = _latest_materialization(dev, UPSTREAM)
    assert updated is not None

    def propagated() -> tuple[str, float] | None:
        latest = _latest_materialization(dev, DOWNSTREAM)
        return latest if latest is not None and latest[1] > updated[1] else None

    run_id, _ = _wait_for(
        propagated, PROPAGATION_TIMEOUT, f"{DOWNSTREAM} not rematerialised after {UPSTREAM}", dev
    )
    run = dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]
    assert run["__typename"] == "Run", run
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert tags.get("dagster/sensor_name") == "campaigns_automation_sensor", tags
    assert run["creationTime"] > updated[1], "the run was requested before the update"
    _wait_for(
        lambda: (
            dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]["status"]
            in {"SUCCESS", "FAILURE", "CANCELED"}
        ),
        PROPAGATION_TIMEOUT,
        f"run {run_id} did not finish",
        dev,
    )
    assert dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]["status"] == "SUCCESS"


def test_the_catalog_is_served_beside_the_ui(dev: Deployment) -> None:
    """``mesh dev`` builds the data catalog from the last runs and serves it, linked in its
    output, while the UI is already up."""
    deadline = time.monotonic() + START_TIMEOUT
    found = None
    while found is None:
        found = re.search(r"Data catalog on (http://\S+/)", dev.log.read_text(errors="replace"))
        if found is None:
            assert time.monotonic() < deadline, dev.output()
            time.sleep(1.0)
    url = found.group(1)
    while True:  # served once built from the last runs
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                assert "resorts.villages" in response.read().decode()
                break
        except urllib.error.URLError:
            assert time.monotonic() < deadline, dev.output()
            time.sleep(1.0)
    with urllib.request.urlopen(f"{url}products/resorts.villages.html", timeout=10) as response:
        assert response.status == 200


def test_stopping_mesh_dev_leaves_no_process(dev: Deployment) -> None:
    children = _processes_of(dev.state)
    assert len(children) >= len(DOMAINS) + 2  # code servers, webserver, daemon

    assert dev.stop() == 0, dev.output()

    assert _processes_of(dev.state) == [], dev.output()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{dev.url}/server_info", timeout=5)
