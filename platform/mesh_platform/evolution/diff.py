"""Classifying the changes between two versions of a product's contract.

Both versions are compared in their Open Data Contract Standard form (the document
:func:`mesh_platform.derive.odcs.odcs_dict` derives from a contract), so that the two
sides may come from different revisions of the code without sharing one Python object:
the document is the neutral form, never a schema written a second time.

Example:
    >>> before = {"version": "1.0.0", "schema": [{"properties": [
    ...     {"name": "id", "logicalType": "string", "required": True, "primaryKey": True,
    ...      "primaryKeyPosition": 1},
    ...     {"name": "amount", "logicalType": "integer", "required": True}]}]}
    >>> after = {"version": "1.1.0", "schema": [{"properties": [
    ...     {"name": "id", "logicalType": "string", "required": True, "primaryKey": True,
    ...      "primaryKeyPosition": 1},
    ...     {"name": "amount", "logicalType": "number", "required": False}]}]}
    >>> [(c.kind.value, c.column, c.detail) for c in product_changes("s.p", before, after)]
    [('type_widened', 'amount', 'integer → number'), ('nullability_loosened', 'amount', \
'required → nullable')]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mesh_platform.contract import Classification
from mesh_platform.evolution.rules import RULES, ChangeRule, Kind

Document = Mapping[str, Any]
"""A product's ODCS document as plain data."""

WIDENINGS = frozenset({("integer", "number"), ("date", "timestamp")})
"""Logical type changes whose new type holds every value of the old one."""

_LATENCY_SECONDS = {"d": 86_400, "h": 3_600, "min": 60, "s": 1}
_CLASSIFICATION_RANK = {c.value: rank for rank, c in enumerate(Classification)}


@dataclass(frozen=True)
class Change:
    """One classified change of one product's contract.

    Attributes:
        product: ``domain.product``.
        kind: what changed.
        column: the column concerned (its new name for a rename), ``None`` for the
            product.
        detail: before → after, for people.
        read_as: the column's name in the old contract, which consumers read (differs
            from ``column`` for a rename).
    """

    product: str
    kind: Kind
    column: str | None
    detail: str
    read_as: str | None = None

    @property
    def rule(self) -> ChangeRule:
        return RULES[self.kind]

    @property
    def breaking(self) -> bool:
        return self.rule.breaking


def mesh_changes(before: Mapping[str, Document], after: Mapping[str, Document]) -> list[Change]:
    """Every change between two sets of product documents, by ``domain.product``."""
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            changes.append(Change(key, Kind.PRODUCT_REMOVED, None, "the contract is gone"))
        elif key not in before:
            changes.append(
                Change(key, Kind.PRODUCT_ADDED, None, f"version {after[key]['version']}")
            )
        else:
            changes.extend(product_changes(key, before[key], after[key]))
    return changes


def product_changes(key: str, before: Document, after: Document) -> list[Change]:
    """The changes between two versions of one product's document."""
    old, new = _properties(before), _properties(after)
    renames = {
        name: source
        for name, prop in new.items()
        if (source := _custom(prop).get("renamedFrom")) in old and source not in new
    }
    changes: list[Change] = []
    for name, prop in new.items():
        source = renames.get(name, name)
        if source not in old:
            changes.append(Change(key, Kind.COLUMN_ADDED, name, _type_text(prop)))
            continue
        if source != name:
            changes.append(Change(key, Kind.COLUMN_RENAMED, name, f"{source} → {name}", source))
        changes.extend(
            Change(key, kind, name, detail, source)
            for kind, detail in column_changes(old[source], prop)
        )
    renamed = set(renames.values())
    changes.extend(
        Change(key, Kind.COLUMN_REMOVED, name, _type_text(prop), name)
        for name, prop in old.items()
        if name not in new and name not in renamed
    )
    changes.extend(
        Change(key, kind, None, detail) for kind, detail in _product_level(before, after, renames)
    )
    return changes


