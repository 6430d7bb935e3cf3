"""The governance rules, in order, and the function that runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.rules.domain_mismatch import domain_mismatch
from mesh_platform.governance.rules.invalid_version import invalid_version
from mesh_platform.governance.rules.missing_description import missing_description
from mesh_platform.governance.rules.missing_owner import missing_owner
from mesh_platform.governance.rules.pii_without_rationale import pii_without_rationale
from mesh_platform.governance.rules.product_name import product_name
from mesh_platform.governance.rules.public_references_internal import (
    public_references_internal,
)
from mesh_platform.governance.rules.reference_type_mismatch import reference_type_mismatch
from mesh_platform.governance.rules.unknown_grain_column import unknown_grain_column
from mesh_platform.governance.rules.unknown_reference import unknown_reference
from mesh_platform.governance.rules.unreadable_column import unreadable_column

Rule = Callable[[Mapping[str, type[DataContract]]], Iterator[Finding]]
"""A governance rule: the contracts of the mesh by ``domain.product`` in, findings out."""

RULES: tuple[Rule, ...] = (
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
)
"""Every governance rule, in the order its findings are reported for one product."""


def lint(contracts: Mapping[str, type[DataContract]] | None = None) -> list[Finding]:
    """Every finding of every rule, grouped by product (products sorted, rules in order).

    Args:
        contracts: the contracts to lint, by ``domain.product``; every contract of the
            mesh by default. Cross-product rules (references) resolve within this mapping.
    """
    if contracts is None:
        contracts = all_contracts()
    findings = [finding for rule in RULES for finding in rule(contracts)]
    return sorted(findings, key=lambda finding: finding.product)
