"""Errors the platform raises, each naming the product, the column and the rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class MeshError(Exception):
    """Base class of the platform's errors."""


@dataclass(frozen=True)
class RuleFailure:
    """One contract rule that some rows break.

    Attributes:
        product: ``domain.product``.
        column: the column the rule is about (``None`` for table-level rules such as grain).
        rule: the rule's name, one of :class:`~mesh_platform.contract.rules.Rule`.
        failing_rows: how many rows break it (``None`` when not counted).
        sample: a few offending values or keys.
        detail: what the rule expects, e.g. ``>= 0`` or ``in {'A', 'B'}``.
    """

    product: str
    column: str | None
    rule: str
    failing_rows: int | None = None
    sample: Sequence[Any] = field(default_factory=tuple)
    detail: str = ""

    def line(self) -> str:
        """One human line: ``product.column: rule (detail): N rows, e.g. [...]``."""
        where = f"{self.product}.{self.column}" if self.column else self.product
        what = f"{self.rule} ({self.detail})" if self.detail else self.rule
        count = f"{self.failing_rows} row(s)" if self.failing_rows is not None else "failed"
        sample = f", e.g. {list(self.sample)[:5]!r}" if self.sample else ""
        return f"{where}: {what}: {count}{sample}"


class ContractViolation(MeshError):
    """Data that does not honour its product's contract; nothing was published."""

    def __init__(self, product: str, failures: Sequence[RuleFailure]) -> None:
        self.product = product
        self.failures = tuple(failures)
        lines = "\n".join(f"  - {f.line()}" for f in self.failures)
        super().__init__(
            f"{product}: {len(self.failures)} contract rule(s) broken, nothing published:\n{lines}"
        )


class ProductDefinitionError(MeshError):
    """A product's definition (SQL, function, contract) is wrong at load time."""
