"""The business glossary: the words the business uses, and the mesh's words for them.

The resort group's people speak of *foyers*, *CA* and *taux de retour*; the contracts
are written in English (household, revenue, return rate). A term is declared once, in
the contracts package (``contracts/glossary.py``), and every product whose name, tags,
description or columns use one of its English words is found under it (the catalog's
search), so no product repeats the business's words.

Example:
    >>> term = Term("taux de retour", ("return rate", "returning"))
    >>> term.found_in("Return rate of households reached by CRM campaigns")
    True
    >>> term.found_in("returning_households"), term.found_in("a rate of return")
    (True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> str:
    """``text`` lower-cased, one space between its words (``_`` separates words too)."""
    return " ".join(_WORD.findall(text.lower().replace("_", " ")))


@dataclass(frozen=True)
class Term:
    """A business word and the English words of the contracts that carry it.

    Attributes:
        word: the word as the business says it (e.g. ``foyer``).
        means: English words or phrases; a text carries the term when one of its words
            starts with one of them (``household`` finds ``households``).
        definition: what the word means, for a reader of the glossary.
    """

    word: str
    means: tuple[str, ...]
    definition: str = ""
    _patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.word.strip() or not self.means:
            raise ValueError(f"glossary term {self.word!r}: a word and what it means")
        patterns = tuple(re.compile(r"(?:^| )" + re.escape(words_of(m))) for m in self.means)
        object.__setattr__(self, "_patterns", patterns)

    def found_in(self, text: str) -> bool:
        """Whether ``text`` uses one of the term's English words."""
        words = words_of(text)
        return any(pattern.search(words) for pattern in self._patterns)


@dataclass
class _Glossary:
    terms: dict[str, Term] = field(default_factory=dict)

    def add(self, *terms: Term) -> None:
        for term in terms:
            if term.word in self.terms and self.terms[term.word] != term:
                raise ValueError(f"glossary term {term.word!r} declared twice")
            self.terms[term.word] = term


GLOSSARY = _Glossary()
"""Every declared term, by word."""


def declare_terms(*terms: Term) -> tuple[Term, ...]:
    """Add ``terms`` to the mesh's glossary; returns them."""
    GLOSSARY.add(*terms)
    return terms
