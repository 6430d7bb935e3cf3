"""Warehouse engines behind one interface: DuckDB locally, BigQuery in production."""

from mesh_platform.engines.base import (
    WarehouseEngine,
    WarehouseError,
    WarehouseLockTimeout,
    staging_name,
)
from mesh_platform.engines.factory import get_engine

__all__ = [
    "WarehouseEngine",
    "WarehouseError",
    "WarehouseLockTimeout",
    "get_engine",
    "staging_name",
]
