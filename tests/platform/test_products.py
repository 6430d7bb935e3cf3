"""Product factories: SQL and Python products become governed Dagster assets that
publish through write-audit-publish, across two code locations."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest

from mesh_platform.contract import get_contract
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.errors import ContractViolation, ProductDefinitionError
from mesh_platform.location import build_definitions
from mesh_platform.products import asset as asset_module
from mesh_platform.products.asset import input_order
from mesh_platform.products.python import (
    DeferredInput,
    Input,
    input_batches,
    python_product,
    read_input,
)
from mesh_platform.products.sql import load_sql_product
from mesh_platform.settings import get_settings
from mesh_platform.wap import AuditFailed
from tests.support import small_mesh
from tests.support.small_mesh import CONTRACTS, LANDING

RAW_ITEMS = pd.DataFrame(
    {
        "code": [" I001", "I002 ", "I003"],
        "name": ["mug", " lamp", "desk"],
        "price": [4.5, 12.0, 80.0],
    }
)
ORDER_LINES = pd.DataFrame(
    {
        "order_id": ["O0001", "O0002", "O0003", "O0004"],
        "email": [" Ann@Example.com", None, "bob@example.com", "ann@example.com"],
        "item_id": ["I001", "I002", "I003", "I001"],
        "quantity": [2, 1, 1, 10],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"]).date,
    }
)


def write_landing(lines: pd.DataFrame = ORDER_LINES) -> None:
    with DuckDBEngine().connection() as connection:
        for schema, table, frame in (
            ("landing_stock", "items", RAW_ITEMS),
            ("landing_shop", "order_lines", lines),
        ):
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            connection.register("frame", frame)
            connection.execute(
                f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM frame'
            )
            connection.unregister("frame")


def products_by_domain() -> dict[str, list[Any]]:
    """The small mesh's products per code location, read with its landing tables."""
    landing = dict(LANDING)
    landing["landing_shop"] = {
        "order_lines": {
            "order_id": "STRING",
            "email": "STRING",
            "item_id": "STRING",
            "quantity": "INT64",
            "order_date": "DATE",
        }
    }
    folder = Path(small_mesh.__file__).parent
    products = {
        "stock": [
            load_sql_product(
                folder / "stock/raw_items.sql", CONTRACTS["stock.raw_items"], CONTRACTS, landing
            ),
            small_mesh.items,
        ],
        "shop": [
            load_sql_product(
                folder / "shop/orders.sql", CONTRACTS["shop.orders"], CONTRACTS, landing
            ),
            load_sql_product(
                folder / "shop/daily_revenue.sql",
                CONTRACTS["shop.daily_revenue"],
                CONTRACTS,
                landing,
            ),
            small_mesh.top_items,
        ],
    }
    return products


def locations() -> dict[str, dg.Definitions]:
    return {
        domain: build_definitions(domain, items) for domain, items in products_by_domain().items()
    }


def materialize(defs: dg.Definitions, *keys: str) -> dg.ExecuteInProcessResult:
    merged = dg.Definitions.merge(*locations().values()) if defs is None else defs
    selection = [dg.AssetKey(k.split(".")) for k in keys]
    assets = [merged.resolve_assets_def(k) for k in selection]
    return dg.materialize(assets, selection=selection, raise_on_error=False)


# --- load-time checks -------------------------------------------------------------------


def test_sql_product_reads_upstreams_and_column_lineage() -> None:
    orders = load_sql_product(
        Path(small_mesh.__file__).parent / "shop/orders.sql",
        CONTRACTS["shop.orders"],
        CONTRACTS,
        {
            "landing_shop": {
                "order_lines": {
                    "order_id": "STRING",
                    "email": "STRING",
                    "item_id": "STRING",
                    "quantity": "INT64",
                    "order_date": "DATE",
                }
            }
        },
    )
    assert orders.upstream_products == ("stock.items",)
    assert ("stock.items", "price_eur") in orders.column_lineage["amount_eur"]
    assert ("landing_shop.order_lines", "quantity") in orders.column_lineage["amount_eur"]
    assert orders.column_lineage["customer_email"] == (("landing_shop.order_lines", "email"),)


