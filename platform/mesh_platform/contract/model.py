"""The contract model: one pydantic model per data product.

A data product's contract is a pydantic model whose fields are the product's
columns (one row = one instance) and whose class keywords carry the product-level
metadata. Every other representation of the product (pandera schemas, DDL,
warehouse checks, Dagster metadata, JSON Schema, ODCS, OpenLineage facets) is
derived from it by the functions in :mod:`mesh_platform.derive`.

Example:
    >>> from pydantic import Field
    >>> class Village(DataContract, domain="demo", product="village", version="1.0.0",
    ...               owner=Owner(team="Demo", contact="demo@example.com"),
    ...               grain=("village_id",), register=False):
    ...     '''One row per village.'''
    ...     village_id: str = column("Village code.")
    >>> Village.meta().key
    'demo.village'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mesh_platform.contract.privacy import Privacy
from mesh_platform.contract.reasons import UnknownReason, parse_reason

SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


class Classification(StrEnum):
    """How sensitive a column is. PII columns need a rationale."""

    NONE = "none"
    INDIRECT_PII = "indirect_pii"
    DIRECT_PII = "direct_pii"
    SENSITIVE = "sensitive"

    @property
    def is_pii(self) -> bool:
        return self is not Classification.NONE

    @classmethod
    def highest(cls, classes: Iterable[Classification]) -> Classification:
        """The most sensitive of ``classes`` (``NONE`` when there are none).

        Example:
            >>> Classification.highest([Classification.DIRECT_PII, Classification.INDIRECT_PII])
            <Classification.DIRECT_PII: 'direct_pii'>
        """
        order = list(cls)
        return max(classes, key=order.index, default=cls.NONE)


class AccessLevel(StrEnum):
    """Who may read a product: anyone in the mesh, or only its own domain."""

    PUBLIC = "public"
    INTERNAL = "internal"


class Owner(BaseModel):
    """The team that owns a product and how to reach it."""

    model_config = ConfigDict(frozen=True)

    team: str = Field(min_length=1)
    contact: str = Field(min_length=3, description="An e-mail address or a channel.")


class Freshness(BaseModel):
    """The freshness SLA: the product is late once it is older than ``max_lag``."""

    model_config = ConfigDict(frozen=True)

    max_lag: timedelta = Field(description="Maximum age of the latest publication.")
    cron: str | None = Field(None, description="Expected update schedule, if any.")


class Partitioning(BaseModel):
    """How a product is published in pieces (one partition at a time)."""

    model_config = ConfigDict(frozen=True)

    column: str
    kind: str = Field(pattern=r"^(season|daily|monthly)$")
    start: date = Field(
        date(2018, 1, 1), description="First day of the first time partition (daily, monthly)."
    )


class Tolerance(BaseModel):
    """What a product's run may leave out, and how far its volume may move, and still
    publish. The default is strict: no row left out, no volume guard.

    Example:
        >>> t = Tolerance(left_out={"duplicate": 0.02, "out_of_scope:test_site": 0.1},
        ...               volume_drop=0.5)
        >>> t.limit_for("duplicate"), t.limit_for("out_of_scope:test_site")
        (0.02, 0.1)
        >>> t.limit_for("invalid_value:rating"), t.limit_for("out_of_scope:other")
        (0.0, 0.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    left_out: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Largest share (0 to 1) of a stage's candidate rows that may be left out, per "
            "reason kind or full reason; a reason not listed may not occur at all."
        ),
    )
    volume_drop: float | None = Field(
        None,
        ge=0,
        le=1,
        description=(
            "Largest relative fall of the published row count against the last publish "
            "(0: not one row less); none: not guarded."
        ),
    )
    volume_growth: float | None = Field(
        None,
        ge=0,
        description=(
            "Largest relative rise of the published row count against the last publish; "
            "none: not guarded."
        ),
    )

    @field_validator("left_out")
    @classmethod
    def _known_reasons(cls, value: dict[str, float]) -> dict[str, float]:
        for reason, share in value.items():
            try:
                parse_reason(reason)
            except UnknownReason as error:
                raise ValueError(str(error)) from None
            if not 0 <= share <= 1:
                raise ValueError(f"left_out[{reason!r}] = {share}: a share between 0 and 1")
        return value

    def limit_for(self, reason: str) -> float:
        """The largest share of rows that may be left out for ``reason`` (the full reason
        if listed, else its kind, else 0)."""
        if reason in self.left_out:
            return self.left_out[reason]
        kind, _ = parse_reason(reason)
        return self.left_out.get(kind.value, 0.0)

    @property
    def is_strict(self) -> bool:
        """Whether nothing is tolerated and no volume is guarded (the default)."""
        return not self.left_out and self.volume_drop is None and self.volume_growth is None


