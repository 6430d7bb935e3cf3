"""Derivations of a contract: every representation of a product other than the contract.

Each derivation is a pure function of a contract class, in its own module:
pandera schemas (``pandera_schema``) and frame validation (``pandera_validation``), Dagster metadata
(``dagster_metadata``), the JSON Schema of a row (``json_schema``), the Open Data
Contract Standard document (``odcs``), OpenLineage facets (``openlineage_facets``),
warehouse DDL (``ddl``) and check queries (``checks``).

The functions below are re-exported lazily: importing this package imports none of
pandera, Dagster or OpenLineage until a function that needs them is used.
``json_schema`` shares its name with its module: import it from
``mesh_platform.derive.json_schema``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesh_platform.derive.dagster_metadata import asset_metadata, column_schema
    from mesh_platform.derive.odcs import odcs_document, odcs_yaml
    from mesh_platform.derive.openlineage_facets import (
        documentation_facet,
        ownership_facet,
        schema_facet,
        tags_facet,
    )
    from mesh_platform.derive.pandera_schema import pandas_schema, polars_schema
    from mesh_platform.derive.pandera_validation import validate_frame

_LAZY: dict[str, str] = {
    "pandas_schema": "pandera_schema",
    "polars_schema": "pandera_schema",
    "validate_frame": "pandera_validation",
    "column_schema": "dagster_metadata",
    "asset_metadata": "dagster_metadata",
    "odcs_document": "odcs",
    "odcs_yaml": "odcs",
    "schema_facet": "openlineage_facets",
    "documentation_facet": "openlineage_facets",
    "ownership_facet": "openlineage_facets",
    "tags_facet": "openlineage_facets",
}

__all__ = [
    "asset_metadata",
    "column_schema",
    "documentation_facet",
    "odcs_document",
    "odcs_yaml",
    "ownership_facet",
    "pandas_schema",
    "polars_schema",
    "schema_facet",
    "tags_facet",
    "validate_frame",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
