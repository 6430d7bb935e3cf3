"""The production deployment files under deploy/ agree with the code.

No image is built and nothing is deployed here: the files are read and checked against
the code they deploy (their lists of domains are written by `mesh domains sync` and checked
in tests/platform/test_domains.py). A Dagster instance that Dagster's own schema accepts and
that the Helm values render the same way; an image that installs the lock; datasets
and policy tags derived from the domains and the contract model; lineage over HTTP to a
URL from the environment; no secret anywhere in deploy/.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.ref import InstanceRef
from dagster._serdes.config_class import ConfigurableClassData, class_from_code_pointer
from packaging.specifiers import SpecifierSet

from mesh_platform.contract import Classification
from mesh_platform.domains import DOMAINS
from mesh_platform.landing import LANDING_PREFIX
from mesh_platform.settings import EngineName, MeshSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
PREREQUISITES = DEPLOY / "helm" / "prerequisites.yaml"
INSTANCE_DIR = DEPLOY / "dagster"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
DOCKERIGNORE = DEPLOY / "docker" / "Dockerfile.dockerignore"
GCP = DEPLOY / "gcp"
OPENLINEAGE_YML = DEPLOY / "openlineage" / "openlineage.yml"
README = DEPLOY / "README.md"

DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


def own_files() -> Iterator[Path]:
    """Every file of the production deployment (deploy/local/ is the local launcher)."""
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and DEPLOY / "local" not in path.parents:
            yield path


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@cache
def helm_values() -> dict[str, Any]:
    values: dict[str, Any] = load_yaml(HELM_VALUES)
    return values


@cache
def instance_yaml() -> dict[str, Any]:
    instance: dict[str, Any] = load_yaml(INSTANCE_DIR / "dagster.yaml")
    return instance


def user_deployments() -> list[dict[str, Any]]:
    deployments: list[dict[str, Any]] = helm_values()["dagster-user-deployments"]["deployments"]
    return deployments


def prerequisites() -> dict[str, dict[str, Any]]:
    """Kind -> the manifest of that kind in prerequisites.yaml."""
    documents = [d for d in yaml.safe_load_all(PREREQUISITES.read_text()) if d]
    return {d["kind"]: d for d in documents}


def env_references(node: Any) -> set[str]:
    """The variables named by ``{env: NAME}`` anywhere in a Dagster config tree."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(env_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(env_references(v) for v in node))
    return set()


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    """The Helm chart's camelCase keys as the instance's snake_case keys (one level)."""
    return {snake(key): value for key, value in mapping.items()}


# -- YAML


@pytest.mark.parametrize(
    "path",
    [p for p in own_files() if p.suffix in {".yaml", ".yml"}],
    ids=lambda p: p.relative_to(DEPLOY).as_posix(),
)
def test_yaml_file_parses(path: Path) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert documents, f"{path.relative_to(ROOT)} holds no YAML document"
    assert all(isinstance(d, dict) for d in documents)


# -- code locations: Helm user deployments and the deploy workspace


def test_code_servers_have_kubernetes_names_and_distinct_ports() -> None:
    names = [d["name"] for d in user_deployments()]
    ports = [d["port"] for d in user_deployments()]
    assert all(DNS_LABEL.match(name) for name in names), names
    assert len(set(ports)) == len(ports), ports


def test_every_pod_runs_the_one_image() -> None:
    values = helm_values()
    image = values["dagsterWebserver"]["image"]
    assert isinstance(image["repository"], str)
    assert isinstance(image["tag"], str)
    assert values["dagsterDaemon"]["image"] == image
    assert all(d["image"] == image for d in user_deployments())


# -- the Dagster instance


