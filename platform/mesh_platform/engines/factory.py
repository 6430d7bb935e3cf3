"""Choosing the warehouse engine: the one place that does it."""

from __future__ import annotations

from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.settings import EngineName, MeshSettings, get_settings


def get_engine(settings: MeshSettings | None = None) -> WarehouseEngine:
    """The warehouse engine in force, as ``settings.engine_name`` says.

    DuckDB locally, BigQuery in the branch and production environments, unless
    ``MESH_ENGINE`` says otherwise (see :mod:`mesh_platform.settings`).
    """
    settings = settings or get_settings()
    if settings.engine_name is EngineName.DUCKDB:
        from mesh_platform.engines.duckdb import DuckDBEngine

        return DuckDBEngine(settings)
    from mesh_platform.engines.bigquery import BigQueryEngine

    return BigQueryEngine(settings)