@pytest.mark.parametrize(
    ("sql", "rule", "named"),
    [
        (
            "SELECT order_date, COUNT(*) AS orders FROM shop.orders GROUP BY 1",
            "missing_column",
            "revenue_eur",
        ),
        (
            "SELECT order_date, COUNT(*) AS orders, SUM(amount_eur) AS revenue_eur, 1 AS extra "
            "FROM shop.orders GROUP BY 1",
            "unexpected_column",
            "extra",
        ),
        (
            "SELECT order_date, 1 AS orders, 2 AS revenue_eur FROM shop.nowhere",
            "unknown_table",
            "shop.nowhere",
        ),
        (
            "SELECT order_day AS order_date, 1 AS orders, 2 AS revenue_eur FROM shop.orders",
            "unknown_column",
            "order_day",
        ),
        (
            "SELECT DATE '2024-01-01' AS order_date, 1 AS orders, price_eur AS revenue_eur "
            "FROM stock.raw_items",
            "access",
            "stock.raw_items",
        ),
        ("SELECT 1 AS order_date FROM landing_stock.items", "unknown_table", "landing_stock.items"),
        ("SELECT order_date FROM (", "parse", ""),
        ("DELETE FROM shop.orders WHERE TRUE", "single_query", ""),
    ],
)
def test_wrong_sql_fails_at_load_naming_file_column_and_rule(
    tmp_path: Path, sql: str, rule: str, named: str
) -> None:
    path = tmp_path / "daily_revenue.sql"
    path.write_text(sql)
    with pytest.raises(ProductDefinitionError) as error:
        load_sql_product(path, CONTRACTS["shop.daily_revenue"], CONTRACTS, LANDING)
    message = str(error.value)
    assert "daily_revenue.sql" in message
    assert f"rule {rule}" in message
    assert named in message


def test_assets_carry_the_contract_and_the_platform_policies() -> None:
    defs = dg.Definitions.merge(*locations().values())
    spec = next(
        s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(["shop", "orders"])
    )
    assert spec.group_name == "shop"
    assert spec.owners == ["tests@trident.example"]
    assert spec.tags["contract_version"] == "1.0.0"
    assert spec.kinds == {"duckdb", "sql"}
    assert dg.AssetKey(["stock", "items"]) in {d.asset_key for d in spec.deps}
    schema = spec.metadata["dagster/column_schema"].schema
    assert [c.name for c in schema.columns] == [
        "order_id",
        "customer_email",
        "item_id",
        "quantity",
        "amount_eur",
        "order_date",
    ]
    lineage = spec.metadata["dagster/column_lineage"]
    assert (
        dg.TableColumnDep(asset_key=dg.AssetKey(["stock", "items"]), column_name="price_eur")
        in (lineage.deps_by_column["amount_eur"])
    )
    assert "dagster/code_references" in spec.metadata
    checks = {
        c.name
        for c in defs.resolve_asset_graph().get_check_keys_for_assets({spec.key})
        for c in [c]
    }
    assert {"unique_grain", "not_null__order_id", "range__quantity", "pattern__order_id"} <= checks


# --- materialisation ------------------------------------------------------------------------


def test_small_mesh_publishes_across_two_locations_and_emits_lineage() -> None:
    write_landing()
    defs = dg.Definitions.merge(*locations().values())
    order = [
        "stock.raw_items",
        "stock.items",
        "shop.orders",
        "shop.daily_revenue",
        "shop.top_items",
    ]
    for key in order:
        result = materialize(defs, key)
        assert result.success, key
        evaluations = result.get_asset_check_evaluations()
        assert evaluations
        assert all(e.passed for e in evaluations)
        (materialization,) = result.get_asset_materialization_events()
        assert materialization.materialization.metadata["dagster/row_count"].value > 0

    engine = DuckDBEngine()
    revenue = engine.read_product("shop", "daily_revenue").sort_values("order_date")
    assert revenue["revenue_eur"].tolist() == [21.0, 125.0]
    assert revenue["orders"].tolist() == [2, 2]
    top = engine.read_product("shop", "top_items").sort_values("rank")
    assert top["item_id"].tolist() == ["I003", "I001", "I002"]
    orders = engine.read_product("shop", "orders").set_index("order_id")
    assert orders.loc["O0001", "customer_email"] == "ann@example.com"

    events = [json.loads(line) for line in get_settings().lineage_path.read_text().splitlines()]
    kinds = [(e["eventType"], e["job"]["name"]) for e in events]
    for key in order:
        assert ("START", key) in kinds
        assert ("COMPLETE", key) in kinds