@pytest.fixture
def instance_env(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every variable that dagster.yaml reads, set to a placeholder."""
    names = env_references(instance_yaml())
    for name in names:
        monkeypatch.setenv(name, "5432" if name.endswith("_PORT") else "placeholder")
    return names


def test_dagster_yaml_validates_with_dagsters_instance_schema(instance_env: set[str]) -> None:
    assert instance_env, "the instance takes its settings from the environment"
    ref = InstanceRef.from_dir(str(INSTANCE_DIR))
    parts: dict[str, ConfigurableClassData | None] = {
        "storage": ref.storage_data,
        "run_storage": ref.run_storage_data,
        "event_log_storage": ref.event_storage_data,
        "schedule_storage": ref.schedule_storage_data,
        "run_coordinator": ref.run_coordinator_data,
        "run_launcher": ref.run_launcher_data,
        "compute_logs": ref.compute_logs_data,
        "scheduler": ref.scheduler_data,
    }
    classes: dict[str, str] = {}
    for part, data in parts.items():
        assert data is not None, f"dagster.yaml: no {part}"
        klass: Any = class_from_code_pointer(data.module_name, data.class_name)
        result = process_config(klass.config_type(), yaml.safe_load(data.config_yaml) or {})
        assert result.success, f"dagster.yaml {part}: {result.errors}"
        classes[part] = data.class_name
    assert classes["storage"] == "DagsterPostgresStorage"
    assert classes["run_coordinator"] == "QueuedRunCoordinator"
    assert classes["run_launcher"] == "K8sRunLauncher"
    assert classes["compute_logs"] == "GCSComputeLogManager"


def test_dagster_yaml_takes_no_password_from_the_file() -> None:
    postgres_db = instance_yaml()["storage"]["postgres"]["postgres_db"]
    assert postgres_db["password"] == {"env": "DAGSTER_PG_PASSWORD"}


def test_dagster_yaml_variables_are_documented() -> None:
    readme = README.read_text()
    missing = sorted(n for n in env_references(instance_yaml()) if f"`{n}`" not in readme)
    assert not missing, f"deploy/README.md does not document {missing}"


def test_helm_values_render_the_instance_of_dagster_yaml() -> None:
    values, instance = helm_values(), instance_yaml()
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert daemon["runCoordinator"]["type"] == instance["run_coordinator"]["class"]
    assert snake_keys(queued) == instance["run_coordinator"]["config"]
    assert snake_keys(daemon["runMonitoring"]) == instance["run_monitoring"]
    assert snake_keys(daemon["runRetries"]) == instance["run_retries"]
    assert snake_keys(daemon["sensors"]) == instance["sensors"]
    assert snake_keys(daemon["schedules"]) == instance["schedules"]
    retention = {k: snake_keys(v) for k, v in values["retention"].items() if k != "enabled"}
    assert retention == instance["retention"]
    assert values["telemetry"] == instance["telemetry"]

    logs = values["computeLogManager"]
    assert logs["type"] == instance["compute_logs"]["class"]
    assert snake_keys(logs["config"]["gcsComputeLogManager"]) == instance["compute_logs"]["config"]

    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    k8s = instance["run_launcher"]["config"]
    assert values["runLauncher"]["type"] == instance["run_launcher"]["class"]
    assert [c["name"] for c in launcher["envConfigMaps"]] == k8s["env_config_maps"]
    assert launcher["imagePullPolicy"] == k8s["image_pull_policy"]
    assert launcher["labels"] == k8s["labels"]
    assert launcher["resources"] == k8s["resources"]
    assert launcher["failPodOnRunFailure"] == k8s["fail_pod_on_run_failure"]
    assert values["global"]["postgresqlSecretName"] == k8s["postgres_password_secret"]
    assert values["global"]["serviceAccountName"] == k8s["service_account_name"]


def test_tag_concurrency_limits_one_code_location_at_a_time() -> None:
    config = instance_yaml()["run_coordinator"]["config"]
    limits = {limit["key"]: limit for limit in config["tag_concurrency_limits"]}
    per_location = limits["dagster/code_location"]
    assert per_location["value"] == {"applyLimitPerUniqueValue": True}
    assert 0 < per_location["limit"] < config["max_concurrent_runs"]


def test_helm_values_hold_no_database_password() -> None:
    values = helm_values()
    assert values["postgresql"]["enabled"] is False
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["postgresql"]["postgresqlPassword"] == ""


# -- the environment of the pods


def config_map_names_used() -> set[str]:
    values = helm_values()
    lists = [
        values["dagsterWebserver"]["envConfigMaps"],
        values["dagsterDaemon"]["envConfigMaps"],
        values["runLauncher"]["config"]["k8sRunLauncher"]["envConfigMaps"],
        *(d["envConfigMaps"] for d in user_deployments()),
    ]
    return {item["name"] for items in lists for item in items}


def test_prerequisites_provide_what_the_values_reference() -> None:
    manifests = prerequisites()
    config_map = manifests["ConfigMap"]
    assert config_map_names_used() == {config_map["metadata"]["name"]}
    account = manifests["ServiceAccount"]["metadata"]["name"]
    assert account == helm_values()["global"]["serviceAccountName"]
    annotations = manifests["ServiceAccount"]["metadata"]["annotations"]
    assert annotations["iam.gke.io/gcp-service-account"].endswith(".iam.gserviceaccount.com")
    data = config_map["data"]
    missing = env_references(helm_values()) - set(data)
    assert not missing, f"the ConfigMap does not set {sorted(missing)}"


def test_configmap_settings_are_mesh_settings_and_select_bigquery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = prerequisites()["ConfigMap"]["data"]
    known = {f"MESH_{name.upper()}" for name in MeshSettings.model_fields}
    mesh_variables = {k: v for k, v in data.items() if k.startswith("MESH_")}
    assert set(mesh_variables) <= known, set(mesh_variables) - known
    for key, value in mesh_variables.items():
        monkeypatch.setenv(key, value)
    settings = MeshSettings()
    assert settings.engine_name is EngineName.BIGQUERY
    assert [settings.dataset_for(d) for d in DOMAINS] == list(DOMAINS)


def test_readme_names_only_real_mesh_settings() -> None:
    known = {f"MESH_{name.upper()}" for name in MeshSettings.model_fields}
    named = set(re.findall(r"\bMESH_[A-Z_]+\b", README.read_text()))
    assert named <= known, named - known
    assert {"MESH_ENV", "MESH_GCP_PROJECT", "MESH_BRANCH", "MESH_DATASET_PREFIX"} <= named


def test_branch_datasets_are_prefixed_as_the_readme_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_ENV", "branch")
    monkeypatch.setenv("MESH_BRANCH", "feature-x")
    settings = MeshSettings()
    assert settings.dataset_for("sales") == "feature_x__sales"
    assert settings.dataset_for(f"{LANDING_PREFIX}sales") == "feature_x__landing_sales"
    readme = README.read_text()
    assert "`feature_x__<domain>`" in readme
    assert "`feature_x__landing_<domain>`" in readme


# -- the image


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def dockerfile_args() -> dict[str, str]:
    return dict(
        line.split(None, 1)[1].split("=", 1)
        for line in dockerfile_instructions()
        if line.startswith("ARG ") and "=" in line
    )


def test_dockerfile_installs_the_lock_with_uv() -> None:
    instructions = dockerfile_instructions()
    copies = [line.split() for line in instructions if line.startswith("COPY ")]
    assert any("uv.lock" in words for words in copies), "the image must hold uv.lock"
    syncs = [line for line in instructions if line.startswith("RUN ") and "uv sync" in line]
    assert syncs, "the image must install with uv sync"
    for line in syncs:
        assert "--frozen" in line.split(), line
        assert "--no-dev" in line.split(), line


def test_dockerfile_uses_the_pinned_uv_and_a_supported_python() -> None:
    launcher = (DEPLOY / "local" / "run").read_text()
    pinned = re.search(r'^UV_VERSION="([^"]+)"', launcher, re.MULTILINE)
    assert pinned is not None
    args = dockerfile_args()
    assert args["UV_VERSION"] == pinned.group(1)
    pyproject = (ROOT / "pyproject.toml").read_text()
    requires = re.search(r'^requires-python = "([^"]+)"', pyproject, re.MULTILINE)
    assert requires is not None
    assert f"{args['PYTHON_VERSION']}.0" in SpecifierSet(requires.group(1))


def test_dockerfile_copies_files_that_exist_and_are_in_the_build_context() -> None:
    allowed = [
        line[1:].strip() for line in DOCKERIGNORE.read_text().splitlines() if line.startswith("!")
    ]
    sources = []
    for line in dockerfile_instructions():
        words = line.split()
        if words[0] != "COPY" or any(w.startswith("--from=") for w in words):
            continue
        sources += [w for w in words[1:-1] if not w.startswith("--")]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
        assert source.rstrip("/") in allowed, f"{DOCKERIGNORE.name} leaves {source} out"


def test_the_image_excludes_the_local_sandbox() -> None:
    """The sandbox (simulation, dev server, emulators) is a dev-group workspace member:
    the image neither copies its folder nor installs it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    sandbox = tomllib.loads((ROOT / "sandbox" / "pyproject.toml").read_text())["project"]["name"]
    dependencies = " ".join(pyproject["project"]["dependencies"])
    assert sandbox not in dependencies
    assert sandbox in pyproject["dependency-groups"]["dev"]
    assert not any(
        "sandbox" in p for p in pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    )
    included = [
        line[1:].strip() for line in DOCKERIGNORE.read_text().splitlines() if line.startswith("!")
    ]
    assert not any(line.startswith("sandbox") for line in included), included
    for line in dockerfile_instructions():
        assert "sandbox" not in line, line
        if "uv sync" in line:
            assert "--all-packages" not in line.split(), line
            assert "--package" not in line.split(), line


def test_openlineage_config_is_where_the_image_puts_it() -> None:
    copy = next(
        line.split()
        for line in dockerfile_instructions()
        if line.startswith("COPY ") and OPENLINEAGE_YML.relative_to(ROOT).as_posix() in line
    )
    assert prerequisites()["ConfigMap"]["data"]["OPENLINEAGE_CONFIG"] == copy[-1]


# -- Google Cloud


@cache
def terraform() -> dict[str, list[dict[str, Any]]]:
    """Every block of deploy/gcp/*.tf, by block type."""
    blocks: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(GCP.glob("*.tf")):
        with path.open() as handle:
            for kind, items in hcl2.load(handle).items():
                blocks.setdefault(kind, []).extend(items)
    return blocks


def unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def terraform_resources() -> dict[tuple[str, str], dict[str, Any]]:
    """(type, name) -> the resource's attributes."""
    return {
        (unquote(kind), unquote(name)): body
        for block in terraform().get("resource", [])
        for kind, named in block.items()
        for name, body in named.items()
    }


def terraform_locals() -> dict[str, Any]:
    return {
        k: v for block in terraform().get("locals", []) for k, v in block.items() if k[0] != "_"
    }


def tfvars() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GCP / "mesh.auto.tfvars.json").read_text())
    return data


