"""The rule vocabulary of a contract: every rule a product's rows must follow, once.

Each :class:`Rule` has a name (the ``rule`` of a
:class:`~mesh_platform.errors.RuleFailure`, of an in-warehouse check, of an ODCS quality
rule), a description, whether a broken rule blocks the publish, and where it is
enforced:

* **before loading** (a Python product's frame): ``columns`` and ``dtype``, the only
  rules that need the frame itself;
* **in the warehouse**, on the staging table of write-audit-publish, for SQL and
  Python products alike: every value rule, the grain, references and partitions;
* **in the accounting** of write-audit-publish: the rows left out per reason and the
  change of the published volume, against the contract's
  :class:`~mesh_platform.contract.model.Tolerance`.

The pandera schemas derived from a contract carry the same rules for domain teams
testing their frames; the platform does not run them at publish.

:func:`constraints_of` lists the rules a column carries with two texts each: a
short ``text`` (what Dagster shows as the column's constraints, what a failed frame
validation says) and an ``expectation`` (the description of its in-warehouse check).

Example:
    >>> from mesh_platform.contract import ColumnSpec, LogicalType
    >>> spec = ColumnSpec("code", LogicalType.STRING, False, "", pattern="^[A-Z]{3}$",
    ...                   max_length=3)
    >>> [(c.rule.value, c.text) for c in constraints_of(spec)]
    [('not_null', 'required'), ('pattern', 'matches ^[A-Z]{3}$'), ('max_length', 'length <= 3')]
    >>> Rule.PATTERN.in_warehouse, Rule.DTYPE.before_load
    (True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mesh_platform.contract.columns import ColumnSpec


class Rule(StrEnum):
    """The rules of a contract, in the order their failures are reported."""

    COLUMNS = "columns"
    DTYPE = "dtype"
    NOT_NULL = "not_null"
    RANGE = "range"
    PATTERN = "pattern"
    MIN_LENGTH = "min_length"
    MAX_LENGTH = "max_length"
    ACCEPTED_VALUES = "accepted_values"
    UNIQUE_GRAIN = "unique_grain"
    REFERENCE = "reference"
    CONSENT = "consent"
    PARTITION = "partition"
    LEFT_OUT_TOLERANCE = "left_out_tolerance"
    VOLUME_CHANGE = "volume_change"

    @property
    def description(self) -> str:
        """What the rule asks of the rows, for people."""
        return _DESCRIPTIONS[self]

    @property
    def blocking(self) -> bool:
        """Whether a broken rule stops the publish (every contract rule does)."""
        return True

    @property
    def before_load(self) -> bool:
        """Whether the rule is checked on a Python product's frame, before loading."""
        return self in (Rule.COLUMNS, Rule.DTYPE)

    @property
    def in_warehouse(self) -> bool:
        """Whether an in-warehouse check query enforces the rule on the staging table."""
        return not self.before_load and self is not Rule.PARTITION and not self.accounting

    @property
    def accounting(self) -> bool:
        """Whether the rule is about the run's row accounting (rows left out, volume),
        audited by write-audit-publish against the contract's tolerance."""
        return self in (Rule.LEFT_OUT_TOLERANCE, Rule.VOLUME_CHANGE)

    @property
    def in_frame_schema(self) -> bool:
        """Whether the derived pandera schemas carry the rule."""
        return self not in (Rule.REFERENCE, Rule.CONSENT, Rule.PARTITION) and not self.accounting


_DESCRIPTIONS: dict[Rule, str] = {
    Rule.COLUMNS: "exactly the contract's columns, none missing, none unexpected",
    Rule.DTYPE: "every value takes its column's type without loss",
    Rule.NOT_NULL: "no NULL in a required column",
    Rule.RANGE: "numbers within the column's bounds (ge, gt, le, lt)",
    Rule.PATTERN: "strings matching the column's pattern as a whole",
    Rule.MIN_LENGTH: "strings at least min_length characters long",
    Rule.MAX_LENGTH: "strings at most max_length characters long",
    Rule.ACCEPTED_VALUES: "values among the column's accepted values (a Literal)",
    Rule.UNIQUE_GRAIN: "one row per grain key",
    Rule.REFERENCE: "values present in the referenced product's column (NULL allowed)",
    Rule.CONSENT: (
        "every customer of a row holds the consent the contract declares (its register, "
        "channels and purpose), valid when the product is built"
    ),
    Rule.PARTITION: "a partition's publish holds only rows of that partition",
    Rule.LEFT_OUT_TOLERANCE: (
        "rows left out per reason within the contract's tolerance (a share of a stage's "
        "candidate rows; a reason not tolerated may not occur)"
    ),
    Rule.VOLUME_CHANGE: (
        "published rows changed against the last publish within the contract's "
        "volume_drop and volume_growth"
    ),
}


@dataclass(frozen=True)
class Constraint:
    """One rule a column (or, for the grain, the table) carries.

    Attributes:
        rule: the rule.
        text: the rule as a short text, e.g. ``>= 0, <= 1`` or ``matches ^[A-Z]{3}$``.
        expectation: what its in-warehouse check expects, e.g. ``>= 0 and <= 1``.
    """

    rule: Rule
    text: str
    expectation: str