def test_a_broken_contract_fails_the_run_keeps_the_published_table_and_emits_fail() -> None:
    write_landing()
    defs = dg.Definitions.merge(*locations().values())
    for key in ("stock.raw_items", "stock.items", "shop.orders"):
        assert materialize(defs, key).success
    engine = DuckDBEngine()
    before = engine.table_checksum(engine.table_for("shop", "orders"))

    bad = ORDER_LINES.copy()
    bad.loc[1, "quantity"] = 0  # breaks quantity >= 1
    bad.loc[2, "order_id"] = "O0001"  # duplicate grain
    write_landing(bad)
    result = materialize(defs, "shop.orders")

    assert not result.success
    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert set(failed) == {"range__quantity", "unique_grain"}
    assert failed["range__quantity"].metadata["failing_rows"].value == 1
    assert "order_id=O0002" in failed["range__quantity"].metadata["sample_keys"].value
    assert engine.table_checksum(engine.table_for("shop", "orders")) == before
    with duckdb.connect(str(get_settings().warehouse_path), read_only=True) as connection:
        staging = connection.execute(
            "select count(*) from information_schema.tables where table_name like '_staging%'"
        ).fetchone()
    assert staging == (0,)
    events = [json.loads(line) for line in get_settings().lineage_path.read_text().splitlines()]
    fail = [e for e in events if e["eventType"] == "FAIL" and e["job"]["name"] == "shop.orders"]
    assert fail
    assert "range" in fail[-1]["run"]["facets"]["errorMessage"]["message"]

    write_landing()  # the cause is fixed: the rerun publishes
    assert materialize(defs, "shop.orders").success


def test_a_query_whose_output_breaks_the_contract_publishes_nothing() -> None:
    write_landing(ORDER_LINES.assign(quantity=[1, 1, 1, 1]))
    defs = dg.Definitions.merge(*locations().values())
    for key in ("stock.raw_items", "stock.items"):
        assert materialize(defs, key).success
    with DuckDBEngine().connection() as connection:
        connection.execute("UPDATE stock.items SET price_eur = -1 WHERE item_id = 'I001'")
    assert not materialize(defs, "shop.orders").success  # amount_eur >= 0 broken in SQL


def test_a_python_product_receives_only_the_input_columns_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_landing()
    defs = dg.Definitions.merge(*locations().values())
    received: dict[str, list[str]] = {}
    convert = asset_module._as_kind

    def spy(frame: pd.DataFrame, kind: str) -> Any:
        received[",".join(frame.columns)] = list(frame.columns)
        return convert(frame, kind)

    for key in ("stock.raw_items", "stock.items", "shop.orders"):
        assert materialize(defs, key).success, key
    monkeypatch.setattr(asset_module, "_as_kind", spy)

    assert materialize(defs, "shop.top_items").success
    assert list(received.values()) == [["item_id", "amount_eur"]]
    top = DuckDBEngine().read_product("shop", "top_items").sort_values("rank")
    assert top["item_id"].tolist() == ["I003", "I001", "I002"]


@pytest.mark.parametrize(
    ("columns", "rule", "named"),
    [
        (("item_id", "amount"), "unknown_column", "column amount"),
        (("item_id", "item_id"), "input_columns", "shop.orders"),
        ((), "input_columns", "shop.orders"),
    ],
)
def test_an_input_naming_a_wrong_column_fails_at_load(
    columns: tuple[str, ...], rule: str, named: str
) -> None:
    @python_product(CONTRACTS["shop.top_items"], inputs={"orders": Input("shop.orders", columns)})
    def top(orders: pd.DataFrame) -> pd.DataFrame:
        return orders

    with pytest.raises(ProductDefinitionError) as error:
        top.validate(CONTRACTS)
    message = str(error.value)
    assert f"rule {rule}" in message
    assert named in message
    assert "top (shop.top_items)" in message