def column_changes(old: Document, new: Document) -> Iterator[tuple[Kind, str]]:
    """The changes of one column: type, nullability, accepted values, constraints,
    reference, classification."""
    old_type, new_type = old.get("logicalType"), new.get("logicalType")
    if old_type != new_type:
        if (old_type, new_type) in WIDENINGS:
            kind = Kind.TYPE_WIDENED
        elif (new_type, old_type) in WIDENINGS:
            kind = Kind.TYPE_NARROWED
        else:
            kind = Kind.TYPE_CHANGED
        yield kind, f"{old_type} → {new_type}"
    required = bool(old.get("required")), bool(new.get("required"))
    if required == (True, False):
        yield Kind.NULLABILITY_LOOSENED, "required → nullable"
    elif required == (False, True):
        yield Kind.NULLABILITY_TIGHTENED, "nullable → required"
    yield from _enum_changes(old, new)
    yield from _constraint_changes(old, new)
    old_class = old.get("classification", "none")
    new_class = new.get("classification", "none")
    if old_class != new_class:
        raised = _CLASSIFICATION_RANK.get(new_class, 0) > _CLASSIFICATION_RANK.get(old_class, 0)
        kind = Kind.CLASSIFICATION_RAISED if raised else Kind.CLASSIFICATION_LOWERED
        yield kind, f"{old_class} → {new_class}"


def _enum_changes(old: Document, new: Document) -> Iterator[tuple[Kind, str]]:
    before, after = _enum(old), _enum(new)
    if before is None and after is None:
        return
    if before is None:
        yield Kind.CONSTRAINT_TIGHTENED, f"accepted values declared: {_listed(after or [])}"
    elif after is None:
        yield Kind.CONSTRAINT_LOOSENED, f"accepted values dropped (were {_listed(before)})"
    else:
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        if added:
            yield Kind.ENUM_VALUES_ADDED, f"+ {_listed(added)}"
        if removed:
            yield Kind.ENUM_VALUES_REMOVED, f"- {_listed(removed)}"


def _constraint_changes(old: Document, new: Document) -> Iterator[tuple[Kind, str]]:
    old_options = old.get("logicalTypeOptions") or {}
    new_options = new.get("logicalTypeOptions") or {}
    for side, bound in (("lower", _lower), ("upper", _upper)):
        was, now = bound(old_options), bound(new_options)
        if was == now:
            continue
        text = f"{side} bound {_bound_text(was)} → {_bound_text(now)}"
        yield (
            (Kind.CONSTRAINT_LOOSENED if _looser(side, was, now) else Kind.CONSTRAINT_TIGHTENED),
            text,
        )
    for name, looser in (("minLength", lambda a, b: b < a), ("maxLength", lambda a, b: b > a)):
        old_length, new_length = old_options.get(name), new_options.get(name)
        if old_length == new_length:
            continue
        loosened = new_length is None or (old_length is not None and looser(old_length, new_length))
        kind = Kind.CONSTRAINT_LOOSENED if loosened else Kind.CONSTRAINT_TIGHTENED
        yield kind, f"{name} {_or_none(old_length)} → {_or_none(new_length)}"
    for what, old_text, new_text in (
        ("pattern", old_options.get("pattern"), new_options.get("pattern")),
        ("reference", _reference(old), _reference(new)),
    ):
        if old_text == new_text:
            continue
        # A changed pattern or reference promises other values: looser for a reader,
        # unless it is only added.
        kind = Kind.CONSTRAINT_TIGHTENED if old_text is None else Kind.CONSTRAINT_LOOSENED
        yield kind, f"{what} {_or_none(old_text)} → {_or_none(new_text)}"
    if _reference(old) is not None and _reference(new) is not None:
        was = _custom(old).get("referenceSeverity", "block")
        now = _custom(new).get("referenceSeverity", "block")
        if was != now:  # a warning lets unknown references through
            kind = Kind.CONSTRAINT_LOOSENED if now == "warn" else Kind.CONSTRAINT_TIGHTENED
            yield kind, f"missing references {was} → {now}"


Bound = tuple[float, bool] | None
"""A bound's value and whether it is exclusive, or no bound."""


