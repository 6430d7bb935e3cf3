"""The contract model and its introspection."""

from mesh_platform.contract.columns import ColumnSpec, LogicalType, column_map, columns_of
from mesh_platform.contract.model import (
    REGISTRY,
    AccessLevel,
    Classification,
    ContractDeclarationError,
    DataContract,
    Deprecation,
    Freshness,
    Owner,
    Partitioning,
    ProductMeta,
    Reconciliation,
    Semantic,
    Tolerance,
    column,
)
from mesh_platform.contract.privacy import Consent, Privacy, Purpose
from mesh_platform.contract.registry import all_contracts, get_contract

__all__ = [
    "REGISTRY",
    "AccessLevel",
    "Classification",
    "ColumnSpec",
    "Consent",
    "ContractDeclarationError",
    "DataContract",
    "Deprecation",
    "Freshness",
    "LogicalType",
    "Owner",
    "Partitioning",
    "Privacy",
    "ProductMeta",
    "Purpose",
    "Reconciliation",
    "Semantic",
    "Tolerance",
    "all_contracts",
    "column",
    "column_map",
    "columns_of",
    "get_contract",
]
