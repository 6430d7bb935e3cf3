"""Parity between two builds of the mesh on two engines (DuckDB and BigQuery).

Every product is read whole from both warehouses and matched on its contract's grain:
the same keys, then the same values, column by column, compared by the contract's
logical type: strings, integers, booleans, dates and timestamps exactly, floats within
:data:`FLOAT_TOLERANCE`, the one tolerance of the comparison. A difference names the
product, the column and sample keys with both values.

From a shell, with both warehouses built (``mesh build``, then the same with
``MESH_ENGINE=bigquery``)::

    python -m sandbox.parity --duckdb .mesh/warehouse.duckdb --bigquery http://127.0.0.1:9050
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlglot import exp

from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.contract.columns import LogicalType, columns_of
from mesh_platform.engines.base import WarehouseEngine


@dataclass(frozen=True)
class FloatTolerance:
    """How far two floats may be apart and still be equal: ``math.isclose``'s terms."""

    relative: float
    absolute: float

    def equal(self, left: float, right: float) -> bool:
        """Whether ``left`` and ``right`` are equal within the tolerance (NaN equals NaN).

        Example:
            >>> FLOAT_TOLERANCE.equal(0.1 + 0.2, 0.3), FLOAT_TOLERANCE.equal(1.0, 1.001)
            (True, False)
        """
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=self.relative, abs_tol=self.absolute)


FLOAT_TOLERANCE = FloatTolerance(relative=1e-9, absolute=1e-9)
"""The one tolerance for floats: sums and averages may add up in another order on
another engine, which changes the last bits, never the ninth significant digit."""

SAMPLE_KEYS = 5
"""Sample keys named per difference."""


@dataclass
class Difference:
    """One way a product differs between the two engines."""

    column: str
    """The column that differs, or ``<keys>`` for keys found on one side only."""
    rows: int
    samples: list[str] = field(default_factory=list)

    def describe(self, product: str) -> str:
        return f"{product}.{self.column}: {self.rows} row(s) differ, e.g. " + "; ".join(
            self.samples
        )


@dataclass
class ProductParity:
    """One product compared: its rows on each side and its differences."""

    product: str
    left_rows: int
    right_rows: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences


def read_product(engine: WarehouseEngine, contract: type[DataContract]) -> pd.DataFrame:
    """A product's published rows, its contract's columns in order, values made plain
    (timestamps in UTC without a zone, missing values as ``None``)."""
    meta = contract.meta()
    columns = columns_of(contract)
    query = exp.select(*(exp.column(c.name, quoted=True) for c in columns)).from_(
        engine.table_for(meta.domain, meta.product)
    )
    frame = engine.query_frame(query)
    for spec in columns:
        series = frame[spec.name]
        if spec.logical_type is LogicalType.TIMESTAMP:
            series = pd.to_datetime(series, utc=True).dt.tz_localize(None)
        elif spec.logical_type is LogicalType.DATE:
            series = pd.to_datetime(series).dt.date
        values = [None if _missing(v) else v for v in series.astype(object)]
        frame[spec.name] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def compare_product(
    contract: type[DataContract], left: pd.DataFrame, right: pd.DataFrame
) -> ProductParity:
    """``left`` and ``right``, the same product from two engines, compared on its grain."""
    meta = contract.meta()
    grain = list(meta.grain)
    parity = ProductParity(meta.key, len(left), len(right))
    merged = left.merge(
        right, on=grain, how="outer", suffixes=("", "__right"), indicator=True, validate="1:1"
    )
    one_side = merged[merged["_merge"] != "both"]
    if len(one_side):
        sides = {"left_only": "the first", "right_only": "the second"}
        keys = one_side[grain].to_dict("records")[:SAMPLE_KEYS]
        where = [sides[str(side)] for side in one_side["_merge"].tolist()[:SAMPLE_KEYS]]
        parity.differences.append(
            Difference(
                "<keys>",
                len(one_side),
                [f"{_key(k, grain)} only in {w}" for k, w in zip(keys, where, strict=True)],
            )
        )
    both = merged[merged["_merge"] == "both"]
    for spec in columns_of(contract):
        if spec.name in grain:
            continue
        mine, theirs = both[spec.name].tolist(), both[f"{spec.name}__right"].tolist()
        equal = _float_equal if spec.logical_type is LogicalType.FLOAT else _exact_equal
        differing = [
            i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if not equal(a, b)
        ]
        if differing:
            keys = both[grain].to_dict("records")
            parity.differences.append(
                Difference(
                    spec.name,
                    len(differing),
                    [
                        f"{_key(keys[i], grain)}: {mine[i]!r} != {theirs[i]!r}"
                        for i in differing[:SAMPLE_KEYS]
                    ],
                )
            )
    return parity


def compare_mesh(
    left: WarehouseEngine,
    right: WarehouseEngine,
    contracts: Iterable[type[DataContract]] | None = None,
) -> list[ProductParity]:
    """Every product (or the given ones) compared between two engines' warehouses."""
    chosen = list(contracts) if contracts is not None else list(all_contracts().values())
    return [
        compare_product(contract, read_product(left, contract), read_product(right, contract))
        for contract in chosen
    ]


def _missing(value: Any) -> bool:
    """Whether ``value`` is a missing value of any library (None, NaN, NaT, NA)."""
    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def _exact_equal(left: Any, right: Any) -> bool:
    if _missing(left) or _missing(right):
        return _missing(left) and _missing(right)
    return bool(left == right)


def _float_equal(left: Any, right: Any) -> bool:
    if _missing(left) or _missing(right):
        return _missing(left) and _missing(right)
    return FLOAT_TOLERANCE.equal(float(left), float(right))


def _key(row: Mapping[Any, Any], grain: Sequence[str]) -> str:
    return "(" + ", ".join(f"{name}={row[name]!r}" for name in grain) + ")"


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the products of a DuckDB warehouse with those of a BigQuery project."""
    from mesh_platform.engines.bigquery import BigQueryEngine
    from mesh_platform.engines.duckdb import DuckDBEngine
    from mesh_platform.settings import MeshSettings

    parser = argparse.ArgumentParser(prog="python -m sandbox.parity", description=__doc__)
    parser.add_argument("--duckdb", required=True, help="the DuckDB warehouse file")
    parser.add_argument("--bigquery", help="a BigQuery emulator's URL (default: BigQuery)")
    parser.add_argument("--project", default="trident-local", help="the BigQuery project")
    args = parser.parse_args(argv)
    duck = DuckDBEngine(MeshSettings(engine="duckdb", duckdb_path=args.duckdb))
    bigquery = BigQueryEngine(
        MeshSettings(engine="bigquery", gcp_project=args.project), endpoint=args.bigquery
    )
    results = compare_mesh(duck, bigquery)
    for result in results:
        status = "same" if result.equal else f"{len(result.differences)} difference(s)"
        print(f"{result.product:45} {result.left_rows:>9,} {result.right_rows:>9,}  {status}")
        for difference in result.differences:
            print("   ", difference.describe(result.product))
    return 0 if all(r.equal for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
