"""A failed product tells the user, in one or two lines, the product, its SQL file (and
line) or Python function, the engine's own words, and that nothing was published; the
published table stays as it was and the lineage FAIL event keeps the full traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.products.asset import materialize_product
from mesh_platform.products.failure import (
    ProductFailed,
    column_line,
    engine_position,
    source_line,
)
from mesh_platform.products.python import python_product
from mesh_platform.products.sql import load_sql_product
from mesh_platform.settings import get_settings
from tests.platform.test_products import locations, materialize, write_landing
from tests.support.small_mesh import CONTRACTS, LANDING

ORDERS_SQL = "tests/support/small_mesh/shop/orders.sql"
NOTHING = "nothing was published, shop.orders is as it was."


def _publish_upstream_and_orders() -> tuple[dg.Definitions, str]:
    """The small mesh up to ``shop.orders``, published; the defs and the orders checksum."""
    write_landing()
    defs = dg.Definitions.merge(*locations().values())
    for key in ("stock.raw_items", "stock.items", "shop.orders"):
        assert materialize(defs, key).success, key
    return defs, _checksum("shop", "orders")


def _checksum(domain: str, product: str) -> str:
    engine = DuckDBEngine()
    return engine.table_checksum(engine.table_for(domain, product))


def _landing(statement: str) -> None:
    with DuckDBEngine().connection() as connection:
        connection.execute(statement)


def _description(result: dg.ExecuteInProcessResult) -> str:
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    data = failure.step_failure_data.user_failure_data
    assert data is not None
    assert data.description
    return data.description


def _fail_event(product: str) -> dict[str, object]:
    events = [json.loads(line) for line in get_settings().lineage_path.read_text().splitlines()]
    fails = [e for e in events if e["eventType"] == "FAIL" and e["job"]["name"] == product]
    assert fails
    facet: dict[str, object] = fails[-1]["run"]["facets"]["errorMessage"]
    return facet


def _line_of(text: str, path: str) -> int:
    lines = Path(path).read_text().splitlines()
    (number,) = [i for i, line in enumerate(lines, start=1) if text in line]
    return number


def test_a_missing_landing_column_names_the_file_line_table_and_column() -> None:
    defs, before = _publish_upstream_and_orders()
    _landing("ALTER TABLE landing_shop.order_lines DROP COLUMN quantity")

    result = materialize(defs, "shop.orders")

    assert not result.success
    first, second = _description(result).splitlines()
    line = _line_of("SELECT order_id, LOWER(TRIM(email))", ORDERS_SQL)
    assert first.startswith(
        f"shop.orders failed writing the staging table ({ORDERS_SQL}, line {line}): Binder Error:"
    )
    assert '"quantity"' in first
    assert (
        second
        == f"landing_shop.order_lines has no column quantity (the product reads it); {NOTHING}"
    )
    assert _checksum("shop", "orders") == before
    facet = _fail_event("shop.orders")
    assert str(facet["message"]).startswith("mesh_platform.products.failure.ProductFailed: ")
    assert "BinderException" in str(facet["stackTrace"])


def test_a_missing_landing_table_names_it() -> None:
    defs, before = _publish_upstream_and_orders()
    _landing("DROP TABLE landing_shop.order_lines")

    result = materialize(defs, "shop.orders")

    assert not result.success
    first, second = _description(result).splitlines()
    line = _line_of("FROM landing_shop.order_lines", ORDERS_SQL)
    assert first.startswith(
        f"shop.orders failed writing the staging table ({ORDERS_SQL}, line {line})"
    )
    assert "Catalog Error: Table with name order_lines does not exist" in first
    assert second == f"landing_shop.order_lines missing from the warehouse; {NOTHING}"
    assert _checksum("shop", "orders") == before


def test_a_runtime_error_keeps_the_engine_message_and_the_rendered_statement(
    tmp_path: Path,
) -> None:
    _publish_upstream_and_orders()
    engine = DuckDBEngine()
    good = tmp_path / "good" / "daily_revenue.sql"
    good.parent.mkdir()
    good.write_text(
        "SELECT order_date, COUNT(*) AS orders, SUM(amount_eur) AS revenue_eur\n"
        "FROM shop.orders\nGROUP BY 1\n"
    )
    contract = CONTRACTS["shop.daily_revenue"]
    product = load_sql_product(good, contract, CONTRACTS, LANDING)
    list(materialize_product(product, run_id="good", engine=engine))
    before = _checksum("shop", "daily_revenue")
    bad = tmp_path / "daily_revenue.sql"
    bad.write_text(
        "SELECT\n  order_date,\n  COUNT(*) AS orders,\n"
        "  SUM(CAST(order_id AS FLOAT64)) AS revenue_eur\nFROM shop.orders\nGROUP BY 1\n"
    )
    product = load_sql_product(bad, contract, CONTRACTS, LANDING)

    with pytest.raises(dg.Failure) as caught:
        list(materialize_product(product, run_id="bad", engine=engine))

    first, second = caught.value.description.splitlines()
    assert first.startswith(
        f"shop.daily_revenue failed writing the staging table ({bad.as_posix()}"
    )
    # the engine's own words (sums add up as exact decimals: DECIMAL, not DOUBLE)
    assert re.search(r"Conversion Error: Could not convert string .O0001. to DECIMAL", first)
    assert second == "Nothing was published, shop.daily_revenue is as it was."
    metadata = caught.value.metadata
    assert metadata["engine"].value == "duckdb"
    assert metadata["step"].value == "writing the staging table"
    assert "INSERT INTO" in metadata["statement"].value
    assert _checksum("shop", "daily_revenue") == before


@python_product(CONTRACTS["shop.top_items"], inputs={"orders": "shop.orders"})
def crashing_top(orders: pd.DataFrame) -> pd.DataFrame:
    raise ValueError(f"cannot rank {len(orders)} orders\nsecond line of detail")


@python_product(CONTRACTS["shop.top_items"], inputs={"orders": "shop.orders"})
def top_without_revenue(orders: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"rank": [1], "item_id": ["I001"]})


def _publish_top_items() -> tuple[dg.Definitions, str]:
    defs, _ = _publish_upstream_and_orders()
    assert materialize(defs, "shop.top_items").success
    return defs, _checksum("shop", "top_items")


def test_a_python_product_raising_names_its_function_and_its_exception() -> None:
    _, before = _publish_top_items()

    with pytest.raises(dg.Failure) as caught:
        list(materialize_product(crashing_top, run_id="crash", engine=DuckDBEngine()))

    assert caught.value.description.splitlines() == [
        "shop.top_items failed running its function "
        f"({__name__}.crashing_top): ValueError: cannot rank 4 orders",
        "Nothing was published, shop.top_items is as it was.",
    ]
    assert isinstance(caught.value.__cause__, ValueError)
    assert _checksum("shop", "top_items") == before
    facet = _fail_event("shop.top_items")
    assert "second line of detail" in str(facet["stackTrace"])


def test_a_python_product_missing_a_contract_column_names_it() -> None:
    _, before = _publish_top_items()

    with pytest.raises(dg.Failure) as caught:
        list(materialize_product(top_without_revenue, run_id="short", engine=DuckDBEngine()))

    assert caught.value.description.splitlines() == [
        "shop.top_items failed checking the frame it returned "
        f"({__name__}.top_without_revenue): "
        "shop.top_items.revenue_eur: columns (missing column): failed",
        "Nothing was published, shop.top_items is as it was.",
    ]
    assert caught.value.metadata["file"].value == f"{__name__}.top_without_revenue"
    assert _checksum("shop", "top_items") == before


# --- the line of SQL ------------------------------------------------------------------------

SOURCE = """WITH x AS (
  SELECT a, b AS wait_seconds
  FROM landing_t.calls AS r
)
SELECT c.wait_seconds, c.a AS a
FROM x AS c
JOIN landing_t.calls AS d ON d.a = c.a
"""


@pytest.mark.parametrize(
    ("fragment", "line"),
    [
        ('"c"."wait_seconds"', 5),  # the qualified reference
        ('"b"', 2),  # a bare column, not its alias
        ('"a"', 2),  # bare only on line 2: c.a, d.a and the alias a do not count
        ("`project`.`landing_t`.`calls`", None),  # read twice: no guess
        ('"d"."a"', 7),
        ("CAST(x AS DOUBLE)", None),  # nothing of it in the file
    ],
)
def test_the_engine_fragment_maps_to_a_line_only_when_it_is_unambiguous(
    fragment: str, line: int | None
) -> None:
    dialect = "bigquery" if "`" in fragment else "duckdb"
    assert source_line(SOURCE, fragment, dialect) == line


def test_a_missing_column_without_a_position_maps_only_when_every_reference_is_on_one_line() -> (
    None
):
    assert column_line(SOURCE, "b") == 2
    assert column_line(SOURCE, "wait_seconds") == 5  # the alias on line 2 defines, not reads
    assert column_line(SOURCE, "a") is None  # read on lines 2, 5 and 7: no guess


def test_engine_positions_from_duckdb_carets_and_bigquery_brackets() -> None:
    quoted = 'LINE 1: SELECT "l"."q" FROM "t" AS "l"'
    carets = " " * quoted.index('"l"') + "^" * len('"l"."q"')
    duckdb_error = RuntimeError(
        f'Binder Error: Referenced column "q" not found in FROM clause!\n\n{quoted}\n{carets}'
    )
    assert engine_position(duckdb_error, "") == (1, '"l"."q"')
    bigquery_error = RuntimeError("400 Unrecognized name: q at [2:8]")
    assert engine_position(bigquery_error, "SELECT 1\nSELECT q FROM t") == (2, "`q`")


def test_a_failure_reads_as_two_lines_and_carries_its_facts() -> None:
    failed = ProductFailed(
        product="shop.orders",
        source=ORDERS_SQL,
        step="writing the staging table",
        engine="bigquery",
        error="Unrecognized name: quantity",
        table="p.shop.orders",
        engine_line=1,
        statement="INSERT INTO ...",
    )
    assert str(failed).splitlines() == [
        f"shop.orders failed writing the staging table ({ORDERS_SQL}; line 1 of the statement "
        "the engine ran): Unrecognized name: quantity",
        "Nothing was published, p.shop.orders is as it was.",
    ]
    metadata = failed.failure().metadata
    assert {k: metadata[k].value for k in ("product", "file", "engine", "engine_line")} == {
        "product": "shop.orders",
        "file": ORDERS_SQL,
        "engine": "bigquery",
        "engine_line": 1,
    }
