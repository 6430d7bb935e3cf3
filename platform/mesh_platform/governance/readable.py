"""Reading a contract's columns without letting one broken declaration stop the lint."""

from __future__ import annotations

from mesh_platform.contract import ColumnSpec, ContractDeclarationError, DataContract, columns_of


def readable_columns(contract: type[DataContract]) -> list[ColumnSpec] | None:
    """The contract's columns, or ``None`` when they cannot be read.

    An unreadable declaration is reported once, by the ``unreadable_column`` rule;
    the other rules skip such a contract.
    """
    try:
        return columns_of(contract)
    except ContractDeclarationError:
        return None
