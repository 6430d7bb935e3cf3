"""The access policy: which directory groups read which products and columns, and how.

One file (``contracts/access_policy.yaml``, or the file ``MESH_ACCESS_POLICY`` names) maps
directory groups to *grants*: for a purpose (marketing, service, analytics), a
clearance and the domains whose internal products the group reads. The contracts
classify every column (:class:`~mesh_platform.contract.Classification`) and make every
product public or internal; the policy says how each class of column is shown at each
clearance: raw, masked or hidden. It never names a column or a product.

Example:
    >>> policy = load_policy()
    >>> access = policy.access_for(frozenset({"crm-analysts"}), Purpose.ANALYTICS)
    >>> access.clearance, access.treatment(Classification.DIRECT_PII)
    (<Clearance.INDIRECT_PII: 'indirect_pii'>, <Treatment.MASKED: 'masked'>)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mesh_platform.contract import AccessLevel, Classification
from mesh_platform.errors import MeshError
from mesh_platform.settings import MeshSettings, get_settings

POLICY_FILE = "access_policy.yaml"
"""The policy file in the ``contracts`` package: reviewed with the contracts whose
classes it interprets, and installed with them in the production image."""
ALL_DOMAINS = "*"
LOCAL_KEY_FILE = Path("access") / "masking.key"
"""The local state folder's masking key, when the environment gives none."""


class AccessError(MeshError):
    """A reader may not run a query, or the policy or the directory is wrong."""


class Purpose(StrEnum):
    """Why a person reads customer data (GDPR: the purpose of the processing)."""

    MARKETING = "marketing"
    SERVICE = "service"
    ANALYTICS = "analytics"


class Clearance(StrEnum):
    """How much a reader may see, lowest first (the order of the members is the ladder)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    INDIRECT_PII = "indirect_pii"
    DIRECT_PII = "direct_pii"
    SENSITIVE = "sensitive"

    @property
    def rank(self) -> int:
        return list(Clearance).index(self)


class Treatment(StrEnum):
    """How a column is shown to a reader."""

    RAW = "raw"
    MASKED = "masked"
    HIDDEN = "hidden"


class Partial(StrEnum):
    """The partial displays a masked column of a semantic type may get instead of a hash."""

    EMAIL_DOMAIN = "email_domain"
    LAST_FOUR = "last_four"
    YEAR = "year"


PII_CLASSES = tuple(c for c in Classification if c.is_pii)


class Grant(BaseModel):
    """What a group may read for one purpose."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: Purpose
    clearance: Clearance
    domains: tuple[str, ...] = ()


class Group(BaseModel):
    """A directory group's grants."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(min_length=1)
    admin: bool = False
    grants: tuple[Grant, ...] = ()


class Masking(BaseModel):
    """How masked columns are shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partial: dict[str, Partial] = Field(default_factory=dict)

    def key(self, settings: MeshSettings) -> bytes:
        """The deployment's masking key (HMAC key of hashed columns): the setting
        ``MESH_MASKING_KEY`` (production: from the secret manager), else the local state
        folder's key file (:data:`LOCAL_KEY_FILE`, written by the sandbox's directory).

        Raises:
            AccessError: neither is there, or it is not 16 to 64 bytes long (a hash
                without a secret key could be reversed by hashing candidate values).
        """
        value = settings.masking_key.get_secret_value() if settings.masking_key else ""
        if not value:
            with contextlib.suppress(OSError):
                value = (settings.state_dir / LOCAL_KEY_FILE).read_text().strip()
        if not 16 <= len(value.encode()) <= 64:
            raise AccessError(
                "masked columns are hashed with the deployment's key, but MESH_MASKING_KEY "
                "is not set, or not 16 to 64 bytes long (BigQuery's masking routine pads it "
                "to one HMAC block): set it to a secret of the deployment (locally "
                "`mesh dev` writes one in the state folder)"
            )
        return value.encode()