def _lower(options: Mapping[str, Any]) -> Bound:
    if "exclusiveMinimum" in options:
        return float(options["exclusiveMinimum"]), True
    if "minimum" in options:
        return float(options["minimum"]), False
    return None


def _upper(options: Mapping[str, Any]) -> Bound:
    if "exclusiveMaximum" in options:
        return float(options["exclusiveMaximum"]), True
    if "maximum" in options:
        return float(options["maximum"]), False
    return None


def _looser(side: str, was: Bound, now: Bound) -> bool:
    """Whether the bound ``now`` admits a value the bound ``was`` excluded."""
    if now is None:
        return True
    if was is None:
        return False
    (old_value, old_exclusive), (new_value, new_exclusive) = was, now
    if old_value == new_value:
        return old_exclusive and not new_exclusive
    return new_value < old_value if side == "lower" else new_value > old_value


def _product_level(
    before: Document, after: Document, renames: Mapping[str, str]
) -> Iterator[tuple[Kind, str]]:
    old_grain, new_grain = _grain(before), _grain(after)
    if [renames.get(c, c) for c in new_grain] != old_grain:
        yield Kind.GRAIN_CHANGED, f"({', '.join(old_grain)}) → ({', '.join(new_grain)})"
    old_access = _custom(before).get("access", "public")
    new_access = _custom(after).get("access", "public")
    if old_access != new_access:
        kind = Kind.ACCESS_RESTRICTED if new_access == "internal" else Kind.ACCESS_OPENED
        yield kind, f"{old_access} → {new_access}"
    old_lag, new_lag = _latency(before), _latency(after)
    if old_lag != new_lag:
        loosened = new_lag is None or (old_lag is not None and new_lag > old_lag)
        kind = Kind.FRESHNESS_LOOSENED if loosened else Kind.FRESHNESS_TIGHTENED
        yield kind, f"max lag {_lag_text(old_lag)} → {_lag_text(new_lag)}"
    if _owner(before) != _owner(after):
        yield Kind.OWNER_CHANGED, f"{_owner(before)} → {_owner(after)}"


# --- reading the documents ------------------------------------------------------------


def _properties(document: Document) -> dict[str, Document]:
    schema = (document.get("schema") or [{}])[0]
    return {p["name"]: p for p in schema.get("properties") or []}


def _custom(node: Document) -> dict[str, Any]:
    return {c["property"]: c.get("value") for c in node.get("customProperties") or []}


def _enum(prop: Document) -> list[Any] | None:
    values = prop.get("enum")
    return (
        None
        if values is None
        else [v.get("value") if isinstance(v, Mapping) else v for v in values]
    )


def _reference(prop: Document) -> str | None:
    for relationship in prop.get("relationships") or []:
        if relationship.get("type", "foreignKey") == "foreignKey":
            target = relationship.get("to")
            return str(target) if target is not None else None
    return None


def _grain(document: Document) -> list[str]:
    keys = [p for p in _properties(document).values() if p.get("primaryKey")]
    return [p["name"] for p in sorted(keys, key=lambda p: p.get("primaryKeyPosition") or 0)]


def _latency(document: Document) -> float | None:
    for sla in document.get("slaProperties") or []:
        if sla.get("property") == "latency":
            return float(sla["value"]) * _LATENCY_SECONDS.get(sla.get("unit", "s"), 1)
    return None


def _owner(document: Document) -> str:
    team = (document.get("team") or {}).get("name", "no team")
    support = [s.get("channel") for s in document.get("support") or []]
    return f"{team} ({', '.join(str(s) for s in support)})" if support else str(team)


# --- texts ----------------------------------------------------------------------------


def _type_text(prop: Document) -> str:
    nullable = "" if prop.get("required") else ", nullable"
    return f"{prop.get('logicalType')}{nullable}"


def _listed(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def _or_none(value: Any) -> str:
    return "none" if value is None else str(value)


def _bound_text(bound: Bound) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    shown = int(value) if value.is_integer() else value
    return f"{shown} (exclusive)" if exclusive else str(shown)


def _lag_text(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"
