"""A governance finding: one rule one contract or product definition breaks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mesh_platform.errors import ProductDefinitionError


@dataclass(frozen=True)
class Finding:
    """One governance rule broken by one product (or one of its columns).

    Attributes:
        product: ``domain.product``.
        column: the column at fault, or ``None`` for a product-level finding.
        rule: the rule's name (the name of its module under ``governance.rules``).
        message: what is wrong and what the rule expects.
        file: where a product definition is written (a SQL file, or
            ``module.function`` for a Python product); ``None`` for a contract.
    """

    product: str
    column: str | None
    rule: str
    message: str
    file: str | None = None

    def line(self) -> str:
        """One human line naming the product, the column and the rule.

        Example:
            >>> Finding("customers.profile", "email", "pii_without_rationale", "why?").line()
            'customers.profile, column email: pii_without_rationale: why?'
            >>> Finding("customers.profile", None, "missing_owner", "no owner").line()
            'customers.profile: missing_owner: no owner'
            >>> Finding("sales.x", "y", "missing_column", "declared", file="sql/x.sql").line()
            'sales.x, file sql/x.sql, column y: missing_column: declared'
        """
        where = self.product
        if self.file:
            where += f", file {self.file}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.rule}: {self.message}"


def definition_error(findings: Iterable[Finding]) -> ProductDefinitionError:
    """The error that refuses to load broken product definitions: one line per
    definition, ``file (product): column c: rule r: message; ...``.

    Example:
        >>> print(definition_error([
        ...     Finding("shop.x", "a", "missing_column", "the contract declares it", "x.sql"),
        ...     Finding("shop.x", None, "access", "table stock.y: internal", "x.sql"),
        ... ]))
        x.sql (shop.x): column a: rule missing_column: the contract declares it; \
rule access: table stock.y: internal
    """
    parts: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        column = f"column {finding.column}: " if finding.column else ""
        parts.setdefault((finding.file or finding.product, finding.product), []).append(
            f"{column}rule {finding.rule}: {finding.message}"
        )
    return ProductDefinitionError(
        "\n".join(
            f"{file} ({product}): " + "; ".join(lines) for (file, product), lines in parts.items()
        )
    )