# --- a Python product's values are audited in the warehouse, once ---------------------------


def _publish_items(rows: pd.DataFrame) -> dg.Failure:
    """Publish ``stock.items`` from ``rows`` through write-audit-publish; the failure."""

    @python_product(CONTRACTS["stock.items"])
    def items() -> pd.DataFrame:
        return rows

    with pytest.raises(dg.Failure) as caught:
        list(asset_module.materialize_product(items, run_id="bad-items", engine=DuckDBEngine()))
    return caught.value


GOOD_ITEMS = pd.DataFrame(
    {
        "item_id": ["I001", "I002"],
        "label": ["MUG", "LAMP"],
        "price_eur": [4.5, 12.0],
        "band": ["LOW", "HIGH"],
    }
)


def test_a_python_product_breaking_value_rules_fails_in_the_warehouse() -> None:
    bad = GOOD_ITEMS.assign(price_eur=[-1.0, 12.0], band=["LOW", "MIDDLE"])
    failure = _publish_items(bad)
    audit = failure.__cause__
    assert isinstance(audit, AuditFailed)  # the in-warehouse audit, not a frame validation
    assert sorted((f.product, f.column, f.rule) for f in audit.failures) == [
        ("stock.items", "band", "accepted_values"),
        ("stock.items", "price_eur", "range"),
    ]
    (range_failure,) = [f for f in audit.failures if f.rule == "range"]
    assert range_failure.failing_rows == 1
    assert list(range_failure.sample) == ["item_id=I001"]
    assert not DuckDBEngine().published_table("stock", "items")


@pytest.mark.parametrize(
    ("rows", "column", "rule"),
    [
        (GOOD_ITEMS.drop(columns=["band"]), "band", "columns"),
        (GOOD_ITEMS.assign(extra=[1, 2]), "extra", "columns"),
        (GOOD_ITEMS.assign(label=[1, 2]), "label", "dtype"),
        (GOOD_ITEMS.assign(price_eur=["cheap", "dear"]), "price_eur", "dtype"),
    ],
)
def test_what_only_python_sees_fails_before_loading(
    rows: pd.DataFrame, column: str, rule: str
) -> None:
    violation = _publish_items(rows).__cause__
    assert isinstance(violation, ContractViolation)
    assert not isinstance(violation, AuditFailed)
    assert [(f.product, f.column, f.rule) for f in violation.failures] == [
        ("stock.items", column, rule)
    ]


DEFERRED_ORDERS = Input("shop.orders", "item_id amount_eur", deferred=True)
"""The orders a ``shop.top_items`` function reads itself."""


def publish_orders() -> None:
    """The landing written, then the products the ``shop.top_items`` tests read."""
    write_landing()
    defs = dg.Definitions.merge(*locations().values())
    for key in ("stock.raw_items", "stock.items", "shop.orders"):
        assert materialize(defs, key).success, key


def test_python_products_read_their_inputs_in_one_order() -> None:
    """A Python product sees its inputs in a total order (the grain when loaded, else every
    column loaded), so its output does not depend on how the warehouse stores rows."""
    assert input_order("campaigns.campaign_sends", ("send_id", "customer_id")) == ["send_id"]
    assert input_order("campaigns.campaign_sends", ("customer_id", "channel")) == [
        "customer_id",
        "channel",
    ]
    households = get_contract("customers.households")
    assert input_order("customers.households", None) == list(households.meta().grain)
    # an input may order its rows by columns it does not load
    assert input_order("campaigns.campaign_sends", ("customer_id",), ("send_id",)) == ["send_id"]


