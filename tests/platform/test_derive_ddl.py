"""DDL and BigQuery schemas derived from contracts.

Expected DDL scripts are data: tests/fixtures/sql/ddl/<domain.product>.<dialect>.sql, each
with a small header (title, dialect, contract).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import sqlglot
from google.cloud import bigquery
from sqlglot import exp

from mesh_platform.contract import (
    Classification,
    DataContract,
    LogicalType,
    Owner,
    all_contracts,
    column,
    columns_of,
)
from mesh_platform.derive.ddl import (
    BIGQUERY_COLUMN_DESCRIPTION_MAX,
    bigquery_labels,
    bigquery_schema,
    create_table,
    ddl_sql,
    ddl_statements,
    fill_policy_tags,
    policy_tag_names,
    policy_tag_placeholders,
    product_table,
)
from mesh_platform.derive.sqltypes import DIALECTS, bigquery_field_type, check_dialect, sql_type
from tests.support.sql_sample_contracts import (
    CLEAN_ROWS,
    SAMPLE_CONTRACTS,
    SampleCustomer,
    SampleHouseholdSeason,
    SamplePageView,
)

DDL_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sql" / "ddl"
SAMPLES: dict[str, type[DataContract]] = {c.meta().key: c for c in SAMPLE_CONTRACTS}


@dataclass(frozen=True)
class SqlFixture:
    """A SQL fixture file: ``-- key: value`` header lines, then the SQL."""

    path: Path
    header: dict[str, str]
    sql: str


def read_sql_fixture(path: Path) -> SqlFixture:
    header: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("-- ") and ":" in lines[0]:
        key, _, value = lines.pop(0)[3:].partition(":")
        header[key.strip()] = value.strip()
    while lines and not lines[0].strip():
        lines.pop(0)
    return SqlFixture(path=path, header=header, sql="".join(lines))


FIXTURES = [read_sql_fixture(p) for p in sorted(DDL_FIXTURES.glob("*.sql"))]


def _duckdb_execute(script: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(script)
    return connection


def _insert_sql(table: exp.Table, names: list[str]) -> str:
    return exp.insert(
        exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in names])]),
        table,
        columns=[exp.to_identifier(n, quoted=True) for n in names],
    ).sql("duckdb")


def _count_sql(table: exp.Table) -> str:
    return exp.select(exp.Count(this=exp.Star())).from_(table).sql("duckdb")


def _assert_bigquery_script_round_trips(script: str) -> list[exp.Expr]:
    statements = [s for s in sqlglot.parse(script, read="bigquery") if s is not None]
    regenerated = "\n\n".join(f"{s.sql('bigquery', pretty=True)};" for s in statements) + "\n"
    assert regenerated == script
    return statements


# --- the expected scripts ------------------------------------------------------------------


def test_every_sample_contract_has_a_fixture_per_dialect() -> None:
    found = {(f.header["contract"], f.header["dialect"]) for f in FIXTURES}
    assert found == {(key, dialect) for key in SAMPLES for dialect in DIALECTS}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.path.name)
def test_ddl_script_matches_its_fixture(fixture: SqlFixture) -> None:
    assert fixture.header["title"]
    contract = SAMPLES[fixture.header["contract"]]
    dialect = check_dialect(fixture.header["dialect"])

    script = ddl_sql(contract, dialect)

    assert script == fixture.sql
    if dialect == "duckdb":
        _duckdb_execute(script)
    else:
        _assert_bigquery_script_round_trips(script)


# --- DuckDB ----------------------------------------------------------------------------------


@pytest.mark.parametrize("contract", SAMPLE_CONTRACTS, ids=lambda c: c.meta().key)
def test_duckdb_ddl_creates_the_contract_columns_types_and_comments(
    contract: type[DataContract],
) -> None:
    connection = _duckdb_execute(ddl_sql(contract, "duckdb"))
    meta = contract.meta()

    rows = connection.execute(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [meta.domain, meta.product],
    ).fetchall()
    table_comment = connection.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [meta.domain, meta.product],
    ).fetchone()

    expected_types = {
        LogicalType.STRING: "VARCHAR",
        LogicalType.INTEGER: "BIGINT",
        LogicalType.FLOAT: "DOUBLE",
        LogicalType.BOOLEAN: "BOOLEAN",
        LogicalType.DATE: "DATE",
        LogicalType.TIMESTAMP: "TIMESTAMP",
    }
    assert rows == [
        (c.name, expected_types[c.logical_type], c.nullable, c.description)
        for c in columns_of(contract)
    ]
    assert table_comment == (meta.description,)


def test_duckdb_has_no_enforced_key_so_a_staging_load_reaches_the_checks() -> None:
    script = ddl_sql(
        SampleCustomer, "duckdb", name="sample_customer__staging", enforce_not_null=False
    )
    assert "PRIMARY KEY" not in script
    assert "NOT NULL" not in script
    connection = _duckdb_execute(script)
    table = product_table(SampleCustomer, name="sample_customer__staging")
    names = [c.name for c in columns_of(SampleCustomer)]
    row = dict(CLEAN_ROWS[SampleCustomer][0])
    insert = _insert_sql(table, names)

    # A duplicated key and a NULL in a non-nullable column both load.
    connection.executemany(insert, [[row[n] for n in names]] * 2)
    connection.execute(insert, [None if n == "email" else row[n] for n in names])

    assert connection.execute(_count_sql(table)).fetchone() == (3,)


def test_duckdb_published_table_enforces_not_null() -> None:
    connection = _duckdb_execute(ddl_sql(SampleHouseholdSeason, "duckdb"))
    table = product_table(SampleHouseholdSeason)
    names = [c.name for c in columns_of(SampleHouseholdSeason)]
    row = dict(CLEAN_ROWS[SampleHouseholdSeason][0], revenue_eur=None)
    with pytest.raises(duckdb.ConstraintException, match="revenue_eur"):
        connection.execute(_insert_sql(table, names), [row[n] for n in names])
    assert connection.execute(_count_sql(table)).fetchone() == (0,)


def test_duckdb_ddl_with_catalog_schema_name_and_replace_executes() -> None:
    script = ddl_sql(
        SamplePageView, "duckdb", catalog="memory", schema="web_stage", name="views", replace=True
    )
    assert 'CREATE OR REPLACE TABLE "memory"."web_stage"."views"' in script
    assert 'COMMENT ON COLUMN "memory"."web_stage"."views"."order"' in script
    connection = _duckdb_execute(script)
    connection.execute(script)  # replace: runs twice
    assert connection.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'views' AND column_name = 'date'"
    ).fetchone() == ("Day of the view.",)


def test_ddl_statements_without_schema() -> None:
    statements = ddl_statements(SampleCustomer, "duckdb", with_schema=False)
    assert isinstance(statements[0], exp.Create)
    assert statements[0].kind == "TABLE"
    assert all(isinstance(s, exp.Comment) for s in statements[1:])
    assert len(statements) == 1 + 1 + len(columns_of(SampleCustomer))
    bigquery_statements = ddl_statements(SampleCustomer, "bigquery")
    assert [s.args.get("kind") for s in bigquery_statements] == ["SCHEMA", "TABLE"]


# --- BigQuery DDL ------------------------------------------------------------------------------


def test_bigquery_ddl_carries_descriptions_grain_and_labels() -> None:
    create = create_table(SampleHouseholdSeason, "bigquery", replace=True)
    sql = create.sql("bigquery")

    assert sql.startswith("CREATE OR REPLACE TABLE `customers`.`sample_household_season` (")
    assert "`revenue_eur` FLOAT64 NOT NULL OPTIONS (description='Revenue of the season" in sql
    assert "`discount_rate` FLOAT64 OPTIONS (" in sql
    assert "PRIMARY KEY (`household_id`, `season`) NOT ENFORCED" in sql
    assert "('contract_version', '2-0-1')" in sql
    assert "('access', 'internal')" in sql
    assert "/* policy tag: indirect_pii" in sql
    assert sqlglot.parse_one(sql, read="bigquery").sql("bigquery") == sql


def test_bigquery_ddl_for_a_staging_table_elsewhere() -> None:
    table = product_table(
        SampleCustomer, catalog="trident-prod", schema="customers_staging", name="run_42"
    )
    sql = create_table(SampleCustomer, "bigquery", table, enforce_not_null=False).sql("bigquery")
    assert sql.startswith("CREATE TABLE `trident-prod`.`customers_staging`.`run_42` (")
    assert "NOT NULL" not in sql
    assert product_table(SampleCustomer).sql("bigquery") == "`customers`.`sample_customer`"


def test_every_identifier_is_quoted() -> None:
    for contract in SAMPLE_CONTRACTS:
        for dialect in DIALECTS:
            for statement in ddl_statements(contract, dialect):
                identifiers = list(statement.find_all(exp.Identifier))
                assert identifiers
                assert all(i.quoted for i in identifiers), statement.sql(dialect)


def test_long_descriptions_are_cut_to_bigquery_limits() -> None:
    class Verbose(
        DataContract,
        domain="reviews",
        product="verbose",
        owner=Owner(team="Guest Experience", contact="gx@example.com"),
        grain=("survey_id",),
        register=False,
    ):
        """A product with a very long column description."""

        survey_id: str = column("x" * 2000)

    sql = create_table(Verbose, "bigquery").sql("bigquery")
    assert f"description='{'x' * BIGQUERY_COLUMN_DESCRIPTION_MAX}'" in sql
    assert "x" * (BIGQUERY_COLUMN_DESCRIPTION_MAX + 1) not in sql
    assert bigquery_schema(Verbose)[0].description == "x" * BIGQUERY_COLUMN_DESCRIPTION_MAX


def test_labels_follow_bigquery_label_syntax() -> None:
    labels = bigquery_labels(SampleCustomer)
    assert labels == {
        "domain": "customers",
        "product": "sample_customer",
        "contract_version": "1-4-0",
        "access": "public",
        "tier": "gold",
        "owner": "crm-identity",
    }


# --- the BigQuery API schema and policy tags ----------------------------------------------------


def test_bigquery_schema_modes_types_descriptions_and_policy_tag_placeholders() -> None:
    schema = bigquery_schema(SampleCustomer)
    fields = {f.name: f for f in schema}

    assert [f.name for f in schema] == [c.name for c in columns_of(SampleCustomer)]
    assert fields["customer_id"].field_type == "STRING"
    assert fields["customer_id"].mode == "REQUIRED"
    assert fields["birth_year"].field_type == "INT64"
    assert fields["birth_year"].mode == "NULLABLE"
    assert fields["created_at"].field_type == "TIMESTAMP"
    assert fields["email"].description == "Contact e-mail address, lower case."
    assert fields["email"].policy_tags == bigquery.PolicyTagList(
        names=[
            "projects/{project}/locations/{location}/taxonomies/{taxonomy}/policyTags/direct_pii"
        ]
    )
    assert fields["country"].policy_tags is None
    assert {f.name for f in schema if f.policy_tags} == {"customer_id", "email", "first_name"}
    assert {f.mode for f in bigquery_schema(SampleCustomer, enforce_not_null=False)} == {"NULLABLE"}


def test_policy_tags_are_filled_by_the_engine() -> None:
    ids = {Classification.DIRECT_PII: "4511", Classification.INDIRECT_PII: "4512"}

    filled = {
        f.name: f
        for f in fill_policy_tags(
            bigquery_schema(SampleCustomer), "trident-prod", "eu", "7781", policy_tags=ids
        )
    }
    names = policy_tag_names(SampleCustomer, "trident-prod", "eu", "7781", policy_tags=ids)

    assert names == {
        "customer_id": "projects/trident-prod/locations/eu/taxonomies/7781/policyTags/4512",
        "email": "projects/trident-prod/locations/eu/taxonomies/7781/policyTags/4511",
        "first_name": "projects/trident-prod/locations/eu/taxonomies/7781/policyTags/4511",
    }
    for name, tag in names.items():
        policy_tags = filled[name].policy_tags
        assert policy_tags is not None
        assert list(policy_tags.names) == [tag]
    assert filled["country"].policy_tags is None
    assert filled["email"].mode == "REQUIRED"
    assert filled["email"].description == "Contact e-mail address, lower case."
    # Without ids, the classification names the policy tag.
    assert policy_tag_placeholders(SampleHouseholdSeason) == {
        "lead_customer_id": (
            "projects/{project}/locations/{location}/taxonomies/{taxonomy}/policyTags/indirect_pii"
        )
    }
    assert policy_tag_names(SampleHouseholdSeason, "p", "eu", "1") == {
        "lead_customer_id": "projects/p/locations/eu/taxonomies/1/policyTags/indirect_pii"
    }


# --- types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logical", "duckdb_type", "bigquery_type"),
    [
        (LogicalType.STRING, "TEXT", "STRING"),
        (LogicalType.INTEGER, "BIGINT", "INT64"),
        (LogicalType.FLOAT, "DOUBLE", "FLOAT64"),
        (LogicalType.BOOLEAN, "BOOLEAN", "BOOL"),
        (LogicalType.DATE, "DATE", "DATE"),
        (LogicalType.TIMESTAMP, "TIMESTAMP", "TIMESTAMP"),
    ],
)
def test_sql_types_per_dialect(logical: LogicalType, duckdb_type: str, bigquery_type: str) -> None:
    assert sql_type(logical, "duckdb").sql("duckdb") == duckdb_type
    assert sql_type(logical, "bigquery").sql("bigquery") == bigquery_type
    assert bigquery_field_type(logical) == bigquery_type


def test_a_timestamp_loads_as_utc_wall_time_in_duckdb() -> None:
    connection = _duckdb_execute(ddl_sql(SampleCustomer, "duckdb", enforce_not_null=False))
    value = dt.datetime(2023, 11, 4, 9, 30)
    connection.execute(_insert_sql(product_table(SampleCustomer), ["created_at"]), [value])
    assert connection.execute(
        exp.select(exp.column("created_at", quoted=True))
        .from_(product_table(SampleCustomer))
        .sql("duckdb")
    ).fetchone() == (value,)


# --- every registered contract -----------------------------------------------------------------


EVERY_CONTRACT: dict[str, type[DataContract]] = {**SAMPLES, **all_contracts()}


@pytest.mark.parametrize("key", sorted(EVERY_CONTRACT))
def test_every_contract_ddl_runs_on_duckdb_and_parses_as_bigquery(key: str) -> None:
    contract = EVERY_CONTRACT[key]

    connection = _duckdb_execute(ddl_sql(contract, "duckdb"))
    connection.execute(ddl_sql(contract, "duckdb", name="staging", enforce_not_null=False))

    statements = _assert_bigquery_script_round_trips(ddl_sql(contract, "bigquery"))
    create = statements[-1]
    assert isinstance(create, exp.Create)
    column_defs = list(create.find_all(exp.ColumnDef))
    schema = bigquery_schema(contract)
    assert [c.name for c in column_defs] == [f.name for f in schema]
    for definition, field in zip(column_defs, schema, strict=True):
        kind = definition.args["kind"]
        assert isinstance(kind, exp.DataType)
        assert kind.sql("bigquery") == field.field_type
