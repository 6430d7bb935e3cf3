"""``mesh_platform.deploy``: the deploy plan's rules over crafted changes, the comparison
of deployment files, and the graph read from this repository."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesh_platform.deploy import config, graph, plan
from mesh_platform.deploy.config import helm_scope, workspace_scope
from mesh_platform.deploy.graph import image_paths, python_reads, read_imports, sql_reads
from mesh_platform.deploy.plan import SYSTEM, Action, Change, Graph, decide, import_chain
from mesh_platform.domains import DOMAINS

ROOT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((ROOT / "tests/fixtures/deploy/plan_cases.yaml").read_text())


def _graph(data: dict[str, Any]) -> Graph:
    return Graph(
        domains=tuple(data["domains"]),
        imports={m: frozenset(i) for m, i in data["imports"].items()},
        contract_products={m: frozenset(p) for m, p in data["contract_products"].items()},
        reads={d: frozenset(r) for d, r in data["reads"].items()},
        image_paths=tuple(data["image_paths"]),
    )


GRAPH = _graph(CASES["graph"])


def _change(item: str | dict[str, Any]) -> Change:
    if isinstance(item, str):
        return Change(item)
    configures = item.get("configures")
    return Change(item["path"], None if configures is None else frozenset(configures))


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["title"] for c in CASES["cases"]])
def test_plan_case(case: dict[str, Any]) -> None:
    changes = [_change(item) for item in case["changes"]]
    result = plan.plan(changes, GRAPH)
    assert list(result.redeploy) == case["redeploy"]
    assert list(result.notify) == case["notify"]
    decided = {d.path: d.rule for d in result.decisions}
    for path, rule in (case.get("rules") or {}).items():
        assert decided[path] == rule, path
    for row in result.rows:
        if row.action is not Action.NONE:
            assert row.reasons, row.location
            assert {r.path for r in row.reasons} <= {c.path for c in changes}
    for decision in result.unaffecting:
        assert decision.detail.startswith("no redeploy: "), decision


def test_every_location_has_one_row_domains_first_then_the_system() -> None:
    result = plan.plan([Change("README.md")], GRAPH)
    assert [r.location for r in result.rows] == [*GRAPH.domains, SYSTEM]
    assert {r.action for r in result.rows} == {Action.NONE}
    assert [d.rule for d in result.unaffecting] == ["docs"]


def test_a_location_keeps_the_reasons_of_its_strongest_action_only() -> None:
    changes = [Change("contracts/web.py"), Change("domains/sales/sql/sales_lines.sql")]
    rows = {r.location: r for r in plan.plan(changes, GRAPH).rows}
    assert [(r.path, r.rule) for r in rows["sales"].reasons] == [
        ("domains/sales/sql/sales_lines.sql", "domain")
    ]
    assert [r.rule for r in rows["customer_intelligence"].reasons] == ["contract_consumer"]
    assert "web.web_sessions" in rows["customer_intelligence"].reasons[0].detail


def test_the_reasons_name_the_import_chain() -> None:
    effects = {e.location: e for e in decide(Change("contracts/bookings.py"), GRAPH).effects}
    assert effects["bookings"].rule == "contract"
    assert effects["sales"].rule == "contract_import"
    assert effects["sales"].detail == "through contracts.sales → contracts.bookings"
    assert effects["web"].action is Action.NOTIFY
    calendar = decide(Change("contracts/calendar.py"), GRAPH).effects
    assert {e.rule for e in calendar} == {"shared_contract"}
    assert import_chain("web", "contracts.calendar", GRAPH) == [
        "contracts.web",
        "contracts",
        "contracts.calendar",
    ]


def test_the_json_lists_the_locations_and_every_changed_path() -> None:
    changes = [Change("contracts/sales.py"), Change("tests/conftest.py")]
    document = plan.plan(changes, GRAPH).as_json()
    assert document["redeploy"] == ["sales"]
    assert document["notify"] == ["customer_intelligence"]
    rows = {row["location"]: row for row in document["locations"]}  # type: ignore[attr-defined]
    assert rows["customer_intelligence"]["action"] == "notify"
    assert rows["sales"]["reasons"] == [
        {"path": "contracts/sales.py", "rule": "contract", "detail": "the contract module of sales"}
    ]
    assert [c["rule"] for c in document["changes"]] == ["contract", "tests"]  # type: ignore[attr-defined]


# --- deployment files compared entry by entry ------------------------------------------

VALUES = (ROOT / "deploy/helm/values.yaml").read_text()
WORKSPACE = (ROOT / "deploy/dagster/workspace.yaml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("      port: 4002\n", "      port: 4102\n", {"sales"}),
        (
            "{name: sales, host: trident-sales, port: 4002}",
            "{name: sales, host: x, port: 4002}",
            {SYSTEM},
        ),
        ("maxConcurrentRuns: 16", "maxConcurrentRuns: 20", {SYSTEM}),
        (
            "requests: {cpu: 100m, memory: 512Mi}",
            "requests: {cpu: 200m, memory: 512Mi}",
            set(DOMAINS),
        ),
        ('tag: "0.1.0"', 'tag: "0.2.0"', {*DOMAINS, SYSTEM}),
        ("# Values of Dagster's", "# The values of Dagster's", set()),
    ],
    ids=[
        "one code server",
        "the webserver's workspace",
        "the daemon",
        "an anchor",
        "the image",
        "a comment",
    ],
)
def test_helm_values_scope(old: str, new: str, expected: set[str]) -> None:
    assert VALUES.count(old) == 1
    assert helm_scope(VALUES, VALUES.replace(old, new)) == expected


def test_helm_values_added_or_removed_redeploy_everything() -> None:
    assert helm_scope(None, VALUES) == {*DOMAINS, SYSTEM}
    assert helm_scope(VALUES, None) == {*DOMAINS, SYSTEM}


def test_workspace_scope() -> None:
    assert workspace_scope(WORKSPACE, WORKSPACE.replace("port: 4007", "port: 4107")) == {
        "web",
        SYSTEM,
    }
    assert workspace_scope(WORKSPACE, WORKSPACE.replace("# The twelve", "# All twelve")) == set()


# --- the graph of this repository ------------------------------------------------------


def test_imports_are_read_from_the_files() -> None:
    imports = read_imports(ROOT)
    assert "contracts.campaigns" in imports["domains.customer_intelligence.python._send_log"]
    send_history = imports["domains.customer_intelligence.python._send_history"]
    assert "domains.customer_intelligence.python._send_log" in send_history
    assert "contracts.calendar" in imports["contracts"]
    assert "mesh_platform.products.python" in imports["domains.territory.python.prospection_zones"]
    real = Graph(domains=DOMAINS, imports=imports)
    assert {e.location for e in decide(Change("contracts/common.py"), real).effects} == set(DOMAINS)
    assert {e.location for e in decide(Change("contracts/calendar.py"), real).effects} == set(
        DOMAINS
    )


def test_sql_reads_use_the_platform_parser_and_keep_products_only() -> None:
    reads = sql_reads(ROOT, "sales", {"sales.sales_lines", "bookings.bookings", "web.web_sessions"})
    assert reads == {"sales.sales_lines", "bookings.bookings", "web.web_sessions"}


def test_python_reads_are_the_declared_inputs() -> None:
    reads = python_reads("territory", read_imports(ROOT))
    assert reads == {
        "territory.iris_zones",
        "customers.households",
        "customer_intelligence.rfm_segments",
    }
    assert python_reads("sales", read_imports(ROOT)) == set()


def test_image_paths_follow_the_dockerignore() -> None:
    paths = image_paths(ROOT)
    assert {"pyproject.toml", "uv.lock", "platform", "contracts", "domains"} <= set(paths)
    assert "tests" not in paths


@pytest.mark.parametrize("module", [plan, config, graph], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert failures == 0