def test_an_input_orders_its_rows_by_a_column_it_does_not_load() -> None:
    """``Input.order_by`` gives the rows the grain's order without loading the grain."""
    publish_orders()

    @python_product(
        CONTRACTS["shop.top_items"],
        inputs={"orders": Input("shop.orders", "item_id amount_eur", order_by="order_id")},
    )
    def top(orders: pd.DataFrame) -> pd.DataFrame:
        return orders

    top.validate(CONTRACTS)  # the order's column is one of the upstream's
    assert top.order == {"orders": ("order_id",)}
    loaded = top.columns["orders"]
    frame = DuckDBEngine().read_product(
        "shop", "orders", columns=loaded, order_by=input_order("shop.orders", loaded, ("order_id",))
    )
    whole = DuckDBEngine().read_product("shop", "orders").sort_values("order_id")
    assert list(frame.columns) == ["item_id", "amount_eur"]
    assert frame["item_id"].tolist() == whole["item_id"].tolist()
    assert frame["amount_eur"].tolist() == whole["amount_eur"].tolist()


def test_a_deferred_input_is_read_by_the_function_and_its_rows_counted() -> None:
    """``Input(deferred=True)``: the function gets a reader, not the frame; the frame it
    reads is the one a plain input would get, and the rows read are those it read."""
    publish_orders()
    received: list[object] = []

    @python_product(CONTRACTS["shop.top_items"], inputs={"orders": DEFERRED_ORDERS})
    def top(orders: DeferredInput) -> pd.DataFrame:
        received.append(orders)
        return small_mesh.top_items.fn(read_input(orders))

    assert top.deferred == frozenset({"orders"})
    [result] = list(asset_module.materialize_product(top, run_id="deferred", engine=DuckDBEngine()))
    [reader] = received
    assert isinstance(reader, DeferredInput)
    orders = DuckDBEngine().read_product("shop", "orders")
    assert reader.rows == len(orders) > 0
    assert isinstance(result, dg.MaterializeResult)
    assert (result.metadata or {})["rows_read"].data == {"shop.orders": len(orders)}
    top_items = DuckDBEngine().read_product("shop", "top_items").sort_values("rank")
    assert top_items["item_id"].tolist() == ["I003", "I001", "I002"]

    # a function that never reads its deferred input read no row of it
    @python_product(CONTRACTS["shop.top_items"], inputs={"orders": DEFERRED_ORDERS})
    def nothing_read(orders: DeferredInput) -> pd.DataFrame:
        return top_items

    [result] = list(
        asset_module.materialize_product(nothing_read, run_id="unread", engine=DuckDBEngine())
    )
    assert isinstance(result, dg.MaterializeResult)
    assert (result.metadata or {})["rows_read"].data == {"shop.orders": 0}


