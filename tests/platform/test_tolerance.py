"""The left-out reason vocabulary and the contract's tolerance: validated when declared,
strict by default, exported in ODCS and JSON Schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mesh_platform.contract import DataContract, Tolerance, column
from mesh_platform.contract.reasons import LeftOutKind, UnknownReason, parse_reason
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.json_schema import json_schema
from mesh_platform.derive.odcs import odcs_dict, standard_errors


class Strict(DataContract, domain="demo", product="strict", grain=("a",), register=False):
    a: str = column("A.")


class Tolerant(
    DataContract,
    domain="demo",
    product="tolerant",
    grain=("a",),
    register=False,
    tolerance=Tolerance(left_out={"duplicate": 0.02, "invalid_value:a": 0.1}, volume_drop=0),
):
    a: str = column("A.")


def test_a_reason_is_a_kind_and_an_optional_detail() -> None:
    assert parse_reason("invalid_value:rating") == (LeftOutKind.INVALID_VALUE, "rating")
    assert parse_reason("test_record") == (LeftOutKind.TEST_RECORD, None)
    assert parse_reason("out_of_scope:before:2020") == (LeftOutKind.OUT_OF_SCOPE, "before:2020")


@pytest.mark.parametrize("reason", ["dropped", "", "invalid:x", "duplicate:"])
def test_an_unknown_reason_is_refused(reason: str) -> None:
    with pytest.raises(UnknownReason, match="left-out reason"):
        parse_reason(reason)


def test_a_contract_without_tolerance_is_strict() -> None:
    tolerance = Strict.meta().tolerance
    assert tolerance == Tolerance()
    assert tolerance.is_strict
    assert tolerance.limit_for("duplicate") == 0.0
    assert tolerance.volume_drop is None


def test_a_full_reason_overrides_its_kind() -> None:
    tolerance = Tolerant.meta().tolerance
    assert tolerance.limit_for("invalid_value:a") == 0.1
    assert tolerance.limit_for("invalid_value:b") == 0.0
    assert tolerance.limit_for("duplicate") == 0.02
    assert tolerance.limit_for("duplicate:by_email") == 0.02


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"left_out": {"lost": 0.1}}, "unknown kind 'lost'"),
        ({"left_out": {"duplicate": 1.5}}, "a share between 0 and 1"),
        ({"volume_drop": -0.1}, "greater than or equal to 0"),
        ({"volume_drop": 2}, "less than or equal to 1"),
        ({"volume_growth": -1}, "greater than or equal to 0"),
        ({"volume_grow": 1}, "Extra inputs"),
    ],
)
def test_a_wrong_tolerance_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Tolerance(**kwargs)


def test_the_accounting_rules_are_in_the_one_vocabulary() -> None:
    assert Rule("left_out_tolerance").accounting
    assert Rule("volume_change").accounting
    assert not Rule.VOLUME_CHANGE.in_warehouse
    assert not Rule.LEFT_OUT_TOLERANCE.in_frame_schema
    assert Rule.VOLUME_CHANGE.blocking
    assert not Rule.UNIQUE_GRAIN.accounting


def test_odcs_carries_the_tolerance_as_quality_rules() -> None:
    document = odcs_dict(Tolerant)
    assert standard_errors(document) == []
    rules = [q for q in document["schema"][0]["quality"] if q["name"] != "unique_grain"]
    assert [(q["name"], q["implementation"]) for q in rules] == [
        ("left_out_tolerance", {"reason": "duplicate", "max_share": 0.02}),
        ("left_out_tolerance", {"reason": "invalid_value:a", "max_share": 0.1}),
        ("volume_change", {"direction": "drop", "max_share": 0.0}),
    ]
    strict = odcs_dict(Strict)["schema"][0]["quality"]
    assert [q["name"] for q in strict] == ["unique_grain"]


def test_json_schema_carries_a_declared_tolerance_only() -> None:
    assert json_schema(Tolerant)["x-tolerance"] == {
        "left_out": {"duplicate": 0.02, "invalid_value:a": 0.1},
        "volume_drop": 0.0,
    }
    assert "x-tolerance" not in json_schema(Strict)
