"""Warehouse engines behind one interface: DuckDB locally, BigQuery in production."""

from mesh_platform.engines.base import (
    Frame,
    Resolve,
    WarehouseEngine,
    WarehouseError,
    WarehouseLockTimeout,
    partition_predicate,
    staging_name,
    to_arrow,
)
from mesh_platform.engines.factory import get_engine

__all__ = [
    "Frame",
    "Resolve",
    "WarehouseEngine",
    "WarehouseError",
    "WarehouseLockTimeout",
    "get_engine",
    "partition_predicate",
    "staging_name",
    "to_arrow",
]
