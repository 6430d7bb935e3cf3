"""Warnings for the owners of the products that read a deprecated version.

A notice is not a finding: nothing is refused while a deprecation window runs. It goes
to the owners of the consuming products only, once per consumer and deprecated product,
in ``mesh check``'s output and in the metadata of the consuming asset.

Example:
    >>> from datetime import date
    >>> from mesh_platform.contract import Deprecation
    >>> from mesh_platform.governance.mesh import Consumer
    >>> notice = Notice(Consumer("ci.scores", "CRM Lab", "crm@x"), "sales.lines_v1", "1.4.0",
    ...                 Deprecation(until=date(2027, 3, 31), replaced_by="sales.lines"))
    >>> notice.line()
    'ci.scores (CRM Lab, crm@x): reads sales.lines_v1 1.4.0, deprecated: published until \
2027-03-31, then refused; move to sales.lines'
"""

from __future__ import annotations

from dataclasses import dataclass

from mesh_platform.contract import Deprecation
from mesh_platform.governance.mesh import Consumer, Mesh


@dataclass(frozen=True)
class Notice:
    """One consumer reading one deprecated version."""

    consumer: Consumer
    product: str
    version: str
    deprecation: Deprecation

    def text(self) -> str:
        """What the consumer's owner reads (without naming the consumer)."""
        note = f" ({self.deprecation.note})" if self.deprecation.note else ""
        return (
            f"reads {self.product} {self.version}, deprecated: published until "
            f"{self.deprecation.until.isoformat()}, then refused; move to "
            f"{self.deprecation.replaced_by}{note}"
        )

    def line(self) -> str:
        return f"{self.consumer.text()}: {self.text()}"


def deprecation_notices(mesh: Mesh) -> list[Notice]:
    """A notice per consumer of each version whose deprecation window runs."""
    notices: list[Notice] = []
    for key, contract in mesh.contracts.items():
        meta = contract.meta()
        if meta.deprecation is None or meta.deprecation.expired(mesh.today):
            continue
        notices.extend(
            Notice(consumer, key, meta.version, meta.deprecation)
            for consumer in mesh.consumers_of(key)
        )
    return sorted(notices, key=lambda n: (n.consumer.product, n.product))
