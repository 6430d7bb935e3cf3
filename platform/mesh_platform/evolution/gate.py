"""The breaking-change gate: which contract changes fail, and who they would break.

Each change is classified by the rule table (:mod:`mesh_platform.evolution.rules`). A
breaking change **fails** only when all of these hold: the product was public (another
domain could read it), a consumer reads what changed (the column, by lineage; any column
for a change to the whole product), and the product's major version was not bumped. A
breaking change nobody reads is a **warning** when the major version was not bumped
(the version still promises compatibility), else **ok**; so is every change of an
internal product, whose readers are in its own domain and are checked when the domain
loads. A major version bumped with readers of what broke is ``ok`` when the old major
version is kept beside the new one (``<product>_v<major>``, see
:class:`~mesh_platform.contract.Deprecation`), else a **warning**: its readers must move
now.

Example:
    >>> from mesh_platform.evolution.diff import Change
    >>> from mesh_platform.evolution.rules import Kind
    >>> from mesh_platform.evolution.reads import Read
    >>> change = Change("sales.lines", Kind.COLUMN_REMOVED, "amount", "integer", "amount")
    >>> reads = [Read("ci.scores", "Lab", "lab@example.com", "sales.lines", "amount")]
    >>> judge(change, reads, public=True, major_bumped=False).verdict
    <Verdict.FAIL: 'fail'>
    >>> judge(change, [], public=True, major_bumped=False).verdict
    <Verdict.WARN: 'warn'>
    >>> judge(change, reads, public=True, major_bumped=True, kept_beside="sales.lines_v1").verdict
    <Verdict.OK: 'ok'>
    >>> judge(change, reads, public=True, major_bumped=True).verdict
    <Verdict.WARN: 'warn'>
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mesh_platform.evolution.diff import Change, Document, mesh_changes
from mesh_platform.evolution.reads import Read
from mesh_platform.evolution.snapshot import Snapshot


class Verdict(StrEnum):
    """What the gate makes of one change."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Judged:
    """A change, the consumers it concerns, and the gate's verdict.

    Attributes:
        change: the classified change.
        consumers: the reads of what changed (the column, or any column of the product).
        verdict: ok, warn or fail.
        reason: why, in one phrase.
    """

    change: Change
    consumers: tuple[Read, ...]
    verdict: Verdict
    reason: str

    def as_json(self) -> dict[str, Any]:
        change = self.change
        return {
            "product": change.product,
            "kind": str(change.kind),
            "column": change.column,
            "detail": change.detail,
            "breaking": change.breaking,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "consumers": [
                {
                    "product": r.consumer,
                    "column": r.column,
                    "computes": list(r.outputs),
                    "team": r.team,
                    "contact": r.contact,
                }
                for r in self.consumers
            ],
        }


def judge(
    change: Change,
    reads: Iterable[Read],
    *,
    public: bool,
    major_bumped: bool,
    kept_beside: str | None = None,
) -> Judged:
    """The verdict on one change, given every read of the mesh at the head.

    Args:
        change: the change.
        reads: every read of the mesh at the head.
        public: whether the product was public before.
        major_bumped: whether its major version went up.
        kept_beside: the product keeping the old major version published beside the new
            one (``<product>_v<major>``), if there is one.
    """
    column = change.read_as if change.rule.scope == "column" else None
    new_column = change.rule.scope == "column" and column is None  # nobody reads it yet
    consumers = tuple(
        r
        for r in reads
        if r.upstream == change.product
        and r.reads(column)
        and r.consumer != change.product
        and not new_column
    )
    if not change.breaking:
        return Judged(change, consumers, Verdict.OK, "not breaking")
    if not public:
        return Judged(
            change,
            consumers,
            Verdict.OK,
            "internal product: its domain's own load checks its readers",
        )
    if major_bumped and (kept_beside or not consumers):
        beside = f", the old one kept beside as {kept_beside}" if kept_beside else ""
        return Judged(change, consumers, Verdict.OK, f"breaking, major version bumped{beside}")
    if major_bumped:
        return Judged(
            change,
            consumers,
            Verdict.WARN,
            "breaking, major version bumped, but the old one is not kept beside: "
            "its readers must move now",
        )
    if consumers:
        read = "reads it" if len(consumers) == 1 else f"{len(consumers)} consumers read it"
        return Judged(
            change, consumers, Verdict.FAIL, f"breaking, {read}, major version not bumped"
        )
    return Judged(
        change, consumers, Verdict.WARN, "breaking, nobody reads it, major version not bumped"
    )


