"""Every product and every column says what it means."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mesh_platform.contract import DataContract
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.readable import readable_columns

RULE = "missing_description"


def missing_description(contracts: Mapping[str, type[DataContract]]) -> Iterator[Finding]:
    """Products without a docstring and columns without a description."""
    for key, contract in contracts.items():
        if not contract.meta().description.strip():
            yield Finding(key, None, RULE, "the product has no description (its docstring)")
        for col in readable_columns(contract) or ():
            if not col.description.strip():
                yield Finding(key, col.name, RULE, "the column has no description")
