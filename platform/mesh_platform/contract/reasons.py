"""Why a product leaves a row out: the one vocabulary of left-out reasons.

A reason is ``<kind>`` or ``<kind>:<detail>``: the kind is one of :class:`LeftOutKind`,
the detail says more (the column of an invalid or missing value, the reference that
failed, why a row is out of scope). Products write reasons in their SQL (the
``_left_out`` column of a CTE) or in a Python product's left-out frame; the platform
validates them when the product runs and counts left-out rows per reason.

Example:
    >>> parse_reason("unknown_reference:resorts.villages")
    (<LeftOutKind.UNKNOWN_REFERENCE: 'unknown_reference'>, 'resorts.villages')
    >>> parse_reason("duplicate")
    (<LeftOutKind.DUPLICATE: 'duplicate'>, None)
"""

from __future__ import annotations

from enum import StrEnum


class LeftOutKind(StrEnum):
    """The kinds of reasons a product may leave a row out for."""

    INVALID_VALUE = "invalid_value"
    """A value outside what the product accepts (detail: the column)."""
    MISSING_VALUE = "missing_value"
    """A value the product needs is missing (detail: the column)."""
    UNKNOWN_REFERENCE = "unknown_reference"
    """The row refers to something unknown (detail: the ``domain.product`` or landing
    table referenced)."""
    DUPLICATE = "duplicate"
    """Another row stands for the same instance."""
    OUT_OF_SCOPE = "out_of_scope"
    """The row is outside what the product covers (detail: why)."""
    TEST_RECORD = "test_record"
    """A test or demonstration record of a source system."""


class UnknownReason(ValueError):
    """A reason whose kind is not in the vocabulary."""


def parse_reason(reason: str) -> tuple[LeftOutKind, str | None]:
    """The kind and detail of ``reason``.

    Raises:
        UnknownReason: the reason is empty or its kind is not a :class:`LeftOutKind`.
    """
    kind, sep, detail = reason.partition(":")
    try:
        parsed = LeftOutKind(kind.strip())
    except ValueError:
        kinds = ", ".join(k.value for k in LeftOutKind)
        raise UnknownReason(
            f"left-out reason {reason!r}: unknown kind {kind!r} (known kinds: {kinds})"
        ) from None
    if sep and not detail.strip():
        raise UnknownReason(f"left-out reason {reason!r}: empty detail after ':'")
    return parsed, (detail.strip() if sep else None)


__all__ = ["LeftOutKind", "UnknownReason", "parse_reason"]