@dataclass(frozen=True)
class ProductReport:
    """The judged changes of one product, with its versions and owner."""

    product: str
    base_version: str | None
    head_version: str | None
    team: str
    contact: str
    judged: tuple[Judged, ...]

    @property
    def verdict(self) -> Verdict:
        order = list(Verdict)
        return max((j.verdict for j in self.judged), key=order.index, default=Verdict.OK)


@dataclass(frozen=True)
class Report:
    """The gate's report over every product that changed."""

    base: str
    merge_base: str
    head: str
    products: tuple[ProductReport, ...]

    @property
    def failed(self) -> bool:
        return any(p.verdict is Verdict.FAIL for p in self.products)

    def count(self, verdict: Verdict) -> int:
        return sum(j.verdict is verdict for p in self.products for j in p.judged)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data, for CI."""
        return {
            "base": self.base,
            "merge_base": self.merge_base,
            "head": self.head,
            "failed": self.failed,
            "summary": {str(v): self.count(v) for v in Verdict},
            "products": [
                {
                    "product": p.product,
                    "base_version": p.base_version,
                    "head_version": p.head_version,
                    "team": p.team,
                    "contact": p.contact,
                    "verdict": str(p.verdict),
                    "changes": [j.as_json() for j in p.judged],
                }
                for p in self.products
            ],
        }


def _major(document: Document | None) -> int | None:
    version = str((document or {}).get("version", ""))
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _owner(document: Document | None) -> tuple[str, str]:
    document = document or {}
    team = (document.get("team") or {}).get("name", "no owner")
    support = [s.get("channel") for s in document.get("support") or [] if s.get("channel")]
    return str(team), str(support[0]) if support else "no contact"


def _public(document: Document | None) -> bool:
    custom = {c["property"]: c.get("value") for c in (document or {}).get("customProperties") or []}
    return custom.get("access", "public") == "public"


def gate(
    base: Snapshot,
    head: Snapshot,
    *,
    names: tuple[str, str, str] = ("base", "base", "head"),
    reads: Sequence[Read] | None = None,
) -> Report:
    """The report of the changes from ``base`` to ``head``, judged against the reads of
    ``head`` (or ``reads``).

    Args:
        base: the contracts before.
        head: the contracts after, and who reads them.
        names: the base revision, the merge base and the head, as the report names them.
        reads: the reads to judge against (default: the head's).
    """
    reads = head.reads if reads is None else reads
    by_product: dict[str, list[Change]] = {}
    for change in mesh_changes(base.documents, head.documents):
        by_product.setdefault(change.product, []).append(change)
    products = []
    for key, changes in by_product.items():
        before, after = base.documents.get(key), head.documents.get(key)
        old_major, new_major = _major(before), _major(after)
        bumped = old_major is not None and new_major is not None and new_major > old_major
        public = _public(before) if before is not None else _public(after)
        team, contact = _owner(after or before)
        beside = f"{key}_v{old_major}"
        kept = beside if bumped and beside in head.documents else None
        judged = tuple(
            judge(c, reads, public=public, major_bumped=bumped, kept_beside=kept) for c in changes
        )
        products.append(
            ProductReport(
                key,
                (before or {}).get("version"),
                (after or {}).get("version"),
                team,
                contact,
                judged,
            )
        )
    return Report(*names, tuple(products))
