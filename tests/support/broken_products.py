"""Broken product definitions, one per product-definition rule, on the small mesh.

Each case is a domain folder written on the fly (SQL files) plus Python products, and
the finding the lint must report, ``(product, column, rule)``, and no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from mesh_platform.contract import DataContract, Deprecation, column
from mesh_platform.definition.reader import DomainDefinition, read_domain
from mesh_platform.products.python import Input, PythonProduct, python_product
from tests.support.small_mesh import CONTRACTS, LANDING, OWNER, TopItems, items

REVENUE = "SELECT order_date, COUNT(*) AS orders, SUM(amount_eur) AS revenue_eur FROM shop.orders"


@python_product(TopItems, inputs={"orders": "shop.orders"})
def wrong_parameter(lines: pd.DataFrame) -> pd.DataFrame:
    return lines


@python_product(TopItems, inputs={"orders": "shop.orders"})
def top_again(orders: pd.DataFrame) -> pd.DataFrame:
    return orders


@python_product(TopItems, inputs={"orders": Input("shop.orders", ("item_id", "item_id"))})
def twice(orders: pd.DataFrame) -> pd.DataFrame:
    return orders


@python_product(TopItems, inputs={"orders": Input("shop.orders", ("item_id", "amount"))})
def unknown_input_column(orders: pd.DataFrame) -> pd.DataFrame:
    return orders


@python_product(TopItems, inputs={"orders": "shop.nowhere"})
def unknown_input(orders: pd.DataFrame) -> pd.DataFrame:
    return orders


@python_product(TopItems, inputs={"raw": "stock.raw_items"})
def internal_input(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@dataclass(frozen=True)
class BrokenCase:
    """A broken ``shop`` domain and the one finding it must produce."""

    rule: str
    product: str
    column: str | None = None
    sql: dict[str, str] = field(default_factory=dict)
    python: tuple[PythonProduct, ...] = ()
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Modules of ``python/`` and the products each defines."""
    extra: tuple[type[DataContract], ...] = ()
    """Contracts besides the small mesh's that the case needs."""

    @property
    def contracts(self) -> dict[str, type[DataContract]]:
        """The contracts the case is read and linted against."""
        return {**CONTRACTS, **{c.meta().key: c for c in self.extra}}

    @property
    def id(self) -> str:
        return f"{self.rule}-{'python' if self.python or self.modules else 'sql'}"

    def read(self, folder: Path) -> DomainDefinition:
        """Write the case's SQL files under ``folder/sql`` and read the domain."""
        (folder / "sql").mkdir(parents=True, exist_ok=True)
        for name, text in self.sql.items():
            (folder / "sql" / f"{name}.sql").write_text(text)
        definitions = [p.definition() for p in self.python]
        return read_domain(
            "shop", folder, definitions, self.contracts, LANDING, python_modules=self.modules
        )

    def file(self, folder: Path) -> str:
        """Where the finding points: the SQL file, or the Python function."""
        if self.modules:
            return next(iter(self.modules))
        if self.python:
            return self.python[0].definition().file
        return (folder / "sql" / f"{self.product.split('.')[1]}.sql").as_posix()


DAILY = "shop.daily_revenue"


class OrdersV0(
    DataContract,
    domain="shop",
    product="orders_v0",
    version="0.9.0",
    owner=OWNER,
    grain=("order_id",),
    deprecation=Deprecation(until=date(2020, 1, 31), replaced_by="shop.orders"),
    register=False,
):
    """One row per order line, as version 0 published it."""

    order_id: str = column("Order id.")
    amount_eur: float = column("Quantity times unit price.", ge=0)


BROKEN_CASES: tuple[BrokenCase, ...] = (
    BrokenCase("python_module", "shop.top_items", modules={"python/top_items.py": ()}),
    BrokenCase(
        "python_module",
        "shop.top_items",
        modules={"python/top_items.py": ("shop.top_items", "shop.daily_revenue")},
    ),
    BrokenCase("unknown_contract", "shop.nothing", sql={"nothing": "SELECT 1 AS one"}),
    BrokenCase("ownership", "stock.items", python=(items,)),
    BrokenCase(
        "single_implementation",
        "shop.top_items",
        sql={"top_items": "SELECT 1 AS rank, item_id, amount_eur AS revenue_eur FROM shop.orders"},
        python=(top_again,),
    ),
    BrokenCase("parse", DAILY, sql={"daily_revenue": "SELECT order_date FROM ("}),
    BrokenCase("single_query", DAILY, sql={"daily_revenue": "DELETE FROM shop.orders WHERE TRUE"}),
    BrokenCase(
        "no_project",
        DAILY,
        sql={"daily_revenue": f"{REVENUE.replace('shop.orders', 'p.shop.orders')} GROUP BY 1"},
    ),
    BrokenCase(
        "unknown_table",
        DAILY,
        sql={"daily_revenue": f"{REVENUE.replace('shop.orders', 'shop.nowhere')} GROUP BY 1"},
    ),
    BrokenCase(
        "access",
        DAILY,
        sql={
            "daily_revenue": "SELECT DATE '2024-01-01' AS order_date, 1 AS orders, "
            "price_eur AS revenue_eur FROM stock.raw_items"
        },
    ),
    BrokenCase(
        "unknown_column",
        DAILY,
        sql={"daily_revenue": f"{REVENUE.replace('order_date', 'order_day')} GROUP BY 1"},
    ),
    BrokenCase(
        "missing_column",
        DAILY,
        "revenue_eur",
        sql={"daily_revenue": "SELECT order_date, COUNT(*) AS orders FROM shop.orders GROUP BY 1"},
    ),
    BrokenCase(
        "unexpected_column",
        DAILY,
        "extra",
        sql={"daily_revenue": f"{REVENUE.replace(' FROM', ', 1 AS extra FROM')} GROUP BY 1"},
    ),
    BrokenCase(
        "duplicate_column",
        DAILY,
        "orders",
        sql={"daily_revenue": f"{REVENUE.replace(' FROM', ', 1 AS orders FROM')} GROUP BY 1"},
    ),
    BrokenCase(
        "undeclared_pii",
        "shop.top_items",
        "item_id",
        sql={
            "top_items": "SELECT 1 AS rank, LOWER(customer_email) AS item_id, amount_eur AS "
            "revenue_eur FROM shop.orders"
        },
    ),
    BrokenCase("input_parameter", "shop.top_items", python=(wrong_parameter,)),
    BrokenCase("input_columns", "shop.top_items", python=(twice,)),
    BrokenCase("unknown_column", "shop.top_items", "amount", python=(unknown_input_column,)),
    BrokenCase("unknown_table", "shop.top_items", python=(unknown_input,)),
    BrokenCase("access", "shop.top_items", python=(internal_input,)),
    BrokenCase(
        "deprecation_expired",
        "shop.orders_v0",
        sql={"orders_v0": "SELECT order_id, amount_eur FROM shop.orders"},
        extra=(OrdersV0,),
    ),
)
"""One broken product per product-definition rule (and per language where both apply)."""
