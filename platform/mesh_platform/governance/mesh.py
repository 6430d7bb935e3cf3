"""What the governance lint reads: the contracts, and the product definitions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from mesh_platform.contract import DataContract
from mesh_platform.definition.reader import DomainDefinition, PythonDefinition, SqlDefinition


@dataclass(frozen=True)
class Mesh:
    """The mesh as the rules see it, read without Dagster.

    Attributes:
        contracts: the contracts by ``domain.product``.
        domains: the product definitions of the domains linted (none: contracts only).
    """

    contracts: Mapping[str, type[DataContract]]
    domains: Sequence[DomainDefinition] = ()

    def sql(self) -> Iterator[SqlDefinition]:
        """Every SQL product definition."""
        for domain in self.domains:
            yield from domain.sql

    def python(self) -> Iterator[PythonDefinition]:
        """Every Python product definition."""
        for domain in self.domains:
            yield from domain.python
