"""A reference names an existing column of an existing product: ``domain.product.column``."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "unknown_reference"


def unknown_reference(mesh: Mesh) -> Iterator[Finding]:
    """References that are malformed, or name an unknown product or column."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        for col in readable_columns(contract) or ():
            if not col.references:
                continue
            target = col.reference_target
            if target is None:
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"reference {col.references!r} is not of the form domain.product.column",
                )
                continue
            domain, product, name = target
            product_key = f"{domain}.{product}"
            referenced = contracts.get(product_key)
            if referenced is None:
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"references unknown product {product_key!r}"
                    + _hint(product_key, list(contracts)),
                )
                continue
            columns = readable_columns(referenced)
            if columns is None:
                continue
            names = [c.name for c in columns]
            if name not in names:
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"references unknown column {name!r} of {product_key}" + _hint(name, names),
                )


def _hint(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""