def number_text(value: float) -> str:
    """A bound as text: ``1.0`` reads ``1``.

    Example:
        >>> number_text(1.0), number_text(0.5)
        ('1', '0.5')
    """
    return str(int(value)) if float(value).is_integer() else repr(value)


def bounds(column: ColumnSpec) -> tuple[tuple[float, bool] | None, tuple[float, bool] | None]:
    """The tightest lower and upper bounds: ``(value, inclusive)`` or ``None``."""
    lower: tuple[float, bool] | None = None
    if column.ge is not None:
        lower = (column.ge, True)
    if column.gt is not None and (lower is None or column.gt >= lower[0]):
        lower = (column.gt, False)
    upper: tuple[float, bool] | None = None
    if column.le is not None:
        upper = (column.le, True)
    if column.lt is not None and (upper is None or column.lt <= upper[0]):
        upper = (column.lt, False)
    return lower, upper


def range_text(column: ColumnSpec) -> str | None:
    """The column's range as text, e.g. ``>= 0, <= 1``; ``None`` without a range.

    Example:
        >>> from mesh_platform.contract import LogicalType
        >>> range_text(ColumnSpec("rate", LogicalType.FLOAT, False, "", ge=0, lt=1.5))
        '>= 0, < 1.5'
    """
    lower, upper = bounds(column)
    parts = []
    if lower is not None:
        parts.append(f"{'>=' if lower[1] else '>'} {number_text(lower[0])}")
    if upper is not None:
        parts.append(f"{'<=' if upper[1] else '<'} {number_text(upper[0])}")
    return ", ".join(parts) or None


def values_text(values: Iterable[Any]) -> str:
    """Accepted values as text.

    Example:
        >>> values_text(["A", "B"])
        "in {'A', 'B'}"
    """
    return "in {" + ", ".join(repr(v) for v in values) + "}"


def grain_text(grain: Sequence[str]) -> str:
    """The grain rule as text, e.g. ``unique (household_id, season)``."""
    return f"unique ({', '.join(grain)})"


def grain_constraint(grain: Sequence[str]) -> Constraint:
    """The table-level rule of a grain: one row per key."""
    return Constraint(Rule.UNIQUE_GRAIN, grain_text(grain), f"one row per ({', '.join(grain)})")


def _range_expectation(column: ColumnSpec) -> str:
    """Every declared bound, e.g. ``>= 0 and <= 60``."""
    declared = ((">=", column.ge), (">", column.gt), ("<=", column.le), ("<", column.lt))
    return " and ".join(
        f"{symbol} {_plain_number(bound)}" for symbol, bound in declared if bound is not None
    )


def _plain_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def constraints_of(column: ColumnSpec) -> list[Constraint]:
    """The rules a column carries beyond its type, in :class:`Rule` order.

    ``not_null`` comes first for a required column; ``reference`` last for a column
    that references another product's column.
    """
    found: list[Constraint] = []
    if not column.nullable:
        found.append(Constraint(Rule.NOT_NULL, "required", "is never NULL"))
    text = range_text(column)
    if text is not None:
        found.append(Constraint(Rule.RANGE, text, _range_expectation(column)))
    if column.pattern is not None:
        found.append(
            Constraint(
                Rule.PATTERN,
                f"matches {column.pattern}",
                f"matches {column.pattern!r} as a whole",
            )
        )
    if column.min_length is not None:
        found.append(
            Constraint(
                Rule.MIN_LENGTH,
                f"length >= {column.min_length}",
                f"at least {column.min_length} character(s)",
            )
        )
    if column.max_length is not None:
        found.append(
            Constraint(
                Rule.MAX_LENGTH,
                f"length <= {column.max_length}",
                f"at most {column.max_length} character(s)",
            )
        )
    if column.allowed_values is not None:
        text = values_text(column.allowed_values)
        found.append(Constraint(Rule.ACCEPTED_VALUES, text, text))
    if column.references:
        found.append(
            Constraint(
                Rule.REFERENCE,
                f"references {column.references}",
                f"exists in {column.references} (NULL allowed)",
            )
        )
    return found


def rule_details(column: ColumnSpec) -> dict[str, str]:
    """The value rules a column carries, by rule name, each with its short text.

    ``not_null`` and ``dtype`` are not listed (every column has a type, and
    nullability is ``column.nullable``), nor ``reference`` (not a value rule).

    Example:
        >>> from mesh_platform.contract import LogicalType
        >>> spec = ColumnSpec("code", LogicalType.STRING, False, "", pattern="^[A-Z]{3}$",
        ...                   max_length=3)
        >>> rule_details(spec)
        {'pattern': 'matches ^[A-Z]{3}$', 'max_length': 'length <= 3'}
    """
    return {
        c.rule.value: c.text
        for c in constraints_of(column)
        if c.rule not in (Rule.NOT_NULL, Rule.REFERENCE)
    }


__all__ = [
    "Constraint",
    "Rule",
    "bounds",
    "constraints_of",
    "grain_constraint",
    "grain_text",
    "number_text",
    "range_text",
    "rule_details",
    "values_text",
]
