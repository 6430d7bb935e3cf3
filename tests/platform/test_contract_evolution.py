"""The breaking-change gate on crafted contract changes.

The cases are data: tests/fixtures/contract_changes/<case>.yaml, one change each (the
contract before and after, who reads it, what the gate must report); see the README
there. Every kind of change is covered, breaking and not, read and unread.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from mesh_platform.contract import (
    AccessLevel,
    Classification,
    DataContract,
    Deprecation,
    Freshness,
    Owner,
    column,
)
from mesh_platform.derive.odcs import odcs_dict
from mesh_platform.evolution.gate import Verdict, gate
from mesh_platform.evolution.reads import Read
from mesh_platform.evolution.rules import RULES, Kind, rules_markdown
from mesh_platform.evolution.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "fixtures" / "contract_changes"
PRODUCT = "shop.orders"


def load_cases() -> dict[str, dict[str, Any]]:
    return {path.stem: yaml.safe_load(path.read_text()) for path in sorted(CASES.glob("*.yaml"))}


def contracts_from(source: str | None) -> list[type[DataContract]]:
    """The contracts a case declares (none for ``null``)."""
    if source is None:
        return []
    namespace: dict[str, Any] = {
        "AccessLevel": AccessLevel,
        "Classification": Classification,
        "DataContract": DataContract,
        "Deprecation": Deprecation,
        "Freshness": Freshness,
        "Literal": Literal,
        "Owner": Owner,
        "column": column,
        "date": date,
        "timedelta": timedelta,
    }
    exec(compile(source, "<case>", "exec", dont_inherit=True), namespace)
    return [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, DataContract) and v is not DataContract
    ]


def snapshot(source: str | None, reads: tuple[Read, ...] = ()) -> Snapshot:
    documents = {c.meta().key: odcs_dict(c) for c in contracts_from(source)}
    return Snapshot(documents, reads)


def consumers(case: dict[str, Any]) -> tuple[Read, ...]:
    return tuple(
        Read(c["product"], c["team"], c["contact"], PRODUCT, c["column"])
        for c in case.get("consumers") or []
    )


@pytest.mark.parametrize(("name", "case"), load_cases().items(), ids=list(load_cases()))
def test_case(name: str, case: dict[str, Any]) -> None:
    report = gate(snapshot(case["before"]), snapshot(case["after"], consumers(case)))
    judged = [j for p in report.products for j in p.judged]
    found = [
        {
            **({"product": j.change.product} if j.change.product != PRODUCT else {}),
            "kind": str(j.change.kind),
            "column": j.change.column,
            "verdict": str(j.verdict),
            **({"consumers": [r.consumer for r in j.consumers]} if j.consumers else {}),
        }
        for j in judged
    ]
    assert found == case["expected"], name
    assert report.failed is case["failed"]
    for j in judged:
        for read in j.consumers:  # the report names the team and how to reach it
            assert (read.team, read.contact) == ("CRM Lab", "crm-lab@example.com")
        if j.verdict is Verdict.FAIL:
            assert j.consumers
            assert "major version not bumped" in j.reason


def test_the_cases_cover_every_kind_breaking_and_not_read_and_unread() -> None:
    expected = [e for case in load_cases().values() for e in case["expected"]]
    assert {e["kind"] for e in expected} == {str(k) for k in Kind}
    for kind, rule in RULES.items():
        verdicts = {e["verdict"] for e in expected if e["kind"] == kind}
        if rule.breaking:
            assert "fail" in verdicts or kind is Kind.PRODUCT_REMOVED, kind
        else:
            assert verdicts == {"ok"}, kind
    assert {e["verdict"] for e in expected} == {"ok", "warn", "fail"}


def test_the_docs_show_the_rule_table() -> None:
    text = (ROOT / "docs" / "CONTRACT_EVOLUTION.md").read_text()
    assert rules_markdown() in text, "docs/CONTRACT_EVOLUTION.md: paste rules_markdown()"


def test_a_json_report_names_versions_owner_and_consumers() -> None:
    case = load_cases()["column_removed_read"]
    report = gate(snapshot(case["before"]), snapshot(case["after"], consumers(case)))
    document = report.as_json()
    assert document["failed"] is True
    assert document["summary"] == {"ok": 0, "warn": 0, "fail": 1}
    product = document["products"][0]
    assert (product["product"], product["base_version"], product["team"]) == (
        PRODUCT,
        "1.0.0",
        "Shop",
    )
    change = product["changes"][0]
    assert change["consumers"] == [
        {
            "product": "crm.scores",
            "column": "note",
            "computes": [],
            "team": "CRM Lab",
            "contact": "crm-lab@example.com",
        }
    ]
