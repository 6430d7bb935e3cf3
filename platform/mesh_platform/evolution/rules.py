"""The kinds of contract change and whether each breaks a consumer: the rule table, once.

A change is **breaking** when a consumer written against the old contract may fail or
read something the old contract did not promise: a column it names is gone or renamed,
a value outside the old type, range, pattern or accepted values may arrive, a required
column may hold nulls, the grain (what one row is) moves, the product closes to other
domains, the data is more sensitive than the consumer was told, or it may be older.
Narrowing a promise (fewer values, a tighter range, a required column, a fresher SLA) is
not breaking: every value a consumer then receives was already allowed.

The table (:data:`RULES`) is read by the gate (:mod:`mesh_platform.evolution.gate`) and
rendered in ``docs/CONTRACT_EVOLUTION.md`` by :func:`rules_markdown`; a test keeps the
two equal.

Example:
    >>> RULES[Kind.COLUMN_REMOVED].breaking, RULES[Kind.COLUMN_ADDED].breaking
    (True, False)
    >>> RULES[Kind.GRAIN_CHANGED].scope
    'product'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Kind(StrEnum):
    """A kind of change between two versions of a contract."""

    PRODUCT_ADDED = "product_added"
    PRODUCT_REMOVED = "product_removed"
    COLUMN_ADDED = "column_added"
    COLUMN_REMOVED = "column_removed"
    COLUMN_RENAMED = "column_renamed"
    TYPE_WIDENED = "type_widened"
    TYPE_NARROWED = "type_narrowed"
    TYPE_CHANGED = "type_changed"
    NULLABILITY_LOOSENED = "nullability_loosened"
    NULLABILITY_TIGHTENED = "nullability_tightened"
    ENUM_VALUES_ADDED = "enum_values_added"
    ENUM_VALUES_REMOVED = "enum_values_removed"
    CONSTRAINT_LOOSENED = "constraint_loosened"
    CONSTRAINT_TIGHTENED = "constraint_tightened"
    GRAIN_CHANGED = "grain_changed"
    ACCESS_RESTRICTED = "access_restricted"
    ACCESS_OPENED = "access_opened"
    CLASSIFICATION_RAISED = "classification_raised"
    CLASSIFICATION_LOWERED = "classification_lowered"
    FRESHNESS_LOOSENED = "freshness_loosened"
    FRESHNESS_TIGHTENED = "freshness_tightened"
    OWNER_CHANGED = "owner_changed"


Scope = Literal["product", "column"]


@dataclass(frozen=True)
class ChangeRule:
    """Whether a kind of change breaks consumers, what it concerns, and why.

    Attributes:
        kind: the kind of change.
        breaking: whether a consumer written against the old contract may break.
        scope: ``column``: only consumers reading the changed column are concerned;
            ``product``: every consumer of the product is.
        example: a change of this kind.
        why: the reason, for the reader of the report.
    """

    kind: Kind
    breaking: bool
    scope: Scope
    example: str
    why: str


def _rule(kind: Kind, breaking: bool, scope: Scope, example: str, why: str) -> ChangeRule:
    return ChangeRule(kind, breaking, scope, example, why)


RULES: dict[Kind, ChangeRule] = {
    rule.kind: rule
    for rule in (
        _rule(Kind.PRODUCT_ADDED, False, "product", "a new contract", "nobody reads it yet"),
        _rule(
            Kind.PRODUCT_REMOVED,
            True,
            "product",
            "a contract deleted",
            "its consumers lose their input",
        ),
        _rule(
            Kind.COLUMN_ADDED,
            False,
            "column",
            "`+ discount_eur`",
            "readers name the columns they read",
        ),
        _rule(
            Kind.COLUMN_REMOVED,
            True,
            "column",
            "`- discount_eur`",
            "a query naming it no longer resolves",
        ),
        _rule(
            Kind.COLUMN_RENAMED,
            True,
            "column",
            "`amount` → `amount_eur` (`renamed_from=`)",
            "readers must use the new name",
        ),
        _rule(
            Kind.TYPE_WIDENED,
            True,
            "column",
            "integer → number, date → timestamp",
            "values the old type could not hold may arrive",
        ),
        _rule(
            Kind.TYPE_NARROWED,
            False,
            "column",
            "number → integer",
            "every new value fits the old type",
        ),
        _rule(
            Kind.TYPE_CHANGED,
            True,
            "column",
            "string → date",
            "the values change representation",
        ),
        _rule(
            Kind.NULLABILITY_LOOSENED,
            True,
            "column",
            "required → nullable",
            "nulls may reach code that assumed none",
        ),
        _rule(
            Kind.NULLABILITY_TIGHTENED,
            False,
            "column",
            "nullable → required",
            "readers already handle the values",
        ),
        _rule(
            Kind.ENUM_VALUES_ADDED,
            True,
            "column",
            "`+ 'REFUNDED'` in the accepted values",
            "a value readers do not expect may arrive",
        ),
        _rule(
            Kind.ENUM_VALUES_REMOVED,
            False,
            "column",
            "`- 'PENDING'` from the accepted values",
            "every value still arriving was accepted before",
        ),
        _rule(
            Kind.CONSTRAINT_LOOSENED,
            True,
            "column",
            "a range widened or dropped, a pattern changed or dropped, a longer maximum "
            "length, a reference dropped or only warned, the accepted values dropped",
            "values the old contract excluded may arrive",
        ),
        _rule(
            Kind.CONSTRAINT_TIGHTENED,
            False,
            "column",
            "a range, pattern, length, reference or accepted values added or narrowed",
            "every value still arriving was allowed before",
        ),
        _rule(
            Kind.GRAIN_CHANGED,
            True,
            "product",
            "grain `(booking_id)` → `(booking_id, line)`",
            "one row means something else: joins and counts change",
        ),
        _rule(
            Kind.ACCESS_RESTRICTED,
            True,
            "product",
            "public → internal",
            "other domains may no longer read it",
        ),
        _rule(Kind.ACCESS_OPENED, False, "product", "internal → public", "more may read it"),
        _rule(
            Kind.CLASSIFICATION_RAISED,
            True,
            "column",
            "none → indirect_pii",
            "readers hold more sensitive data than they were told",
        ),
        _rule(
            Kind.CLASSIFICATION_LOWERED,
            False,
            "column",
            "direct_pii → indirect_pii",
            "readers' handling already suffices",
        ),
        _rule(
            Kind.FRESHNESS_LOOSENED,
            True,
            "product",
            "max lag 26 h → 8 d, or the SLA dropped",
            "readers may get older data than promised",
        ),
        _rule(
            Kind.FRESHNESS_TIGHTENED,
            False,
            "product",
            "max lag 8 d → 26 h",
            "the data is at least as fresh as promised",
        ),
        _rule(
            Kind.OWNER_CHANGED,
            False,
            "product",
            "another team or contact",
            "nothing a reader reads changes",
        ),
    )
}
"""Every kind of change and its rule, in the order of :class:`Kind`."""


def rules_markdown() -> str:
    """The rule table as Markdown, as ``docs/CONTRACT_EVOLUTION.md`` shows it.

    Example:
        >>> rules_markdown().splitlines()[0]
        '| change | breaking | concerns | example | why |'
    """
    lines = ["| change | breaking | concerns | example | why |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        concerns = "every consumer" if rule.scope == "product" else "readers of the column"
        breaking = "**yes**" if rule.breaking else "no"
        lines.append(f"| `{rule.kind}` | {breaking} | {concerns} | {rule.example} | {rule.why} |")
    return "\n".join(lines) + "\n"
