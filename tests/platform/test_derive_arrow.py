"""The contract's Arrow schema and a Python product's frame shaped to it."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyarrow as pa
import pytest

from mesh_platform.derive.arrow import arrow_schema, to_arrow
from mesh_platform.errors import ContractViolation
from tests.support.engine_contracts import SaleLine, Village, sale_lines_frame, villages_frame


def test_the_arrow_schema_follows_the_contract() -> None:
    schema = arrow_schema(SaleLine)
    assert schema.names == ["line_id", "product_id", "amount_eur", "season", "sold_at", "is_online"]
    assert schema.field("sold_at").type == pa.timestamp("us", tz="UTC")
    assert not schema.field("line_id").nullable


def test_to_arrow_keeps_the_contract_columns_in_order_with_exact_types() -> None:
    frame = villages_frame().assign(extra=1)[::-1]
    table = to_arrow(frame[list(reversed(frame.columns))], Village)
    assert table.column_names == [
        "village_id",
        "name",
        "country",
        "segment",
        "capacity",
        "opened_on",
    ]
    assert table.schema.field("capacity").type == pa.int64()
    assert table.schema.field("opened_on").type == pa.date32()


def test_to_arrow_accepts_polars_and_arrow_and_reads_naive_timestamps_as_utc() -> None:
    frame = sale_lines_frame(rows=3)
    frame["sold_at"] = frame["sold_at"].dt.tz_localize(None)
    from_polars = to_arrow(pl.from_pandas(frame), SaleLine)
    from_arrow = to_arrow(pa.Table.from_pandas(frame), SaleLine)
    assert from_polars.equals(from_arrow)
    assert from_arrow.schema.field("sold_at").type == pa.timestamp("us", tz="UTC")
    assert from_arrow.column("sold_at")[0].as_py() == dt.datetime(2024, 1, 1, 0, 17, tzinfo=dt.UTC)


def test_to_arrow_names_a_missing_column() -> None:
    with pytest.raises(ContractViolation) as caught:
        to_arrow(villages_frame().drop(columns=["segment"]), Village)
    (failure,) = caught.value.failures
    assert (failure.product, failure.column, failure.rule) == (
        "resorts.villages",
        "segment",
        "columns",
    )


def test_to_arrow_refuses_a_lossy_cast() -> None:
    frame = villages_frame().assign(capacity=[1200.5] * 8)
    with pytest.raises(ContractViolation) as caught:
        to_arrow(frame, Village)
    (failure,) = caught.value.failures
    assert (failure.column, failure.rule) == ("capacity", "dtype")