def test_gcp_lists_are_the_domains_and_the_classifications() -> None:
    # The domains are written by `mesh domains sync` (tests/platform/test_domains.py).
    assert list(tfvars()) == ["domains", "classifications"]
    assert tfvars()["classifications"] == [c.value for c in Classification]


def test_gcp_datasets_are_derived_from_the_domain_list() -> None:
    resources = terraform_resources()
    product = resources[("google_bigquery_dataset", "product")]
    landing = resources[("google_bigquery_dataset", "landing")]
    assert terraform_locals()["domains"] == "${toset(var.domains)}"
    assert product["for_each"] == landing["for_each"] == "${local.domains}"
    # The names of MeshSettings.dataset_for, with the environment's prefix.
    assert unquote(product["dataset_id"]) == "${var.dataset_prefix}${each.key}"
    assert unquote(landing["dataset_id"]) == f"${{var.dataset_prefix}}{LANDING_PREFIX}${{each.key}}"
    assert product["location"] == landing["location"] == "${var.location}"


def test_gcp_policy_tags_are_the_pii_classifications() -> None:
    not_tagged = [c.value for c in Classification if not c.is_pii]
    assert not_tagged == ["none"]
    assert 'if c != "none"' in terraform_locals()["pii_classifications"]
    tags = terraform_resources()[("google_data_catalog_policy_tag", "classification")]
    assert tags["for_each"] == "${local.pii_classifications}"
    taxonomy = terraform_resources()[("google_data_catalog_taxonomy", "classification")]
    policy_types = [unquote(t) for t in taxonomy["activated_policy_types"]]
    assert policy_types == ["FINE_GRAINED_ACCESS_CONTROL"]


