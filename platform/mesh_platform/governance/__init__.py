"""Governance lint: rules every contract and every product definition must follow.

One module per rule under :mod:`mesh_platform.governance.rules` (module name = rule
name = function name), and one ordered registry, :data:`~mesh_platform.governance.lint.RULES`.

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Nameless(DataContract, domain="customers", product="nameless",
    ...                grain=("customer_id",), register=False):
    ...     '''One row per customer.'''
    ...     customer_id: str = column("Customer id.")
    >>> [f.rule for f in lint({"customers.nameless": Nameless})]
    ['missing_owner', 'domain_mismatch']
"""

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.lint import (
    CONTRACT_RULES,
    DEFINITION_RULES,
    RULES,
    Rule,
    definition_findings,
    lint,
    refuse_broken,
)
from mesh_platform.governance.mesh import Mesh

__all__ = [
    "CONTRACT_RULES",
    "DEFINITION_RULES",
    "RULES",
    "Finding",
    "Mesh",
    "Rule",
    "definition_findings",
    "lint",
    "refuse_broken",
]
