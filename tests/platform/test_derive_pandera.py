"""pandera schemas derived from contracts, and the validation of pandas, polars and Arrow frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.derive.pandera_schema import (
    RULES,
    pandas_schema,
    polars_schema,
    rule_details,
)
from mesh_platform.derive.pandera_validation import validate_frame
from mesh_platform.errors import ContractViolation, RuleFailure
from tests.support.sample_contracts import (
    GOOD_ROWS,
    SAMPLE_CONTRACTS,
    SampleGuest,
    SampleSnowDay,
    SampleStay,
    example_row,
)

BACKENDS = ("pandas", "polars", "arrow")
REAL_CONTRACTS = all_contracts()


def frame_of(backend: str, rows: list[dict[str, Any]]) -> Any:
    """A frame of ``rows`` in the given library."""
    if backend == "pandas":
        return pd.DataFrame(rows)
    polars = pl.DataFrame(rows)
    return polars.to_arrow() if backend == "arrow" else polars


def with_column(frame: Any, name: str, values: list[Any]) -> Any:
    """``frame`` with column ``name`` replaced (or added) by ``values``."""
    if isinstance(frame, pd.DataFrame):
        return frame.assign(**{name: values})
    if isinstance(frame, pa.Table):
        return with_column(pl.from_arrow(frame), name, values).to_arrow()
    return frame.with_columns(pl.Series(name, values))


def without_column(frame: Any, name: str) -> Any:
    if isinstance(frame, pd.DataFrame):
        return frame.drop(columns=[name])
    return frame.drop(name) if isinstance(frame, pl.DataFrame) else frame.drop_columns([name])


def violation(contract: type[DataContract], frame: Any) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        validate_frame(contract, frame)
    return caught.value


# --- good frames ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("contract", SAMPLE_CONTRACTS, ids=lambda c: c.meta().key)
def test_good_rows_pass_and_keep_their_kind(contract: type[DataContract], backend: str) -> None:
    frame = frame_of(backend, GOOD_ROWS[contract])
    validated = validate_frame(contract, frame)
    assert type(validated) is type(frame)
    names = validated.column_names if isinstance(validated, pa.Table) else list(validated.columns)
    assert names == [c.name for c in columns_of(contract)]
    assert len(validated) == len(GOOD_ROWS[contract])


def test_pandas_types_are_the_contracts() -> None:
    validated = validate_frame(SampleGuest, pd.DataFrame(GOOD_ROWS[SampleGuest]))
    assert str(validated["birth_year"].dtype) == "Int64"  # ints stay ints, nulls included
    assert validated["birth_year"].tolist()[:2] == [1984, pd.NA]
    assert str(validated["opt_in"].dtype) == "boolean"
    assert str(validated["lifetime_value_eur"].dtype) == "float64"
    assert str(validated["updated_at"].dtype) == "datetime64[ns, UTC]"
    assert validated["first_seen_on"].tolist()[0] == dt.date(2012, 3, 4)


def test_polars_types_are_the_contracts() -> None:
    validated = validate_frame(SampleStay, pl.DataFrame(GOOD_ROWS[SampleStay]))
    assert validated.schema["nights"] == pl.Int64
    assert validated.schema["party_size"] == pl.Int64
    assert validated.schema["amount_eur"] == pl.Float64
    assert validated.schema["arrival_on"] == pl.Date
    guest = validate_frame(SampleGuest, pl.DataFrame(GOOD_ROWS[SampleGuest]))
    assert guest.schema["updated_at"] == pl.Datetime("us", "UTC")


def test_arrow_comes_back_as_arrow_with_the_contracts_types() -> None:
    table = pa.Table.from_pylist(GOOD_ROWS[SampleGuest])
    validated = validate_frame(SampleGuest, table)
    assert validated.schema.field("birth_year").type == pa.int64()
    assert validated.schema.field("updated_at").type == pa.timestamp("us", tz="UTC")
    assert validated.column("customer_id").to_pylist() == [
        r["customer_id"] for r in GOOD_ROWS[SampleGuest]
    ]


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_lossless_values_are_coerced(backend: str) -> None:
    frame = frame_of(backend, GOOD_ROWS[SampleGuest])
    frame = with_column(frame, "birth_year", [1984.0, None, 2001.0])  # floats holding integers
    frame = with_column(frame, "lifetime_value_eur", [12890, 0, 4100])  # integers for floats
    validated = validate_frame(SampleGuest, frame)
    years = validated["birth_year"].to_list()
    assert [None if pd.isna(y) else y for y in years] == [1984, None, 2001]
    assert list(validated["lifetime_value_eur"]) == [12890.0, 0.0, 4100.0]


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_timestamps_become_utc_instants(backend: str) -> None:
    paris = ZoneInfo("Europe/Paris")
    naive = [dt.datetime(2024, 1, 5, 8, 30), dt.datetime(2024, 1, 6, 9), dt.datetime(2024, 7, 1)]
    aware = [d.replace(tzinfo=paris) for d in naive]
    frame = frame_of(backend, GOOD_ROWS[SampleGuest])
    from_naive = validate_frame(SampleGuest, with_column(frame, "updated_at", naive))
    from_paris = validate_frame(SampleGuest, with_column(frame, "updated_at", aware))
    as_utc = [d.replace(tzinfo=dt.UTC) for d in naive]  # naive values are taken as UTC
    assert list(from_naive["updated_at"]) == as_utc
    # aware values are the same instants, shown in UTC
    assert list(from_paris["updated_at"]) == [d.astimezone(dt.UTC) for d in aware]
    assert from_paris["updated_at"].to_list()[0].utcoffset() == dt.timedelta(0)


def test_pandas_dates_accept_datetimes_and_iso_strings() -> None:
    frame = pd.DataFrame(GOOD_ROWS[SampleGuest])
    frame["first_seen_on"] = pd.to_datetime(["2012-03-04", "2023-11-20", "2019-07-01"])
    assert validate_frame(SampleGuest, frame)["first_seen_on"][0] == dt.date(2012, 3, 4)
    frame["first_seen_on"] = ["2012-03-04", "2023-11-20", "2019-07-01"]
    assert validate_frame(SampleGuest, frame)["first_seen_on"][1] == dt.date(2023, 11, 20)


def test_the_input_frame_is_not_modified() -> None:
    frame = pd.DataFrame(GOOD_ROWS[SampleGuest])
    before = frame.dtypes.copy()
    validate_frame(SampleGuest, frame)
    assert frame.dtypes.equals(before)


def test_an_unknown_frame_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"customers\.sample_guest"):
        validate_frame(SampleGuest, GOOD_ROWS[SampleGuest])


# --- bad frames: every kind of constraint, on every backend ------------------------------


@dataclass(frozen=True)
class Case:
    """One broken constraint: how to break good rows, and the failure expected."""

    name: str
    contract: type[DataContract]
    change: Callable[[Any], Any]
    column: str | None
    rule: str
    rows: int | None
    sample: Any = None


def _set(name: str, values: list[Any]) -> Callable[[Any], Any]:
    return lambda frame: with_column(frame, name, values)


CASES = [
    Case(
        "null in a required column",
        SampleStay,
        _set("customer_id", [None, "CU00000001", "CU00000003"]),
        "customer_id",
        "not_null",
        1,
    ),
    Case(
        "null in a required float column",
        SampleStay,
        _set("amount_eur", [5230.0, None, 2890.0]),
        "amount_eur",
        "not_null",
        1,
    ),
    Case(
        "duplicate grain",
        SampleStay,
        _set("season", ["2023-24", "2023-24", "2023-24"]),
        None,
        "unique_grain",
        2,
        ("BK000000001", "2023-24"),
    ),
    Case(
        "duplicate single-column grain",
        SampleGuest,
        _set("customer_id", ["CU00000001", "CU00000001", "CU00000003"]),
        None,
        "unique_grain",
        2,
        ("CU00000001",),
    ),
    Case("below ge", SampleStay, _set("nights", [7, -1, 14]), "nights", "range", 1, -1),
    Case("above le", SampleStay, _set("nights", [61, 0, 14]), "nights", "range", 1, 61),
    Case(
        "not above gt",
        SampleStay,
        _set("amount_eur", [0.0, 150.0, 2890.0]),
        "amount_eur",
        "range",
        1,
        0.0,
    ),
    Case(
        "rate above 1",
        SampleStay,
        _set("discount_rate", [0.1, None, 1.5]),
        "discount_rate",
        "range",
        1,
        1.5,
    ),
    Case(
        "integer outside its Literal",
        SampleStay,
        _set("party_size", [4, 9, 1]),
        "party_size",
        "accepted_values",
        1,
        9,
    ),
    Case(
        "string outside its Literal",
        SampleGuest,
        _set("segment", ["ADDICTS", "VIP", "FIDELES"]),
        "segment",
        "accepted_values",
        1,
        "VIP",
    ),
    Case(
        "pattern mismatch",
        SampleStay,
        _set("village_id", ["VTH", "vth", "OPI"]),
        "village_id",
        "pattern",
        1,
        "vth",
    ),
    Case(
        "pattern of a semantic type",
        SampleGuest,
        _set("email", ["marie.dupont@example.com", None, "not an e-mail"]),
        "email",
        "pattern",
        1,
        "not an e-mail",
    ),
    Case(
        "unanchored pattern must match the whole value",
        SampleSnowDay,
        _set("station_code", ["XVT01", "VT02", None]),
        "station_code",
        "pattern",
        1,
        "XVT01",
    ),
    Case(
        "too long",
        SampleStay,
        _set("health_notes", ["x" * 201, None, None]),
        "health_notes",
        "max_length",
        1,
        "x" * 201,
    ),
    Case(
        "too short",
        SampleGuest,
        _set("first_name", ["Marie", "", "Li"]),
        "first_name",
        "min_length",
        1,
        "",
    ),
    Case(
        "number in a string column",
        SampleGuest,
        _set("first_name", [1, 2, 3]),
        "first_name",
        "dtype",
        3,
        1,
    ),
    Case(
        "fraction in an integer column",
        SampleGuest,
        _set("birth_year", [1984.5, None, 2001.0]),
        "birth_year",
        "dtype",
        1,
        1984.5,
    ),
    Case(
        "text in a timestamp column",
        SampleGuest,
        _set("updated_at", ["not a time", "never", "soon"]),
        "updated_at",
        "dtype",
        None,
    ),
    Case(
        "text in a boolean column",
        SampleGuest,
        _set("opt_in", ["yes", "no", "yes"]),
        "opt_in",
        "dtype",
        None,
    ),
    Case(
        "missing column",
        SampleStay,
        lambda frame: without_column(frame, "village_id"),
        "village_id",
        "columns",
        None,
    ),
    Case(
        "missing grain column",
        SampleStay,
        lambda frame: without_column(frame, "season"),
        "season",
        "columns",
        None,
    ),
    Case(
        "unexpected column",
        SampleStay,
        _set("loyalty_points", [10, 20, 30]),
        "loyalty_points",
        "columns",
        None,
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_broken_constraint_is_named_by_column_and_rule(case: Case, backend: str) -> None:
    frame = case.change(frame_of(backend, GOOD_ROWS[case.contract]))
    error = violation(case.contract, frame)
    key = case.contract.meta().key
    assert error.product == key
    assert [(f.column, f.rule) for f in error.failures] == [(case.column, case.rule)]
    failure = error.failures[0]
    if case.rows is not None:
        assert failure.failing_rows == case.rows
    if case.sample is not None:
        assert case.sample in failure.sample
    where = f"{key}.{case.column}" if case.column else key
    assert f"{where}: {case.rule}" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_broken_rule_is_reported_at_once_in_column_order(backend: str) -> None:
    frame = frame_of(backend, GOOD_ROWS[SampleStay])
    frame = with_column(frame, "season", ["2023-24", "2023-24", "2023-24"])
    frame = with_column(frame, "health_notes", ["x" * 300, None, None])
    frame = with_column(frame, "nights", [61, 0, -3])
    frame = with_column(frame, "village_id", ["VTH", "vth", None])
    frame = with_column(frame, "extra", [1, 2, 3])
    error = violation(SampleStay, frame)
    assert [(f.column, f.rule) for f in error.failures] == [
        ("village_id", "not_null"),
        ("village_id", "pattern"),
        ("nights", "range"),
        ("health_notes", "max_length"),
        ("extra", "columns"),
        (None, "unique_grain"),
    ]
    nights = error.failures[2]
    assert nights.failing_rows == 2
    assert set(nights.sample) == {61, -3}
    assert nights.detail == ">= 0, <= 60"


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_several_columns_of_the_wrong_type_are_each_reported(backend: str) -> None:
    frame = frame_of(backend, GOOD_ROWS[SampleGuest])
    frame = with_column(frame, "first_name", [1, 2, 3])
    frame = with_column(frame, "birth_year", [1984.5, None, 2001.0])
    frame = with_column(frame, "opt_in", ["yes", "no", "yes"])
    frame = with_column(frame, "updated_at", [dt.datetime(2024, 1, 1)] * 3)  # naive: fine
    error = violation(SampleGuest, frame)
    assert [(f.column, f.rule) for f in error.failures] == [
        ("first_name", "dtype"),
        ("birth_year", "dtype"),
        ("opt_in", "dtype"),
    ]
    assert error.failures[0].detail.startswith("expected string")


def test_rule_failure_lines_are_readable() -> None:
    frame = with_column(pd.DataFrame(GOOD_ROWS[SampleStay]), "party_size", [4, 9, 1])
    error = violation(SampleStay, frame)
    assert error.failures[0] == RuleFailure(
        "bookings.sample_stay",
        "party_size",
        "accepted_values",
        1,
        (9,),
        "in {1, 2, 3, 4, 5, 6}",
    )
    assert "bookings.sample_stay.party_size: accepted_values (in {1, 2, 3, 4, 5, 6}): 1 row(s)" in (
        str(error)
    )


# --- the schemas themselves --------------------------------------------------------------


@pytest.mark.parametrize("build", [pandas_schema, polars_schema], ids=["pandas", "polars"])
def test_schema_mirrors_the_contract(build: Callable[[type[DataContract]], Any]) -> None:
    schema = build(SampleStay)
    assert schema.name == "bookings.sample_stay"
    assert schema.strict is True
    assert list(schema.unique) == ["booking_id", "season"]
    assert list(schema.columns) == [c.name for c in columns_of(SampleStay)]
    assert schema.columns["discount_rate"].nullable is True
    assert schema.columns["booking_id"].nullable is False
    for spec in columns_of(SampleStay):
        names = [check.name for check in schema.columns[spec.name].checks]
        assert set(names) <= set(RULES)
        assert names == list(rule_details(spec))  # one check per declared rule, same order
    assert build(SampleSnowDay).unique is None


def test_rule_details_describe_each_declared_rule() -> None:
    specs = {c.name: c for c in columns_of(SampleStay)}
    assert rule_details(specs["nights"]) == {"range": ">= 0, <= 60"}
    assert rule_details(specs["amount_eur"]) == {"range": "> 0"}
    assert rule_details(specs["party_size"]) == {"accepted_values": "in {1, 2, 3, 4, 5, 6}"}
    assert rule_details(specs["health_notes"]) == {"max_length": "length <= 200"}
    assert rule_details(specs["season"]) == {"pattern": "matches ^[0-9]{4}-[0-9]{2}$"}


# --- every contract of the mesh ----------------------------------------------------------


@pytest.mark.parametrize("key", sorted(REAL_CONTRACTS))
def test_every_contract_derives_schemas_that_accept_a_good_row(key: str) -> None:
    contract = REAL_CONTRACTS[key]
    row = example_row(contract)
    contract.model_validate(row)  # the row honours the contract itself
    names = [c.name for c in columns_of(contract)]
    for schema in (pandas_schema(contract), polars_schema(contract)):
        assert list(schema.columns) == names
        assert list(schema.unique or []) == list(contract.meta().grain)
    for backend in BACKENDS:
        validate_frame(contract, frame_of(backend, [row]))


@pytest.mark.parametrize("key", sorted(REAL_CONTRACTS))
def test_every_contract_rejects_nulls_and_duplicates(key: str) -> None:
    contract = REAL_CONTRACTS[key]
    row = example_row(contract)
    required = next(c for c in columns_of(contract) if not c.nullable)
    for backend in ("pandas", "polars"):
        twice = frame_of(backend, [row, row])
        if contract.meta().grain:
            rules = {(f.column, f.rule) for f in violation(contract, twice).failures}
            assert rules == {(None, "unique_grain")}
        else:
            validate_frame(contract, twice)  # without a grain, repeated rows are allowed
        nulled = with_column(frame_of(backend, [row]), required.name, [None])
        rules = {(f.column, f.rule) for f in violation(contract, nulled).failures}
        assert (required.name, "not_null") in rules