class Deprecation(BaseModel):
    """A version published beside the one that replaces it, until a date.

    The product ``<domain>.<name>_v<major>`` keeps an old major version beside the
    current ``<domain>.<name>`` while consumers move: a consumer reads the old version
    explicitly (``sales.sales_lines_v1``) or the current one (``sales.sales_lines``).
    Until ``until`` the owners of the products still reading it are warned (``mesh
    check``, and their assets' metadata); after it, the old version is refused at load,
    naming them.

    Example:
        >>> d = Deprecation(until=date(2027, 3, 31), replaced_by="sales.sales_lines")
        >>> d.expired(date(2027, 3, 31)), d.expired(date(2027, 4, 1))
        (False, True)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    until: date = Field(description="The last day this version is published.")
    replaced_by: str = Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="The product (domain.product) of the version that replaces it.",
    )
    note: str | None = Field(None, description="What a consumer changes to move.")

    def expired(self, today: date) -> bool:
        """Whether the window is over on ``today``."""
        return today > self.until


class Reconciliation(BaseModel):
    """A promise between this product and another domain's: an aggregate of each, by
    matching groups, agrees within a relative tolerance. Checked in the warehouse after
    each publication (a Dagster asset check, blocking or a warning by ``severity``).

    Example:
        >>> r = Reconciliation(name="revenue_matches_lines", description="Revenue per season "
        ...     "is the sum of the season's sales lines.", measure="SUM(revenue_eur)",
        ...     against="sales.sales_lines", against_measure="SUM(amount_eur)", by=("season",),
        ...     tolerance=0.001)
        >>> r.against_columns, r.severity
        (('season',), 'warn')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The check's name.")
    description: str = Field(min_length=1, description="The promise, for people.")
    measure: str = Field(description="An aggregate of this product (GoogleSQL).")
    against: str = Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="The other product, domain.product.",
    )
    against_measure: str = Field(description="The matching aggregate of the other product.")
    by: tuple[str, ...] = Field((), description="This product's columns to group by.")
    against_by: tuple[str, ...] | None = Field(
        None, description="The other product's matching columns (default: the same names)."
    )
    tolerance: float = Field(
        0.0, ge=0, description="Largest relative difference, |a - b| / |b|, per group."
    )
    severity: Literal["block", "warn"] = Field(
        "warn", description="block: a failure blocks downstream runs; warn: it is reported."
    )
    groups: Literal["both", "this"] = Field(
        "both",
        description="both: every group of either product is compared (a group missing on "
        "one side counts as 0 there); this: only the groups this product publishes (a "
        "product that publishes a window, such as the last seasons, against a whole history).",
    )

    @property
    def against_columns(self) -> tuple[str, ...]:
        return self.against_by if self.against_by is not None else self.by


@dataclass(frozen=True)
class ProductMeta:
    """Product-level metadata declared on a contract class."""

    domain: str
    product: str
    version: str
    owner: Owner | None
    description: str
    grain: tuple[str, ...]
    access: AccessLevel = AccessLevel.PUBLIC
    freshness: Freshness | None = None
    tags: tuple[str, ...] = ()
    partitioning: Partitioning | None = None
    tier: str = "gold"
    tolerance: Tolerance = field(default_factory=Tolerance, hash=False)
    deprecation: Deprecation | None = None
    reconciliations: tuple[Reconciliation, ...] = ()
    privacy: Privacy = field(default_factory=Privacy, hash=False)

    @property
    def key(self) -> str:
        """``domain.product``, the product's name across the mesh."""
        return f"{self.domain}.{self.product}"

    @property
    def asset_key_path(self) -> tuple[str, str]:
        """The Dagster asset key ``<domain>/<product>`` as a path."""
        return (self.domain, self.product)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0]) if SEMVER.match(self.version) else 0


class ContractDeclarationError(TypeError):
    """A contract class is declared with metadata that cannot be read at all."""


@dataclass
class _Registry:
    contracts: dict[str, type[DataContract]] = field(default_factory=dict)

    def add(self, contract: type[DataContract]) -> None:
        key = contract.meta().key
        existing = self.contracts.get(key)
        if existing is not None and existing.__qualname__ != contract.__qualname__:
            raise ContractDeclarationError(
                f"{key}: declared twice ({existing.__module__}.{existing.__qualname__} "
                f"and {contract.__module__}.{contract.__qualname__})"
            )
        self.contracts[key] = contract


REGISTRY = _Registry()


