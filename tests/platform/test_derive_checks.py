"""In-warehouse check queries derived from contracts, run on DuckDB, parsed for BigQuery.

The violation cases are data: tests/fixtures/sql/check_violations.yaml.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.checks import (
    FAILING_ROWS,
    SAMPLE_KEYS,
    CheckQuery,
    CheckResult,
    check_queries,
    run_checks_duckdb,
)
from mesh_platform.derive.ddl import create_schema, ddl_sql, product_table
from tests.support.sql_sample_contracts import (
    CLEAN_ROWS,
    SAMPLE_CONTRACTS,
    SampleCustomer,
    SampleHouseholdSeason,
    SamplePageView,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sql"
SAMPLES: dict[str, type[DataContract]] = {c.meta().key: c for c in SAMPLE_CONTRACTS}


def load_cases(name: str) -> list[dict[str, Any]]:
    """The cases of a YAML fixture under tests/fixtures/sql/."""
    cases = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


VIOLATIONS = load_cases("check_violations.yaml")


# --- a small warehouse -----------------------------------------------------------------------


class Warehouse:
    """An in-memory DuckDB holding products created from their derived DDL."""

    def __init__(self, contracts: dict[str, type[DataContract]]) -> None:
        self.connection = duckdb.connect()
        self.contracts = contracts
        self.created: set[str] = set()

    def create(self, contract: type[DataContract], *, enforce_not_null: bool = False) -> exp.Table:
        key = contract.meta().key
        if key not in self.created:
            self.connection.execute(ddl_sql(contract, "duckdb", enforce_not_null=enforce_not_null))
            self.created.add(key)
        return product_table(contract)

    def insert(self, contract: type[DataContract], rows: list[dict[str, Any]]) -> None:
        names = [c.name for c in columns_of(contract)]
        statement = exp.insert(
            exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in names])]),
            product_table(contract),
            columns=[exp.to_identifier(n, quoted=True) for n in names],
        )
        self.connection.executemany(
            statement.sql("duckdb"), [[row[n] for n in names] for row in rows]
        )

    def resolve(self, domain: str, product: str) -> exp.Table | None:
        contract = self.contracts.get(f"{domain}.{product}")
        return None if contract is None else self.create(contract)


def loaded_warehouse(changed: dict[type[DataContract], list[dict[str, Any]]]) -> Warehouse:
    """Every sample contract created and filled with its rows (clean unless changed)."""
    warehouse = Warehouse(SAMPLES)
    for contract in SAMPLE_CONTRACTS:
        warehouse.create(contract)
        warehouse.insert(contract, changed.get(contract, CLEAN_ROWS[contract]))
    return warehouse


def apply_case(case: dict[str, Any]) -> list[dict[str, Any]]:
    rows = copy.deepcopy(CLEAN_ROWS[SAMPLES[case["contract"]]])
    if "set" in case:
        changes = dict(case["set"])
        index = changes.pop("row")
        rows[index].update(changes)
    if "append" in case:
        changes = dict(case["append"])
        row = copy.deepcopy(rows[changes.pop("copy_of")])
        row.update(changes)
        rows.append(row)
    return rows


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check.name: r for r in results}


# --- the checks find exactly the violation ---------------------------------------------------


def test_clean_tables_pass_every_check() -> None:
    warehouse = loaded_warehouse({})
    for contract in SAMPLE_CONTRACTS:
        results = run_checks_duckdb(
            warehouse.connection, contract, product_table(contract), resolve=warehouse.resolve
        )
        assert results
        failed = [r.to_rule_failure(contract.meta().key).line() for r in results if not r.passed]
        assert failed == []
        assert all(r.sample == () for r in results)


@pytest.mark.parametrize("case", VIOLATIONS, ids=[c["title"] for c in VIOLATIONS])
def test_each_check_finds_exactly_its_violation(case: dict[str, Any]) -> None:
    contract = SAMPLES[case["contract"]]
    warehouse = loaded_warehouse({contract: apply_case(case)})

    results = by_name(
        run_checks_duckdb(
            warehouse.connection, contract, product_table(contract), resolve=warehouse.resolve
        )
    )

    assert case["check"] in results, sorted(results)
    found = results[case["check"]]
    assert found.failing_rows == case["failing_rows"]
    assert list(found.sample) == case["sample"]
    assert not found.passed
    others = [r.check.name for r in results.values() if not r.passed and r is not found]
    assert others == case.get("also_failing", []), f"other checks failed too: {others}"


def test_every_rule_is_covered_by_a_violation_case() -> None:
    rules = {case["check"].split("__")[0] for case in VIOLATIONS}
    assert rules == {rule.value for rule in Rule if rule.in_warehouse}


def test_sample_is_sorted_and_limited_to_sample_size() -> None:
    rows = copy.deepcopy(CLEAN_ROWS[SampleCustomer])
    for row in rows:
        row["loyalty_tier"] = "DIAMOND"
    warehouse = loaded_warehouse({SampleCustomer: rows})

    results = by_name(
        run_checks_duckdb(
            warehouse.connection, SampleCustomer, product_table(SampleCustomer), sample_size=2
        )
    )

    found = results["accepted_values__loyalty_tier"]
    assert found.failing_rows == 3
    assert found.sample == ("customer_id=CU00000001", "customer_id=CU00000002")


def test_nulls_are_not_orphans_and_references_need_a_resolver() -> None:
    rows = copy.deepcopy(CLEAN_ROWS[SampleHouseholdSeason])
    for row in rows:
        row["lead_customer_id"] = None
    warehouse = loaded_warehouse({SampleHouseholdSeason: rows})
    table = product_table(SampleHouseholdSeason)

    with_resolver = by_name(
        run_checks_duckdb(
            warehouse.connection, SampleHouseholdSeason, table, resolve=warehouse.resolve
        )
    )
    assert with_resolver["reference__lead_customer_id"].passed

    without = check_queries(SampleHouseholdSeason, "duckdb", table)
    assert not [c for c in without if c.rule is Rule.REFERENCE]
    unknown = check_queries(SampleHouseholdSeason, "duckdb", table, resolve=lambda d, p: None)
    assert not [c for c in unknown if c.rule is Rule.REFERENCE]


def test_reference_checks_the_table_the_resolver_names() -> None:
    warehouse = loaded_warehouse({})
    elsewhere = exp.table_("customers_v2", db="archive", quoted=True)
    schema = create_schema(elsewhere)
    assert schema is not None
    warehouse.connection.execute(schema.sql("duckdb"))
    warehouse.connection.execute(
        exp.Create(
            this=elsewhere.copy(),
            kind="TABLE",
            expression=exp.select(
                exp.column("customer_id", quoted=True), exp.column("country", quoted=True)
            )
            .from_(product_table(SampleCustomer))
            .where(exp.column("customer_id", quoted=True).eq("CU00000002")),
        ).sql("duckdb")
    )

    results = by_name(
        run_checks_duckdb(
            warehouse.connection,
            SampleHouseholdSeason,
            product_table(SampleHouseholdSeason),
            resolve=lambda domain, product: elsewhere,
        )
    )

    found = results["reference__lead_customer_id"]
    assert found.failing_rows == 2
    assert found.sample == (
        "household_id=HH00000001|season=2022-23",
        "household_id=HH00000001|season=2023-24",
    )


def test_several_duplicates_and_null_keys() -> None:
    rows = copy.deepcopy(CLEAN_ROWS[SampleHouseholdSeason])
    rows += [copy.deepcopy(rows[0]), copy.deepcopy(rows[0]), copy.deepcopy(rows[2])]
    rows += [dict(rows[1], season=None), dict(rows[1], season=None)]
    warehouse = loaded_warehouse({SampleHouseholdSeason: rows})

    results = by_name(
        run_checks_duckdb(
            warehouse.connection, SampleHouseholdSeason, product_table(SampleHouseholdSeason)
        )
    )

    grain = results["unique_grain"]
    assert grain.failing_rows == 5  # 3 rows of one key + 2 of another; NULL keys left out
    assert grain.sample == (
        "household_id=HH00000001|season=2022-23",
        "household_id=HH00000002|season=2023-24",
    )
    nulls = results["not_null__season"]
    assert nulls.failing_rows == 2
    assert nulls.sample == ("household_id=HH00000001", "household_id=HH00000001")


# --- the query shape and the results -----------------------------------------------------------


@pytest.mark.parametrize("contract", SAMPLE_CONTRACTS, ids=lambda c: c.meta().key)
def test_each_query_returns_one_row_with_count_and_sample_columns(
    contract: type[DataContract],
) -> None:
    warehouse = loaded_warehouse({})
    for check in check_queries(
        contract, "duckdb", product_table(contract), resolve=warehouse.resolve
    ):
        cursor = warehouse.connection.execute(check.sql("duckdb"))
        assert [d[0] for d in cursor.description] == [FAILING_ROWS, SAMPLE_KEYS]
        assert cursor.fetchall() == [(0, [])]


def test_check_names_rules_columns_and_descriptions() -> None:
    checks = {
        c.name: c
        for c in check_queries(
            SampleHouseholdSeason,
            "duckdb",
            product_table(SampleHouseholdSeason),
            resolve=lambda d, p: exp.table_(p, db=d, quoted=True),
        )
    }
    assert next(iter(checks)) == "unique_grain"
    assert checks["unique_grain"].columns == ("household_id", "season")
    assert checks["unique_grain"].column is None
    assert checks["unique_grain"].description == "one row per (household_id, season)"
    assert checks["not_null__revenue_eur"].rule is Rule.NOT_NULL
    assert checks["not_null__revenue_eur"].column == "revenue_eur"
    assert checks["range__stays"].description == ">= 0 and <= 60"
    assert checks["accepted_values__channel"].description == "in {'web', 'call_centre', 'agency'}"
    assert checks["max_length__group_code"].description == "at most 6 character(s)"
    assert checks["reference__lead_customer_id"].description == (
        "exists in customers.sample_customer.customer_id (NULL allowed)"
    )
    # Nullable columns have no not_null check; their other rules still apply.
    assert "not_null__discount_rate" not in checks
    assert "range__discount_rate" in checks
    assert "not_null__first_stay" not in checks


def test_result_becomes_a_rule_failure_naming_product_column_and_rule() -> None:
    rows = copy.deepcopy(CLEAN_ROWS[SampleCustomer])
    rows[0]["birth_year"] = 1850
    warehouse = loaded_warehouse({SampleCustomer: rows})
    result = by_name(
        run_checks_duckdb(warehouse.connection, SampleCustomer, product_table(SampleCustomer))
    )["range__birth_year"]

    failure = result.to_rule_failure("customers.sample_customer")

    assert failure.product == "customers.sample_customer"
    assert failure.column == "birth_year"
    assert failure.rule == "range"
    assert failure.failing_rows == 1
    assert list(failure.sample) == ["customer_id=CU00000001"]
    assert failure.line() == (
        "customers.sample_customer.birth_year: range (>= 1900 and <= 2015): 1 row(s), "
        "e.g. ['customer_id=CU00000001']"
    )


def test_result_reads_tuple_and_mapping_rows() -> None:
    check = check_queries(SamplePageView, "bigquery", product_table(SamplePageView))[0]
    from_tuple = CheckResult.from_row(check, (2, ["row=1", "row=2"]))
    from_mapping = CheckResult.from_row(check, {FAILING_ROWS: 0, SAMPLE_KEYS: None})
    assert (from_tuple.failing_rows, from_tuple.sample) == (2, ("row=1", "row=2"))
    assert not from_tuple.passed
    assert from_mapping.passed
    assert from_mapping.sample == ()


def test_a_query_renders_only_in_the_dialect_it_was_built_for() -> None:
    check = check_queries(SampleCustomer, "bigquery", product_table(SampleCustomer))[0]
    assert check.sql("bigquery") == check.sql()
    with pytest.raises(ValueError, match="built for bigquery"):
        check.sql("duckdb")


def test_unknown_dialect_and_bad_sample_size_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported SQL dialect 'snowflake'"):
        check_queries(SampleCustomer, "snowflake", product_table(SampleCustomer))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sample_size"):
        check_queries(SampleCustomer, "duckdb", product_table(SampleCustomer), sample_size=0)


def test_patterns_are_full_matches_in_both_dialects() -> None:
    duck = {
        c.name: c for c in check_queries(SamplePageView, "duckdb", product_table(SamplePageView))
    }
    bq = {
        c.name: c for c in check_queries(SamplePageView, "bigquery", product_table(SamplePageView))
    }
    assert 'REGEXP_FULL_MATCH("t"."session_id", \'^WS[0-9]{6}$\')' in duck[
        "pattern__session_id"
    ].sql("duckdb")
    assert "REGEXP_CONTAINS(`t`.`session_id`, '^(?:^WS[0-9]{6}$)$')" in bq[
        "pattern__session_id"
    ].sql("bigquery")


# --- BigQuery: every query parses and round-trips --------------------------------------------


def _resolve_any(domain: str, product: str) -> exp.Table:
    return exp.table_(product, db=domain, catalog="trident-prod", quoted=True)


@pytest.mark.parametrize("contract", SAMPLE_CONTRACTS, ids=lambda c: c.meta().key)
def test_bigquery_check_queries_parse_and_round_trip(contract: type[DataContract]) -> None:
    table = product_table(contract, catalog="trident-prod", name=f"{contract.meta().product}__stg")
    checks = check_queries(contract, "bigquery", table, resolve=_resolve_any)
    assert checks
    for check in checks:
        _assert_bigquery_round_trip(check)


def _assert_bigquery_round_trip(
    check: CheckQuery, prettiness: tuple[bool, ...] = (False, True)
) -> None:
    for pretty in prettiness:
        sql = check.sql("bigquery", pretty=pretty)
        parsed = sqlglot.parse_one(sql, read="bigquery")
        assert parsed.sql("bigquery", pretty=pretty) == sql, check.name
    assert "ARRAY_AGG(`sample_key` ORDER BY `sample_key` LIMIT 5)" in check.sql("bigquery")


# --- every registered contract ------------------------------------------------------------------


MESH = all_contracts()
EVERY_CONTRACT: dict[str, type[DataContract]] = {**SAMPLES, **MESH}


@pytest.mark.parametrize("key", sorted(EVERY_CONTRACT))
def test_every_contract_passes_its_checks_on_an_empty_table(key: str) -> None:
    contract = EVERY_CONTRACT[key]
    warehouse = Warehouse(EVERY_CONTRACT)
    table = warehouse.create(contract, enforce_not_null=True)

    results = run_checks_duckdb(warehouse.connection, contract, table, resolve=warehouse.resolve)

    expected = {c.name for c in check_queries(contract, "duckdb", table)}
    assert expected <= {r.check.name for r in results}
    assert [r.check.name for r in results if not r.passed] == []
    for reference in (c for c in columns_of(contract) if c.reference_target):
        target = reference.reference_target
        assert target is not None
        if f"{target[0]}.{target[1]}" in EVERY_CONTRACT:
            assert f"reference__{reference.name}" in {r.check.name for r in results}


@pytest.mark.parametrize("key", sorted(EVERY_CONTRACT))
def test_every_contract_bigquery_checks_parse(key: str) -> None:
    contract = EVERY_CONTRACT[key]
    for check in check_queries(contract, "bigquery", product_table(contract), resolve=_resolve_any):
        _assert_bigquery_round_trip(check, prettiness=(True,))
