"""A small mesh of two domains for platform tests: ``stock`` and ``shop``.

``stock.items`` (Python, from a landing table read by SQL ``stock.raw_items``) and
``stock.item_codes`` (internal) feed ``shop.orders`` (SQL, another code location) and
``shop.daily_revenue`` (SQL over ``shop.orders``) and ``shop.top_items`` (Python).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import pandas as pd

from mesh_platform.contract import AccessLevel, Classification, DataContract, Owner, column
from mesh_platform.products.python import Input, PythonProduct, python_product
from mesh_platform.products.sql import SqlProduct, load_sql_product

OWNER = Owner(team="Platform tests", contact="tests@trident.example")
HERE = Path(__file__).parent


class RawItems(
    DataContract,
    domain="stock",
    product="raw_items",
    owner=OWNER,
    grain=("item_id",),
    access=AccessLevel.INTERNAL,
    tier="bronze",
    register=False,
):
    """Items as extracted, trimmed."""

    item_id: str = column("Item code.", pattern=r"^I[0-9]{3}$")
    label: str = column("Label.", max_length=40)
    price_eur: float = column("Unit price in euros.", ge=0)


class Items(
    DataContract, domain="stock", product="items", owner=OWNER, grain=("item_id",), register=False
):
    """One row per item on sale."""

    item_id: str = column("Item code.", pattern=r"^I[0-9]{3}$")
    label: str = column("Label, upper case.", max_length=40)
    price_eur: float = column("Unit price in euros.", ge=0)
    band: Literal["LOW", "HIGH"] = column("Price band.")


class Orders(
    DataContract, domain="shop", product="orders", owner=OWNER, grain=("order_id",), register=False
):
    """One row per order line."""

    order_id: str = column("Order id.", pattern=r"^O[0-9]{4}$")
    customer_email: str | None = column(
        "Buyer e-mail.",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale="Needed to send the receipt.",
    )
    item_id: str = column("Item bought.", references="stock.items.item_id")
    quantity: int = column("Quantity.", ge=1, le=100)
    amount_eur: float = column("Quantity times unit price.", ge=0)
    order_date: dt.date = column("Order day.")


class DailyRevenue(
    DataContract,
    domain="shop",
    product="daily_revenue",
    owner=OWNER,
    grain=("order_date",),
    register=False,
):
    """Revenue per day."""

    order_date: dt.date = column("Day.")
    orders: int = column("Order lines.", ge=0)
    revenue_eur: float = column("Revenue in euros.", ge=0)


class TopItems(
    DataContract, domain="shop", product="top_items", owner=OWNER, grain=("rank",), register=False
):
    """The best-selling items."""

    rank: int = column("Rank by revenue, 1 first.", ge=1)
    item_id: str = column("Item.", references="stock.items.item_id")
    revenue_eur: float = column("Revenue in euros.", ge=0)


CONTRACTS: dict[str, type[DataContract]] = {
    c.meta().key: c for c in (RawItems, Items, Orders, DailyRevenue, TopItems)
}

LANDING = {"landing_stock": {"items": {"code": "STRING", "name": "STRING", "price": "FLOAT64"}}}


@python_product(Items, inputs={"raw": "stock.raw_items"})
def items(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.assign(label=raw["label"].str.upper())
    out["band"] = (out["price_eur"] >= 10).map({True: "HIGH", False: "LOW"})
    return out[["item_id", "label", "price_eur", "band"]]


@python_product(TopItems, inputs={"orders": Input("shop.orders", ("item_id", "amount_eur"))})
def top_items(orders: pd.DataFrame) -> pd.DataFrame:
    revenue = orders.groupby("item_id", as_index=False)["amount_eur"].sum()
    revenue = revenue.sort_values(["amount_eur", "item_id"], ascending=[False, True]).head(3)
    return pd.DataFrame(
        {
            "rank": range(1, len(revenue) + 1),
            "item_id": revenue["item_id"].to_numpy(),
            "revenue_eur": revenue["amount_eur"].to_numpy(),
        }
    )


def sql_product(key: str, folder: Path | None = None) -> SqlProduct:
    """Load one of the small mesh's SQL products."""
    domain, name = key.split(".")
    path = (folder or HERE) / domain / f"{name}.sql"
    return load_sql_product(path, CONTRACTS[key], CONTRACTS, LANDING)


def products() -> dict[str, list[SqlProduct | PythonProduct]]:
    """The small mesh's products per domain (code location)."""
    return {
        "stock": [sql_product("stock.raw_items"), items],
        "shop": [sql_product("shop.orders"), sql_product("shop.daily_revenue"), top_items],
    }