class BigQueryPrincipals(BaseModel):
    """How a directory group is named in Google Cloud IAM."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str = "group:{group}@example.com"

    def member(self, group: str) -> str:
        return self.principal.format(group=group)


class Policy(BaseModel):
    """The access policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    clearances: dict[Clearance, dict[Classification, Treatment]]
    masking: Masking = Masking()
    bigquery: BigQueryPrincipals = BigQueryPrincipals()
    groups: dict[str, Group]

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        for clearance in Clearance:
            shown = self.clearances.get(clearance)
            if shown is None:
                raise ValueError(f"clearances: {clearance.value} is missing")
            missing = [c.value for c in PII_CLASSES if c not in shown]
            if missing:
                raise ValueError(
                    f"clearances.{clearance.value}: no treatment for {', '.join(missing)}"
                )
        return self

    def admins(self) -> frozenset[str]:
        """The groups whose members may run a query as another user."""
        return frozenset(name for name, group in self.groups.items() if group.admin)

    def access_for(self, groups: Iterable[str], purpose: Purpose) -> ReaderAccess:
        """What a member of ``groups`` may read for ``purpose``.

        Raises:
            AccessError: none of the groups holds a grant for ``purpose``.
        """
        groups = frozenset(groups)
        grants = [
            (name, grant)
            for name in sorted(groups & self.groups.keys())
            for grant in self.groups[name].grants
            if grant.purpose is purpose
        ]
        if not grants:
            held = sorted(
                {
                    g.purpose.value
                    for n in groups & self.groups.keys()
                    for g in self.groups[n].grants
                }
            )
            known = ", ".join(sorted(groups)) or "none"
            raise AccessError(
                f"no grant for the purpose {purpose.value!r} in your groups ({known}); "
                f"your purposes: {', '.join(held) or 'none'} (contracts/access_policy.yaml)"
            )
        clearance = max((g.clearance for _, g in grants), key=lambda c: c.rank)
        domains: set[str] = set()
        for _, grant in grants:
            if grant.clearance.rank >= Clearance.INTERNAL.rank:
                domains.update(grant.domains)
        return ReaderAccess(
            purpose=purpose,
            clearance=clearance,
            domains=frozenset(domains),
            groups=tuple(name for name, _ in grants),
            shown=self.clearances[clearance],
        )

    def purposes_of(self, groups: Iterable[str]) -> list[Purpose]:
        """The purposes the groups hold a grant for, in the enumeration's order."""
        held = {g.purpose for n in set(groups) & self.groups.keys() for g in self.groups[n].grants}
        return [p for p in Purpose if p in held]


@dataclass(frozen=True)
class ReaderAccess:
    """What one reader may read for one purpose.

    Attributes:
        purpose: the declared purpose.
        clearance: the highest clearance the reader's groups grant for it.
        domains: the domains whose internal products the reader reads (``*``: all).
        groups: the groups that granted it.
        shown: how each PII class is shown.
    """

    purpose: Purpose
    clearance: Clearance
    domains: frozenset[str]
    groups: tuple[str, ...]
    shown: dict[Classification, Treatment]

    def treatment(self, classification: Classification) -> Treatment:
        if not classification.is_pii:
            return Treatment.RAW
        return self.shown[classification]

    def reads_product(self, domain: str, access: AccessLevel) -> bool:
        """Whether the reader sees a product of ``domain`` with this access level."""
        if access is AccessLevel.PUBLIC:
            return True
        return ALL_DOMAINS in self.domains or domain in self.domains

    def describe(self) -> str:
        return (
            f"clearance {self.clearance.value} for {self.purpose.value} "
            f"(groups: {', '.join(self.groups)})"
        )


def policy_path() -> Path:
    """The policy file: the setting ``MESH_ACCESS_POLICY``, else the ``contracts`` package's."""
    if named := get_settings().access_policy:
        return named
    return Path(str(resources.files("contracts").joinpath(POLICY_FILE)))


def load_policy(path: Path | None = None) -> Policy:
    """The policy in ``path`` (default: :func:`policy_path`).

    Raises:
        AccessError: the file is missing or breaks the policy's model (with the rule).
    """
    return _load(path or policy_path())


@lru_cache(maxsize=4)
def _load(path: Path) -> Policy:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise AccessError(f"the access policy {path} cannot be read: {error}") from error
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise AccessError(f"the access policy {path} is invalid:\n{error}") from error
