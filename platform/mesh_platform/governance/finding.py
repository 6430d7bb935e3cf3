"""A governance finding: one rule one contract breaks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One governance rule broken by one product (or one of its columns).

    Attributes:
        product: ``domain.product``.
        column: the column at fault, or ``None`` for a product-level finding.
        rule: the rule's name (the name of its module under ``governance.rules``).
        message: what is wrong and what the rule expects.
    """

    product: str
    column: str | None
    rule: str
    message: str

    def line(self) -> str:
        """One human line naming the product, the column and the rule.

        Example:
            >>> Finding("customers.profile", "email", "pii_without_rationale", "why?").line()
            'customers.profile, column email: pii_without_rationale: why?'
            >>> Finding("customers.profile", None, "missing_owner", "no owner").line()
            'customers.profile: missing_owner: no owner'
        """
        where = f"{self.product}, column {self.column}" if self.column else self.product
        return f"{where}: {self.rule}: {self.message}"
