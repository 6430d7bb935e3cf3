"""Who reads a product, and how: the policy applied to one contract.

What the Dagster UI and the catalogue show beside a product: the clearance a reader
needs to see it whole and raw (:func:`required_clearance`), and for every group and
purpose of the policy what they see of it (:func:`readers_of`).

Example:
    >>> from mesh_platform.contract.registry import get_contract, load_contract_modules
    >>> load_contract_modules()
    >>> profile = get_contract("customers.customer_profile")
    >>> required_clearance(profile)
    'direct_pii'
    >>> readers_of(load_policy(), profile)["call-centre-agents"]
    {'service': 'raw'}
"""

from __future__ import annotations

from mesh_platform.access.policy import Clearance, Policy, Treatment, load_policy
from mesh_platform.contract import AccessLevel, DataContract, columns_of

__all__ = ["load_policy", "readers_markdown", "readers_of", "required_clearance"]


def required_clearance(contract: type[DataContract]) -> str:
    """The lowest clearance that reads every column raw, and the domain an internal
    product is confined to."""
    meta = contract.meta()
    classes = [c.classification for c in columns_of(contract) if c.classification.is_pii]
    clearance = Clearance.INTERNAL if meta.access is AccessLevel.INTERNAL else Clearance.PUBLIC
    if classes:
        clearance = max((Clearance(c.value) for c in classes), key=lambda c: c.rank)
    if meta.access is AccessLevel.INTERNAL:
        return f"{clearance.value}, internal to the {meta.domain} domain"
    return clearance.value


def readers_of(policy: Policy, contract: type[DataContract]) -> dict[str, dict[str, str]]:
    """What each group sees of the product for each of its purposes: ``raw`` (every
    column), ``masked: a, b`` (those masked), ``hidden: a, b`` (those left out, and
    masked ones if any), or ``no access``."""
    meta = contract.meta()
    columns = columns_of(contract)
    result: dict[str, dict[str, str]] = {}
    for name, group in sorted(policy.groups.items()):
        seen: dict[str, str] = {}
        for purpose in dict.fromkeys(g.purpose for g in group.grants):
            access = policy.access_for({name}, purpose)
            if not access.reads_product(meta.domain, meta.access):
                seen[purpose.value] = "no access"
                continue
            by = {t: [c.name for c in columns if access.treatment(c.classification) is t]
                  for t in Treatment}  # fmt: skip
            parts = [f"{t.value}: {', '.join(by[t])}" for t in (Treatment.MASKED, Treatment.HIDDEN)
                     if by[t]]  # fmt: skip
            seen[purpose.value] = "; ".join(parts) or "raw"
        result[name] = seen
    return result


def readers_markdown(policy: Policy, contract: type[DataContract]) -> str:
    """:func:`readers_of` as a Markdown table (group, purpose, what they see)."""
    lines = ["| group | purpose | sees |", "|---|---|---|"]
    for group, seen in readers_of(policy, contract).items():
        lines += [f"| {group} | {purpose} | {what} |" for purpose, what in seen.items()]
    return "\n".join(lines)
