"""Exporting contracts to the formats other tools read: one enum, one base, one factory.

Each :class:`ExportFormat` has one :class:`Exporter`, built by :func:`exporter_for`;
the ``mesh contracts export`` command and library callers both go through
:func:`export_contract` (one product) or :func:`export_contracts` (several). The
documents themselves are derived by :mod:`mesh_platform.derive`.

Example:
    >>> exporter_for("ddl-bigquery").suffix
    'bigquery.sql'
    >>> [fmt.value for fmt in ExportFormat]
    ['odcs', 'jsonschema', 'ddl-duckdb', 'ddl-bigquery']
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mesh_platform.contract import DataContract
from mesh_platform.derive.sqltypes import Dialect


class ExportFormat(StrEnum):
    """The formats a contract can be exported to."""

    ODCS = "odcs"
    JSONSCHEMA = "jsonschema"
    DDL_DUCKDB = "ddl-duckdb"
    DDL_BIGQUERY = "ddl-bigquery"


class Exporter(ABC):
    """Renders contracts in one format.

    Attributes:
        suffix: the file-name suffix after ``domain.product.`` (e.g. ``odcs.yaml``).
    """

    suffix: str

    @abstractmethod
    def render(self, contract: type[DataContract]) -> str:
        """The document of one product, ending with a newline."""

    @abstractmethod
    def bundle(self, documents: Sequence[tuple[str, str]]) -> str:
        """Several ``(domain.product, document)`` pairs as one text in this format."""


@dataclass(frozen=True)
class OdcsExporter(Exporter):
    """Open Data Contract Standard v3 documents (YAML); several as a YAML stream."""

    suffix: str = "odcs.yaml"

    def render(self, contract: type[DataContract]) -> str:
        from mesh_platform.derive.odcs import odcs_yaml

        return _ending_newline(odcs_yaml(contract))

    def bundle(self, documents: Sequence[tuple[str, str]]) -> str:
        return "---\n".join(document for _, document in documents)


@dataclass(frozen=True)
class JsonSchemaExporter(Exporter):
    """JSON Schema documents; several as one schema holding each product under ``$defs``.

    Attributes:
        indent: JSON indentation.
    """

    suffix: str = "schema.json"
    indent: int = 2

    def render(self, contract: type[DataContract]) -> str:
        from mesh_platform.derive.json_schema import json_schema

        return self._dump(json_schema(contract))

    def bundle(self, documents: Sequence[tuple[str, str]]) -> str:
        if len(documents) == 1:
            return documents[0][1]
        bundled: dict[str, Any] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {key: json.loads(document) for key, document in documents},
        }
        return self._dump(bundled)

    def _dump(self, document: dict[str, Any]) -> str:
        return json.dumps(document, indent=self.indent, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class DdlExporter(Exporter):
    """``CREATE TABLE`` scripts for one SQL dialect; several one after the other.

    Attributes:
        dialect: ``duckdb`` or ``bigquery``.
    """

    dialect: Dialect
    suffix: str

    def render(self, contract: type[DataContract]) -> str:
        from mesh_platform.derive.ddl import ddl_sql

        return _ending_newline(ddl_sql(contract, self.dialect))

    def bundle(self, documents: Sequence[tuple[str, str]]) -> str:
        return "\n".join(f"-- {key}\n{document}" for key, document in documents)


def exporter_for(fmt: ExportFormat | str) -> Exporter:
    """The exporter of a format.

    Raises:
        ValueError: ``fmt`` is not one of :class:`ExportFormat`.
    """
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.ODCS:
        return OdcsExporter()
    if fmt is ExportFormat.JSONSCHEMA:
        return JsonSchemaExporter()
    if fmt is ExportFormat.DDL_DUCKDB:
        return DdlExporter(dialect="duckdb", suffix="duckdb.sql")
    return DdlExporter(dialect="bigquery", suffix="bigquery.sql")


def export_contract(contract: type[DataContract], fmt: ExportFormat | str) -> str:
    """The document of one product in ``fmt``."""
    return exporter_for(fmt).render(contract)


def export_contracts(contracts: Sequence[type[DataContract]], fmt: ExportFormat | str) -> str:
    """The documents of several products in ``fmt``, as one text (see :meth:`Exporter.bundle`)."""
    exporter = exporter_for(fmt)
    return exporter.bundle([(c.meta().key, exporter.render(c)) for c in contracts])


def file_name(contract: type[DataContract], fmt: ExportFormat | str) -> str:
    """The file name of a product's document, e.g. ``customers.customer_profile.odcs.yaml``."""
    return f"{contract.meta().key}.{exporter_for(fmt).suffix}"


def _ending_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