class DataContract(BaseModel):
    """Base class of every data product contract.

    Subclasses declare product metadata as class keywords: ``domain``, ``product``,
    ``version`` (semantic), ``owner``, ``grain`` (primary-key columns), ``access``,
    ``freshness``, ``tags``, ``partitioning``, ``tier``, ``tolerance`` (the rows a
    run may leave out, the volume change allowed), ``deprecation`` (an old major
    version published beside its successor until a date) and ``reconciliations``
    (aggregates agreeing with another domain's product) and ``privacy`` (the consent
    its customers must hold, the smallest group it aggregates). The docstring is the
    product description. ``register=False`` keeps a class out of the mesh registry
    (for tests and examples).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)

    __product_meta__: ClassVar[ProductMeta | None] = None

    def __init_subclass__(
        cls,
        *,
        domain: str | None = None,
        product: str | None = None,
        version: str = "1.0.0",
        owner: Owner | None = None,
        grain: tuple[str, ...] | list[str] = (),
        access: AccessLevel = AccessLevel.PUBLIC,
        freshness: Freshness | None = None,
        tags: tuple[str, ...] | list[str] = (),
        partitioning: Partitioning | None = None,
        tier: str = "gold",
        tolerance: Tolerance | None = None,
        deprecation: Deprecation | None = None,
        reconciliations: tuple[Reconciliation, ...] | list[Reconciliation] = (),
        privacy: Privacy | None = None,
        register: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if domain is None and product is None:
            cls.__product_meta__ = None  # an abstract intermediate class
            return
        if not domain or not product:
            raise ContractDeclarationError(
                f"{cls.__qualname__}: a contract needs both domain= and product="
            )
        cls.__product_meta__ = ProductMeta(
            domain=domain,
            product=product,
            version=version,
            owner=owner,
            description=_clean_doc(cls.__doc__),
            grain=tuple(grain),
            access=AccessLevel(access),
            freshness=freshness,
            tags=tuple(tags),
            partitioning=partitioning,
            tier=tier,
            tolerance=tolerance if tolerance is not None else Tolerance(),
            deprecation=deprecation,
            reconciliations=tuple(reconciliations),
            privacy=privacy if privacy is not None else Privacy(),
        )
        if register:
            REGISTRY.add(cls)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Class keywords are consumed by __init_subclass__; nothing else to do,
        # but pydantic forwards them here too, so accept and drop them.
        return None

    @classmethod
    def meta(cls) -> ProductMeta:
        """The product metadata of this contract."""
        meta = cls.__product_meta__
        if meta is None:
            raise ContractDeclarationError(f"{cls.__qualname__} is not a product contract")
        return meta


def _clean_doc(doc: str | None) -> str:
    if not doc:
        return ""
    import inspect

    return inspect.cleandoc(doc)


def column(
    description: str,
    *,
    default: Any = ...,
    classification: Classification = Classification.NONE,
    rationale: str | None = None,
    references: str | None = None,
    examples: list[Any] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    renamed_from: str | None = None,
    reference_severity: Literal["block", "warn"] = "block",
) -> Any:
    """Declare a contract column.

    Args:
        description: what the column means, read by consumers in the UI and catalog.
        default: ``None`` for nullable columns declared ``X | None``; required otherwise.
        classification: PII / sensitivity class; anything but NONE needs ``rationale``.
        rationale: why the column is classified so (GDPR purpose).
        references: ``domain.product.column`` this column is a foreign key to.
        examples: example values shown to consumers.
        ge, gt, le, lt, pattern, min_length, max_length: constraints.
        renamed_from: the column's name in the previous version, when it was renamed
            (``mesh contracts diff`` then reports a rename, not a removal and an addition).
        reference_severity: what values missing from ``references`` do: ``block`` the
            publish (the default), or only ``warn``.
    """
    extra: dict[str, Any] = {"x-classification": Classification(classification).value}
    if rationale:
        extra["x-classification-rationale"] = rationale
    if references:
        extra["x-references"] = references
    if renamed_from:
        extra["x-renamed-from"] = renamed_from
    if reference_severity != "block":
        extra["x-reference-severity"] = reference_severity
    # Only what is given: an explicit None would hide what a semantic type declares.
    given = {
        key: value
        for key, value in {
            "examples": examples,
            "ge": ge,
            "gt": gt,
            "le": le,
            "lt": lt,
            "pattern": pattern,
            "min_length": min_length,
            "max_length": max_length,
        }.items()
        if value is not None
    }
    return Field(default, description=description, json_schema_extra=extra, **given)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Semantic:
    """Marks a shared semantic type (customer id, money in EUR, …) in ``Annotated``."""

    name: str
    description: str = ""
    unit: str | None = None
