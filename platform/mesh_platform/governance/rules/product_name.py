"""Product and column names are snake_case."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract.model import SNAKE
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "product_name"


def product_name(mesh: Mesh) -> Iterator[Finding]:
    """Product names and column names that are not snake_case."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        product = contract.meta().product
        if not SNAKE.match(product):
            yield Finding(key, None, RULE, f"product name {product!r} is not snake_case")
        for col in readable_columns(contract) or ():
            if not SNAKE.match(col.name):
                yield Finding(key, col.name, RULE, f"column name {col.name!r} is not snake_case")
