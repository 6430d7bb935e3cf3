"""Naming products on the command line: ``DOMAIN.PRODUCT`` or a whole ``DOMAIN``."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from mesh_platform.cli.output import fail
from mesh_platform.contract import DataContract, all_contracts


def find_product(key: str) -> type[DataContract]:
    """The contract of ``DOMAIN.PRODUCT``; exit 2 naming close products if there is none."""
    contracts = all_contracts()
    contract = contracts.get(key)
    if contract is None:
        fail(_unknown(key, list(contracts)), code=2)
    return contract


def select_products(names: Sequence[str]) -> list[type[DataContract]]:
    """The contracts named by ``DOMAIN.PRODUCT`` or ``DOMAIN`` (all of them if none is named).

    Exit 2 naming close products when a name matches nothing.
    """
    contracts = all_contracts()
    if not names:
        return list(contracts.values())
    selected: dict[str, type[DataContract]] = {}
    for name in names:
        matches = {
            key: contract
            for key, contract in contracts.items()
            if key == name or contract.meta().domain == name
        }
        if not matches:
            fail(_unknown(name, list(contracts)), code=2)
        selected.update(matches)
    return [selected[key] for key in sorted(selected)]


def _unknown(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `mesh contracts list`"
    return f"no data product {name!r}{hint}"