def test_terraform_references_are_declared() -> None:
    text = "\n".join(p.read_text() for p in sorted(GCP.glob("*.tf")))
    variables = {unquote(k) for block in terraform()["variable"] for k in block}
    used_variables = set(re.findall(r"\bvar\.(\w+)", text))
    assert used_variables <= variables, used_variables - variables
    locals_ = set(terraform_locals())
    used_locals = set(re.findall(r"\blocal\.(\w+)", text))
    assert used_locals <= locals_, used_locals - locals_
    resources = {f"{kind}.{name}" for kind, name in terraform_resources()}
    used_resources = set(re.findall(r"(?<![\w\"/.])google_\w+\.\w+", text))
    assert used_resources <= resources, used_resources - resources
    assert set(tfvars()) <= variables
    example = {
        m.group(1)
        for m in re.finditer(r"^(?:# )?(\w+) *=", (GCP / "example.tfvars").read_text(), re.M)
    }
    assert example <= variables, example - variables


# -- lineage


def test_openlineage_posts_over_http_to_the_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openlineage.client.transport.http import HttpTransport

    from mesh_platform.lineage import build_client, standard_configuration

    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_DISABLED", "OPENLINEAGE_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENLINEAGE_CONFIG", str(OPENLINEAGE_YML))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", "http://marquez.test:5000")
    assert standard_configuration()
    transport = build_client(tmp_path / "events.jsonl").transport
    assert isinstance(transport, HttpTransport)
    assert transport.url == "http://marquez.test:5000"
    assert transport.endpoint == "api/v1/lineage"
    assert not (tmp_path / "events.jsonl").exists()


