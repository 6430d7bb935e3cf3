"""Parity between two engines' builds: matched on the grain, exact but for floats, and
every difference named with its product, column and sample keys."""

from __future__ import annotations

import math

import pandas as pd

from sandbox.parity import FLOAT_TOLERANCE, compare_product
from tests.support.small_mesh import Orders


def _orders(**changes: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "order_id": ["O0001", "O0002", "O0003"],
            "customer_email": ["a@example.org", None, "c@example.org"],
            "item_id": ["I001", "I002", "I001"],
            "quantity": [1, 2, 3],
            "amount_eur": [10.0, 0.1 + 0.2, math.nan],
            "order_date": [pd.Timestamp("2024-01-01").date()] * 3,
        }
    )
    for name, values in changes.items():
        frame[name] = values
    return frame


def test_equal_products_match_with_floats_within_the_tolerance() -> None:
    result = compare_product(Orders, _orders(), _orders(amount_eur=[10.0, 0.3, math.nan]))
    assert result.equal
    assert (result.left_rows, result.right_rows) == (3, 3)


def test_a_changed_value_names_the_column_and_the_keys() -> None:
    right = _orders(quantity=[1, 5, 3], customer_email=["a@example.org", "b@example.org", None])
    result = compare_product(Orders, _orders(), right)
    described = [d.describe(result.product) for d in result.differences]
    assert described == [
        "shop.orders.customer_email: 2 row(s) differ, e.g. (order_id='O0002'): "
        "None != 'b@example.org'; (order_id='O0003'): 'c@example.org' != None",
        "shop.orders.quantity: 1 row(s) differ, e.g. (order_id='O0002'): 2 != 5",
    ]


def test_a_float_beyond_the_tolerance_differs() -> None:
    beyond = 10.0 * (1 + 10 * FLOAT_TOLERANCE.relative)
    result = compare_product(Orders, _orders(), _orders(amount_eur=[beyond, 0.3, math.nan]))
    assert [(d.column, d.rows) for d in result.differences] == [("amount_eur", 1)]


def test_keys_on_one_side_only_are_named() -> None:
    right = _orders().iloc[:2]
    extra = _orders(order_id=["O0001", "O0002", "O0009"]).iloc[2:]
    result = compare_product(Orders, _orders(), pd.concat([right, extra]))
    (difference,) = result.differences
    assert difference.column == "<keys>"
    assert difference.samples == [
        "(order_id='O0003') only in the first",
        "(order_id='O0009') only in the second",
    ]
