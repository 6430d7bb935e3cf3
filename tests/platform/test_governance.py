"""The governance lint: each rule on a hand-made bad contract, and the mesh's own contracts."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from contracts.common import RESERVATIONS
from mesh_platform.contract import DataContract, all_contracts, column
from mesh_platform.domains import DOMAINS
from mesh_platform.errors import ProductDefinitionError
from mesh_platform.governance import (
    CONTRACT_RULES,
    DEFINITION_RULES,
    RULES,
    Finding,
    definition_findings,
    lint,
)
from mesh_platform.governance import rules as rules_package
from mesh_platform.location import discover_products, read_product_definitions
from tests.support.broken_products import BROKEN_CASES, BrokenCase
from tests.support.lint_contracts import (
    BAD_CASES,
    CLEAN,
    UnknownColumnReference,
    UnreadableColumn,
    in_domain_module,
)
from tests.support.small_mesh import CONTRACTS, LANDING


def _case_id(case: tuple[type[DataContract], str | None, str]) -> str:
    return case[0].__name__


def test_the_clean_contracts_have_no_findings() -> None:
    assert lint(CLEAN) == []


@pytest.mark.parametrize("case", BAD_CASES, ids=_case_id)
def test_each_bad_contract_breaks_exactly_its_rule(
    case: tuple[type[DataContract], str | None, str],
) -> None:
    contract, column, rule = case
    key = contract.meta().key

    findings = lint({**CLEAN, key: contract})

    assert [(f.product, f.column, f.rule) for f in findings] == [(key, column, rule)]
    assert findings[0].message


def test_every_contract_rule_is_exercised_by_a_bad_contract() -> None:
    assert {rule for _, _, rule in BAD_CASES} == {rule.__name__ for rule in CONTRACT_RULES}


def test_the_registry_holds_every_rule_module_once() -> None:
    modules = {info.name for info in pkgutil.iter_modules(rules_package.__path__)}
    names = [rule.__name__ for rule in RULES]
    assert sorted(names) == sorted(modules)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_module_name_is_rule_name_is_function_name(rule: object) -> None:
    name = getattr(rule, "__name__", "")
    module = importlib.import_module(f"{rules_package.__name__}.{name}")
    assert getattr(module, name) is rule
    assert name == module.RULE


def test_finding_line_names_product_column_and_rule() -> None:
    line = Finding("customers.profile", "phone", "pii_without_rationale", "needs one").line()
    assert line == "customers.profile, column phone: pii_without_rationale: needs one"
    product_level = Finding("customers.profile", None, "missing_owner", "no owner").line()
    assert product_level == "customers.profile: missing_owner: no owner"


def test_an_unknown_reference_suggests_close_columns() -> None:
    findings = lint({**CLEAN, UnknownColumnReference.meta().key: UnknownColumnReference})
    assert "household_id" in findings[0].message
    assert "customers.lint_customer" in findings[0].message


@pytest.mark.parametrize(
    ("module", "findings"),
    [("contracts.bookings.stays", []), ("contracts.bookings_archive", ["domain_mismatch"])],
)
def test_a_domain_may_declare_its_contracts_in_a_package(module: str, findings: list[str]) -> None:
    class Stays(
        DataContract,
        domain="bookings",
        product="stays",
        owner=RESERVATIONS,
        grain=("stay_id",),
        register=False,
    ):
        """One row per stay."""

        stay_id: int = column("Identifier.")

    Stays.__module__ = module
    assert [f.rule for f in lint({**CLEAN, "bookings.stays": Stays})] == findings


def test_a_reference_to_an_unreadable_product_does_not_crash_the_lint() -> None:
    @in_domain_module
    class Labelled(
        DataContract,
        domain="bookings",
        product="labelled",
        owner=RESERVATIONS,
        grain=("labels",),
        register=False,
    ):
        """One row per label set."""

        labels: str = column("Labels.", references="bookings.unreadable_column.labels")

    contracts: dict[str, type[DataContract]] = {
        **CLEAN,
        "bookings.unreadable_column": UnreadableColumn,
        "bookings.labelled": Labelled,
    }
    findings = lint(contracts)
    assert [(f.product, f.column, f.rule) for f in findings] == [
        ("bookings.unreadable_column", "labels", "unreadable_column")
    ]


def test_findings_are_grouped_by_product_in_rule_order() -> None:
    contracts = {contract.meta().key: contract for contract, _, _ in BAD_CASES}
    findings = lint({**CLEAN, **contracts})
    products = [f.product for f in findings]
    assert products == sorted(products)
    order = {rule.__name__: i for i, rule in enumerate(RULES)}
    for product in set(products):
        ranks = [order[f.rule] for f in findings if f.product == product]
        assert ranks == sorted(ranks)


def test_lint_defaults_to_every_contract_of_the_mesh() -> None:
    assert lint() == lint(all_contracts())


def test_the_mesh_contracts_lint_clean() -> None:
    findings = lint(all_contracts())
    assert findings == [], "\n".join(f.line() for f in findings)


# --- product-definition rules -----------------------------------------------------------------


@pytest.mark.parametrize("case", BROKEN_CASES, ids=lambda case: case.id)
def test_each_broken_product_breaks_exactly_its_rule(case: BrokenCase, tmp_path: Path) -> None:
    domain = case.read(tmp_path / "shop")

    findings = definition_findings([domain], case.contracts)

    assert {(f.product, f.column, f.rule) for f in findings} == {
        (case.product, case.column, case.rule)
    }
    assert {f.file for f in findings} == {case.file(tmp_path / "shop")}
    assert all(f.message for f in findings)


def test_every_definition_rule_is_exercised_by_a_broken_product() -> None:
    assert {case.rule for case in BROKEN_CASES} == {rule.__name__ for rule in DEFINITION_RULES}


def test_the_mesh_products_are_well_defined() -> None:
    domains = [read_product_definitions(domain) for domain in DOMAINS]
    assert sum(len(d.sql) + len(d.python) for d in domains) >= len(all_contracts())
    findings = definition_findings(domains, all_contracts())
    assert findings == [], "\n".join(f.line() for f in findings)


def test_loading_refuses_a_broken_product_with_the_findings_of_the_lint(tmp_path: Path) -> None:
    case = next(c for c in BROKEN_CASES if c.rule == "missing_column")
    domain = case.read(tmp_path / "shop")
    (finding,) = definition_findings([domain], CONTRACTS)
    with pytest.raises(ProductDefinitionError) as error:
        discover_products("shop", tmp_path / "shop", [], CONTRACTS, LANDING)
    assert str(error.value) == (
        f"{finding.file} ({finding.product}): column {finding.column}: "
        f"rule {finding.rule}: {finding.message}"
    )
