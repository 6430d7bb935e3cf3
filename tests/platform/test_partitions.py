"""Partitions: what a run publishes, the calendar of each kind, the rows of a partition."""

from __future__ import annotations

import dataclasses
import datetime as dt

import dagster as dg
import pytest
from sqlglot import exp

from contracts.calendar import SEASONS
from mesh_platform.contract.calendar import season_calendar
from mesh_platform.partitions import (
    SEASONS_BACK,
    PartitionRange,
    next_period,
    partition_condition,
    partition_predicate,
    partitions_definition,
    period_start,
    season_keys,
)
from tests.support.engine_contracts import Occupancy, Village, VillageRating

# --- what a run publishes ------------------------------------------------------------------


def test_a_partition_range_is_a_typed_value() -> None:
    one = PartitionRange.one("2023-24")
    assert (one.first, one.last, one.is_single, str(one)) == ("2023-24", "2023-24", True, "2023-24")
    span = PartitionRange("2024-01-01", "2024-03-01")
    assert not span.is_single
    assert str(span) == "2024-01-01..2024-03-01"
    assert span == PartitionRange("2024-01-01", "2024-03-01")
    assert len({span, PartitionRange("2024-01-01", "2024-03-01"), one}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.first = "2024-02-01"  # type: ignore[misc]


@pytest.mark.parametrize("key", ["", "2024-01..2024-02"])
def test_a_partition_key_is_neither_empty_nor_a_range(key: str) -> None:
    with pytest.raises(ValueError, match="is not a partition key"):
        PartitionRange.one(key)


def test_the_range_of_a_dagster_run_is_read_once() -> None:
    backfill = dg.PartitionKeyRange(start="2021-09-01", end="2024-10-31")
    assert PartitionRange.from_dagster(backfill) == PartitionRange("2021-09-01", "2024-10-31")
    single = dg.PartitionKeyRange(start="2023-24", end="2023-24")
    assert PartitionRange.from_dagster(single) == PartitionRange.one("2023-24")


def test_the_written_form_reads_back() -> None:
    for written in ("2023-24", "2021-09-01..2024-10-31"):
        assert str(PartitionRange.parse(written)) == written
    assert PartitionRange.parse("2024-02-01") == PartitionRange.one("2024-02-01")


# --- the calendar --------------------------------------------------------------------------


def test_season_keys_come_from_the_mesh_calendar() -> None:
    assert season_calendar() == SEASONS
    assert season_keys(dt.date(2024, 10, 31), back=1) == ["2022-23", "2023-24"]
    assert season_keys(dt.date(2024, 11, 1), back=1) == ["2023-24", "2024-25"]
    keys = season_keys(dt.date(2025, 3, 1))
    assert len(keys) == SEASONS_BACK + 1
    assert keys[-1] == SEASONS.of(dt.date(2025, 3, 1)) == "2024-25"
    assert keys[0] == "2018-19"


def test_each_kind_of_partitioning_has_its_dagster_partitions() -> None:
    seasons = partitions_definition(VillageRating, today=dt.date(2024, 12, 1))
    assert isinstance(seasons, dg.StaticPartitionsDefinition)
    assert seasons.get_partition_keys() == season_keys(dt.date(2024, 12, 1))
    months = partitions_definition(Occupancy)
    assert isinstance(months, dg.MonthlyPartitionsDefinition)
    assert months.get_first_partition_key() == "2018-01-01"
    assert partitions_definition(Village) is None


def test_daily_partitions_start_on_the_contracts_start_date() -> None:
    from mesh_platform.contract import DataContract, Partitioning, column

    class Event(
        DataContract,
        domain="demo",
        product="events",
        register=False,
        partitioning=Partitioning(column="day", kind="daily", start=dt.date(2024, 3, 5)),
    ):
        day: dt.date = column("Day of the event.")

    days = partitions_definition(Event)
    assert isinstance(days, dg.DailyPartitionsDefinition)
    assert days.get_first_partition_key() == "2024-03-05"


def test_period_arithmetic() -> None:
    assert period_start("2024-12", "monthly") == dt.date(2024, 12, 1)
    assert period_start("2024-12-17", "monthly") == dt.date(2024, 12, 1)
    assert period_start("2024-12-17", "daily") == dt.date(2024, 12, 17)
    assert next_period(dt.date(2024, 12, 1), "monthly") == dt.date(2025, 1, 1)
    assert next_period(dt.date(2024, 1, 31), "daily") == dt.date(2024, 2, 1)
    assert next_period(dt.date(2024, 2, 1), "monthly") == dt.date(2024, 3, 1)


# --- the rows of a partition ---------------------------------------------------------------


def test_season_partition_is_an_equality() -> None:
    predicate = partition_predicate(VillageRating, PartitionRange.one("2023-24"))
    assert predicate.sql("duckdb") == "season = '2023-24'"


def test_a_range_of_seasons_includes_both_ends() -> None:
    predicate = partition_predicate(VillageRating, PartitionRange("2021-22", "2023-24"))
    assert predicate.sql("duckdb") == "season >= '2021-22' AND season <= '2023-24'"


def test_monthly_partition_is_a_half_open_date_range() -> None:
    predicate = partition_predicate(Occupancy, PartitionRange.one("2024-12-01"))
    assert predicate.sql("duckdb") == (
        "night >= CAST('2024-12-01' AS DATE) AND night < CAST('2025-01-01' AS DATE)"
    )
    # a month key without a day means the same month
    month = partition_predicate(Occupancy, PartitionRange.one("2024-12"))
    assert month.sql("duckdb") == predicate.sql("duckdb")


def test_partition_bounds_take_the_engine_column_type() -> None:
    timestamp = exp.DataType.build("TIMESTAMP")
    predicate = partition_predicate(Occupancy, PartitionRange.one("2024-02-01"), timestamp)
    assert "CAST('2024-03-01' AS TIMESTAMP)" in predicate.sql("duckdb")
    condition = partition_condition(Occupancy, PartitionRange.one("2024-02-01"), "bigquery")
    assert condition.sql("bigquery") == (
        "night >= CAST('2024-02-01' AS DATE) AND night < CAST('2024-03-01' AS DATE)"
    )


def test_partition_errors_name_the_product() -> None:
    with pytest.raises(ValueError, match=r"resorts\.villages: not partitioned"):
        partition_predicate(Village, PartitionRange.one("2024-01-01"))
    with pytest.raises(ValueError, match=r"resorts\.occupancy: partition key 'winter'"):
        partition_predicate(Occupancy, PartitionRange.one("winter"))