def test_a_deferred_input_is_read_in_batches_through_the_engine_and_counted() -> None:
    """``DeferredInput.batches``: the platform reads the input a batch at a time through
    the engine, in the input's order, never whole; its rows read are every batch's."""
    publish_orders()
    sizes: list[int] = []

    @python_product(CONTRACTS["shop.top_items"], inputs={"orders": DEFERRED_ORDERS})
    def top(orders: DeferredInput) -> pd.DataFrame:
        batches = list(orders.batches(rows=2))
        sizes.extend(len(b) for b in batches)
        return small_mesh.top_items.fn(pd.concat(batches, ignore_index=True))

    engine = DuckDBEngine()
    whole = engine.read_product("shop", "orders", columns=("item_id", "amount_eur"))
    [result] = list(asset_module.materialize_product(top, run_id="batches", engine=engine))

    assert sizes == [2] * (len(whole) // 2) + ([len(whole) % 2] if len(whole) % 2 else [])
    assert isinstance(result, dg.MaterializeResult)
    assert (result.metadata or {})["rows_read"].data == {"shop.orders": len(whole)}
    top_items = engine.read_product("shop", "top_items").sort_values("rank")
    assert top_items["item_id"].tolist() == ["I003", "I001", "I002"]


def test_a_batch_of_no_row_is_refused_at_once_naming_the_input() -> None:
    """Asking batches of fewer than one row fails when asked, not at the first batch,
    and says which input (a deferred input's product) was asked."""
    read: list[str] = []

    def whole() -> pd.DataFrame:
        read.append("whole")
        return pd.DataFrame({"a": [1]})

    deferred = DeferredInput("shop.orders", whole)
    with pytest.raises(ValueError, match=r"^shop\.orders: a batch holds at least one row, not 0"):
        deferred.batches(rows=0)
    with pytest.raises(ValueError, match=r"^shop\.orders: .* not -3"):
        input_batches(deferred, rows=-3)
    with pytest.raises(ValueError, match=r"^input_batches: a batch holds at least one row"):
        input_batches(pd.DataFrame({"a": [1, 2]}), rows=0)
    assert read == []  # nothing was read
    assert deferred.rows is None
    frame = pd.DataFrame({"a": [1, 2, 3]})
    assert [b["a"].tolist() for b in input_batches(frame, rows=2)] == [[1, 2], [3]]


def test_a_python_products_inputs_and_frame_are_let_go_before_its_rows_are_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By the time the rows are written, the platform holds neither the input frames nor
    the frame the function returned: only the Arrow rows are loaded, so a model
    publishing millions of rows does not hold them twice, beside its inputs."""
    publish_orders()
    held: dict[str, weakref.ref[pd.DataFrame]] = {}

    @python_product(CONTRACTS["shop.top_items"], inputs={"orders": "shop.orders"})
    def top(orders: pd.DataFrame) -> pd.DataFrame:
        out = small_mesh.top_items.fn(orders)
        held["input"], held["output"] = weakref.ref(orders), weakref.ref(out)
        return out

    alive: dict[str, bool] = {}
    publish = asset_module.publish_product

    def spy(*args: Any, **kwargs: Any) -> Any:
        gc.collect()
        alive.update({name: ref() is not None for name, ref in held.items()})
        return publish(*args, **kwargs)

    monkeypatch.setattr(asset_module, "publish_product", spy)
    [result] = list(asset_module.materialize_product(top, run_id="let-go", engine=DuckDBEngine()))

    assert isinstance(result, dg.MaterializeResult)
    assert alive == {"input": False, "output": False}
    top_items = DuckDBEngine().read_product("shop", "top_items").sort_values("rank")
    assert top_items["item_id"].tolist() == ["I003", "I001", "I002"]


def test_input_values_read_plain_inputs_now_and_deferred_ones_when_asked() -> None:
    """One rule gives the function its arguments, for the platform and the floor alike:
    a plain input is read before the call, a deferred one only when the function reads
    it, by the same reader with its own parameter and upstream."""

    @python_product(
        CONTRACTS["shop.top_items"],
        inputs={
            "orders": Input("shop.orders", "item_id amount_eur", deferred=True),
            "items": Input("stock.items", "item_id"),
        },
    )
    def top(orders: DeferredInput, items: pd.DataFrame) -> pd.DataFrame:
        return read_input(orders)

    calls: list[tuple[str, str]] = []

    def read(name: str, upstream: str) -> pd.DataFrame:
        calls.append((name, upstream))
        return pd.DataFrame({"n": range(3 if name == "orders" else 2)})

    values = top.input_values(read)
    assert calls == [("items", "stock.items")]
    assert len(values["items"]) == 2
    deferred = values["orders"]
    assert isinstance(deferred, DeferredInput)
    assert deferred.product == "shop.orders"
    assert deferred.rows is None
    assert len(read_input(deferred)) == 3
    assert calls[-1] == ("orders", "shop.orders")
    assert deferred.rows == 3


def test_an_input_ordered_by_an_unknown_column_fails_at_load() -> None:
    @python_product(
        CONTRACTS["shop.top_items"],
        inputs={"orders": Input("shop.orders", "item_id amount_eur", order_by="order_day")},
    )
    def top(orders: pd.DataFrame) -> pd.DataFrame:
        return orders

    with pytest.raises(ProductDefinitionError) as error:
        top.validate(CONTRACTS)
    assert "rule unknown_column" in str(error.value)
    assert "column 'order_day'" in str(error.value)
