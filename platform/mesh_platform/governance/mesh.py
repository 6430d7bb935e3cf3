"""What the governance lint reads: the contracts, and the product definitions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from mesh_platform.contract import DataContract
from mesh_platform.definition.reader import DomainDefinition, PythonDefinition, SqlDefinition


@dataclass(frozen=True, order=True)
class Consumer:
    """A product reading another, and who owns it."""

    product: str
    team: str
    contact: str

    def text(self) -> str:
        return f"{self.product} ({self.team}, {self.contact})"


@dataclass(frozen=True)
class Mesh:
    """The mesh as the rules see it, read without Dagster.

    Attributes:
        contracts: the contracts by ``domain.product``.
        domains: the product definitions of the domains linted (none: contracts only).
        consumers: readers known from elsewhere (the other code locations, when one
            location loads), by the product they read.
        today: the day the rules judge dates against (deprecation windows).
    """

    contracts: Mapping[str, type[DataContract]]
    domains: Sequence[DomainDefinition] = ()
    consumers: Mapping[str, Sequence[Consumer]] = field(default_factory=dict)
    today: date = field(default_factory=date.today)

    def sql(self) -> Iterator[SqlDefinition]:
        """Every SQL product definition."""
        for domain in self.domains:
            yield from domain.sql

    def python(self) -> Iterator[PythonDefinition]:
        """Every Python product definition."""
        for domain in self.domains:
            yield from domain.python

    def consumers_of(self, key: str) -> list[Consumer]:
        """The products reading ``key`` (by their definitions here, or known from
        elsewhere), each once, sorted."""
        readers = {sql.key for sql in self.sql() if any(t.key == key for t in sql.tables)}
        readers |= {p.key for p in self.python() if key in p.inputs.values()}
        found = {c.product: c for c in self.consumers.get(key, ())}
        for reader in readers - {key}:
            owner = self.contracts[reader].meta().owner if reader in self.contracts else None
            team, contact = (owner.team, owner.contact) if owner else ("no owner", "no contact")
            found.setdefault(reader, Consumer(reader, team, contact))
        return sorted(found.values())
