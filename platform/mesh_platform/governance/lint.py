"""The governance rules, in order, and the functions that run them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date

from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.definition.reader import DomainDefinition
from mesh_platform.governance.finding import Finding, definition_error
from mesh_platform.governance.mesh import Consumer, Mesh
from mesh_platform.governance.rules.access import access
from mesh_platform.governance.rules.deprecation import deprecation
from mesh_platform.governance.rules.deprecation_expired import deprecation_expired
from mesh_platform.governance.rules.domain_mismatch import domain_mismatch
from mesh_platform.governance.rules.duplicate_column import duplicate_column
from mesh_platform.governance.rules.input_columns import input_columns
from mesh_platform.governance.rules.input_parameter import input_parameter
from mesh_platform.governance.rules.invalid_version import invalid_version
from mesh_platform.governance.rules.missing_column import missing_column
from mesh_platform.governance.rules.missing_description import missing_description
from mesh_platform.governance.rules.missing_owner import missing_owner
from mesh_platform.governance.rules.no_project import no_project
from mesh_platform.governance.rules.ownership import ownership
from mesh_platform.governance.rules.parse import parse
from mesh_platform.governance.rules.pii_without_rationale import pii_without_rationale
from mesh_platform.governance.rules.product_name import product_name
from mesh_platform.governance.rules.public_references_internal import (
    public_references_internal,
)
from mesh_platform.governance.rules.python_module import python_module
from mesh_platform.governance.rules.reconciliation import reconciliation
from mesh_platform.governance.rules.reference_type_mismatch import reference_type_mismatch
from mesh_platform.governance.rules.single_implementation import single_implementation
from mesh_platform.governance.rules.single_query import single_query
from mesh_platform.governance.rules.undeclared_pii import undeclared_pii
from mesh_platform.governance.rules.unexpected_column import unexpected_column
from mesh_platform.governance.rules.unknown_column import unknown_column
from mesh_platform.governance.rules.unknown_contract import unknown_contract
from mesh_platform.governance.rules.unknown_grain_column import unknown_grain_column
from mesh_platform.governance.rules.unknown_reference import unknown_reference
from mesh_platform.governance.rules.unknown_table import unknown_table
from mesh_platform.governance.rules.unreadable_column import unreadable_column

Rule = Callable[[Mesh], Iterator[Finding]]
"""A governance rule: the mesh (contracts and product definitions) in, findings out."""

CONTRACT_RULES: tuple[Rule, ...] = (
    unreadable_column,
    missing_owner,
    missing_description,
    invalid_version,
    product_name,
    domain_mismatch,
    unknown_grain_column,
    unknown_reference,
    reference_type_mismatch,
    public_references_internal,
    pii_without_rationale,
    deprecation,
    reconciliation,
)
"""The rules of a contract on its own, or of contracts together (references)."""

DEFINITION_RULES: tuple[Rule, ...] = (
    python_module,
    unknown_contract,
    ownership,
    single_implementation,
    parse,
    single_query,
    no_project,
    unknown_table,
    access,
    unknown_column,
    missing_column,
    unexpected_column,
    duplicate_column,
    undeclared_pii,
    input_parameter,
    input_columns,
    deprecation_expired,
)
"""The rules of a product definition (a SQL file, a Python product's declaration) against
the contracts; a code location refuses to load while one of them has a finding."""

RULES: tuple[Rule, ...] = CONTRACT_RULES + DEFINITION_RULES
"""Every governance rule, in the order its findings are reported for one product."""


def lint(
    contracts: Mapping[str, type[DataContract]] | None = None,
    domains: Iterable[DomainDefinition] = (),
    *,
    today: date | None = None,
) -> list[Finding]:
    """Every finding of every rule, grouped by product (products sorted, rules in order).

    Args:
        contracts: the contracts to lint, by ``domain.product``; every contract of the
            mesh by default. Cross-product rules (references) resolve within this mapping.
        domains: the product definitions to lint against those contracts (none by
            default: the contracts only).
        today: the day deprecation windows are judged on (default: today).
    """
    if contracts is None:
        contracts = all_contracts()
    mesh = Mesh(contracts, tuple(domains), today=today or date.today())
    findings = [finding for rule in RULES for finding in rule(mesh)]
    return sorted(findings, key=lambda finding: finding.product)


def definition_findings(
    domains: Iterable[DomainDefinition],
    contracts: Mapping[str, type[DataContract]],
    consumers: Mapping[str, Sequence[Consumer]] | None = None,
) -> list[Finding]:
    """The findings of the product-definition rules alone, in rule order; ``consumers``
    are the readers of the products known from other locations."""
    mesh = Mesh(contracts, tuple(domains), consumers or {})
    return [finding for rule in DEFINITION_RULES for finding in rule(mesh)]


def refuse_broken(
    domains: Iterable[DomainDefinition],
    contracts: Mapping[str, type[DataContract]],
    consumers: Mapping[str, Sequence[Consumer]] | None = None,
) -> None:
    """Raise if a product definition breaks a rule: what loading a location does
    (``consumers``: the readers known from other locations, named when an expired
    version is refused).

    Raises:
        ProductDefinitionError: naming each broken definition's file, product, column
            and rule (the same findings ``mesh check`` reports).
    """
    findings = definition_findings(domains, contracts, consumers)
    if findings:
        raise definition_error(findings)
