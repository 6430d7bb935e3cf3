"""Rankings: an enumeration's values in value order, declared once by a contract.

A contract that orders the values of one of its enumerations (the RFM segments, from
the most valuable down) declares the order once as a :class:`Ranking` and registers it
under a name. Python code reads the ranks from it; SQL products call the
``RANK_OF(value, 'name')`` macro, which the platform expands into a ``CASE`` from the
same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ranking:
    """The values of an enumeration, best first: the last one ranks 1, the first highest.

    Example:
        >>> medals = Ranking("medal", ("GOLD", "SILVER", "BRONZE"))
        >>> medals.ranks()
        {'GOLD': 3, 'SILVER': 2, 'BRONZE': 1}
    """

    name: str
    best_first: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.best_first or len(set(self.best_first)) != len(self.best_first):
            raise ValueError(f"ranking {self.name!r}: give distinct values, best first")

    def ranks(self) -> dict[str, int]:
        """Each value's rank, best first (higher is better)."""
        count = len(self.best_first)
        return {value: count - index for index, value in enumerate(self.best_first)}


_REGISTERED: dict[str, Ranking] = {}


def register_ranking(ranking: Ranking) -> Ranking:
    """Declare a ranking under its name (once; a contract module does it)."""
    known = _REGISTERED.setdefault(ranking.name, ranking)
    if known != ranking:
        raise ValueError(f"a ranking {ranking.name!r} is already declared: {known}")
    return ranking


def get_ranking(name: str) -> Ranking:
    """The ranking declared under ``name`` by the contracts.

    Raises:
        LookupError: no contract declares it.
    """
    if name not in _REGISTERED:
        from mesh_platform.contract.registry import load_contract_modules

        load_contract_modules()
    ranking = _REGISTERED.get(name)
    if ranking is None:
        known = ", ".join(sorted(_REGISTERED)) or "none"
        raise LookupError(f"no ranking {name!r} declared by the contracts (known: {known})")
    return ranking
