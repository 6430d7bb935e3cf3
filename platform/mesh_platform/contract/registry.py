"""Finding contracts: every product of the mesh is declared under ``contracts``."""

from __future__ import annotations

import importlib
import pkgutil

from mesh_platform.contract.model import REGISTRY, DataContract

CONTRACTS_PACKAGE = "contracts"


def load_contract_modules(package: str = CONTRACTS_PACKAGE) -> None:
    """Import every module of the contracts package so that all contracts register."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)


def all_contracts() -> dict[str, type[DataContract]]:
    """Every registered product contract, by ``domain.product``, sorted."""
    load_contract_modules()
    return dict(sorted(REGISTRY.contracts.items()))


def get_contract(key: str) -> type[DataContract]:
    """The contract of ``domain.product``; a KeyError names close matches."""
    contracts = all_contracts()
    try:
        return contracts[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, list(contracts), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no data product {key!r}{hint}") from None