# -- versions


def test_chart_version_is_the_locked_dagster() -> None:
    dagster = version("dagster")
    for path in (README, HELM_VALUES):
        versions = set(re.findall(r"--version (\S+)", path.read_text()))
        assert versions == {dagster}, f"{path.relative_to(ROOT)}: chart {versions} for {dagster}"
    for library in ("dagster-postgres", "dagster-k8s", "dagster-gcp"):
        assert version(library).split(".")[2] == dagster.split(".")[2], library


# -- secrets and machine paths


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "service account key": re.compile(r"\"private_key(_id)?\"\s*:"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Google OAuth token": re.compile(r"\bya29\.[0-9A-Za-z_\-]+"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]+"),
    "credential in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    # A literal after a key that ends like a secret; references ({env: ...}, $VAR, "" or a
    # <placeholder>) are not literals, nor is GitHub Actions' permission id-token.
    "literal secret value": re.compile(
        r"(?i)(?<![\w.-])(?!id-token\b)[\w.-]*"
        r"(?:password|passwd|token|apikey|api_key|secret_key|private_key)[\"']?"
        r"\s*[:=]\s*[\"']?(?![<{$\"'\s])[^\"'\s,}]+"
    ),
}


@pytest.mark.parametrize(
    "sample",
    [
        "password: hunter2",
        '"apiKey": "0123456789abcdef"',
        "postgresql://dagster:hunter2@db:5432/dagster",
        "-----BEGIN RSA PRIVATE KEY-----",
        '{"type": "service_account", "private_key": "..."}',
    ],
)
def test_secret_patterns_catch_secrets(sample: str) -> None:
    assert any(p.search(sample) for p in SECRET_PATTERNS.values()), sample


@pytest.mark.parametrize(
    "sample",
    [
        "password: {env: DAGSTER_PG_PASSWORD}",
        'postgresqlPassword: ""',
        "postgres_password_secret: trident-postgresql",
        '--from-literal=postgresql-password="$(gcloud secrets versions access latest)"',
        '"apiKey": "<key>"',
        "id-token: write",
    ],
)
def test_secret_patterns_let_references_through(sample: str) -> None:
    assert not any(p.search(sample) for p in SECRET_PATTERNS.values()), sample


def test_no_secret_in_deploy() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {kind}"
        for path in own_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for kind, pattern in SECRET_PATTERNS.items()
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def test_no_path_of_a_machine_in_deploy() -> None:
    machine_path = re.compile(r"(?<![\w.-])/(?:work|root|home|Users)/")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in own_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if machine_path.search(line)
    ]
    assert not found, found
