"""The ``mesh`` command: contracts list/show/export, check and query (the sandbox's build
and dev commands are tested in ``tests/sandbox``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import jsonschema
import pytest
import sqlglot
import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.contract import DataContract, all_contracts, columns_of
from mesh_platform.export import ExportFormat, file_name
from mesh_platform.governance import lint
from mesh_platform.settings import get_settings
from tests.support.broken_products import BROKEN_CASES, BrokenCase
from tests.support.lint_contracts import BAD_CASES, CLEAN
from tests.support.small_mesh import CONTRACTS

runner = CliRunner()


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh state folder (so a fresh warehouse) for every test."""
    state = tmp_path / "state"
    monkeypatch.setenv("MESH_STATE_DIR", str(state))
    monkeypatch.delenv("MESH_DUCKDB_PATH", raising=False)
    get_settings.cache_clear()
    return state


@pytest.fixture(scope="module")
def contracts() -> dict[str, type[DataContract]]:
    return all_contracts()


@pytest.fixture(scope="module")
def sample(contracts: dict[str, type[DataContract]]) -> type[DataContract]:
    """A product of the mesh with a reference to another product, else the first one."""
    with_reference = [c for c in contracts.values() if any(col.references for col in columns_of(c))]
    return (with_reference or list(contracts.values()))[0]


@pytest.fixture(scope="module")
def domain_products(
    sample: type[DataContract], contracts: dict[str, type[DataContract]]
) -> list[type[DataContract]]:
    """Every product of the sample's domain."""
    domain = sample.meta().domain
    return [c for c in contracts.values() if c.meta().domain == domain]


def _names(contract: type[DataContract]) -> list[str]:
    return [col.name for col in columns_of(contract)]


# --- contracts list / show ------------------------------------------------------------------


def test_contracts_list_shows_every_product(contracts: dict[str, type[DataContract]]) -> None:
    result = runner.invoke(app, ["contracts", "list"])

    assert result.exit_code == 0, result.output
    for heading in ("domain", "product", "version", "owner", "access", "columns", "PII columns"):
        assert heading in result.stdout
    for contract in contracts.values():
        meta = contract.meta()
        row = next(
            line
            for line in result.stdout.splitlines()
            if line.split()[:2] == [meta.domain, meta.product]
        )
        assert meta.version in row
        assert meta.access.value in row
        pii = sum(col.is_pii for col in columns_of(contract))
        assert row.split()[-2:] == [str(len(columns_of(contract))), str(pii)]


def test_contracts_show_prints_metadata_and_every_column(sample: type[DataContract]) -> None:
    meta = sample.meta()

    result = runner.invoke(app, ["contracts", "show", meta.key])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert meta.key in out
    assert meta.version in out
    assert meta.owner is not None
    assert meta.owner.contact in out
    for column in columns_of(sample):
        assert column.name in out
        if column.references:
            assert column.references in out
    for heading in ("type", "nullable", "constraints", "classification", "references"):
        assert heading in out


def test_contracts_show_an_unknown_product_suggests_close_names(
    sample: type[DataContract],
) -> None:
    key = sample.meta().key
    result = runner.invoke(app, ["contracts", "show", key[:-1]])

    assert result.exit_code == 2
    assert f"did you mean {key}" in result.stderr.replace("\n", "")
    assert result.stdout == ""


# --- contracts export -----------------------------------------------------------------------


def _check_odcs(text: str, products: Sequence[type[DataContract]]) -> None:
    documents = list(yaml.safe_load_all(text))
    assert len(documents) == len(products)
    for document, contract in zip(documents, products, strict=True):
        odcs = OpenDataContractStandard.model_validate(document)
        assert odcs.schema_ is not None
        properties = [[prop.name for prop in obj.properties or []] for obj in odcs.schema_]
        assert _names(contract) in properties


def _check_jsonschema(text: str, products: Sequence[type[DataContract]]) -> None:
    document = json.loads(text)
    jsonschema.validators.validator_for(document).check_schema(document)
    schemas = (
        [document] if len(products) == 1 else [document["$defs"][c.meta().key] for c in products]
    )
    for schema, contract in zip(schemas, products, strict=True):
        assert set(schema["properties"]) == set(_names(contract))


def _check_duckdb(text: str, products: Sequence[type[DataContract]]) -> None:
    with duckdb.connect() as connection:
        connection.execute(text)
        for contract in products:
            meta = contract.meta()
            rows = connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [meta.domain, meta.product],
            ).fetchall()
            assert [row[0] for row in rows] == _names(contract)


def _check_bigquery(text: str, products: Sequence[type[DataContract]]) -> None:
    statements = [s for s in sqlglot.parse(text, read="bigquery") if s is not None]
    creates = [s for s in statements if isinstance(s, sqlglot.exp.Create) and s.kind == "TABLE"]
    assert len(creates) == len(products)
    for create, contract in zip(creates, products, strict=True):
        assert create.this.this.name == contract.meta().product
        assert [col.name for col in create.this.expressions if col.key == "columndef"] == (
            _names(contract)
        )


CHECKS: dict[ExportFormat, Callable[[str, Sequence[type[DataContract]]], None]] = {
    ExportFormat.ODCS: _check_odcs,
    ExportFormat.JSONSCHEMA: _check_jsonschema,
    ExportFormat.DDL_DUCKDB: _check_duckdb,
    ExportFormat.DDL_BIGQUERY: _check_bigquery,
}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_one_product_to_stdout(fmt: ExportFormat, sample: type[DataContract]) -> None:
    result = runner.invoke(
        app, ["contracts", "export", "--format", fmt.value, "--product", sample.meta().key]
    )

    assert result.exit_code == 0, result.output
    CHECKS[fmt](result.stdout, [sample])


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_a_domain_to_stdout(
    fmt: ExportFormat, sample: type[DataContract], domain_products: list[type[DataContract]]
) -> None:
    result = runner.invoke(
        app, ["contracts", "export", "--format", fmt.value, "--product", sample.meta().domain]
    )

    assert result.exit_code == 0, result.output
    CHECKS[fmt](result.stdout, domain_products)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_every_product_to_files(
    fmt: ExportFormat, tmp_path: Path, contracts: dict[str, type[DataContract]]
) -> None:
    out = tmp_path / "export"

    result = runner.invoke(app, ["contracts", "export", "--format", fmt.value, "--out", str(out)])

    assert result.exit_code == 0, result.output
    expected = {file_name(contract, fmt) for contract in contracts.values()}
    assert {path.name for path in out.iterdir()} == expected
    assert result.stdout.count("wrote ") == len(contracts)
    for contract in contracts.values():
        CHECKS[fmt]((out / file_name(contract, fmt)).read_text(encoding="utf-8"), [contract])


def test_file_names_name_the_product_and_the_format(sample: type[DataContract]) -> None:
    key = sample.meta().key
    assert file_name(sample, ExportFormat.ODCS) == f"{key}.odcs.yaml"
    assert file_name(sample, ExportFormat.JSONSCHEMA) == f"{key}.schema.json"
    assert file_name(sample, ExportFormat.DDL_DUCKDB) == f"{key}.duckdb.sql"
    assert file_name(sample, "ddl-bigquery") == f"{key}.bigquery.sql"


def test_export_an_unknown_product_exits_2(sample: type[DataContract]) -> None:
    result = runner.invoke(
        app, ["contracts", "export", "--format", "odcs", "--product", "nowhere.nothing"]
    )
    assert result.exit_code == 2
    assert "nowhere.nothing" in result.stderr


def test_export_an_unknown_format_exits_2() -> None:
    result = runner.invoke(app, ["contracts", "export", "--format", "avro"])
    assert result.exit_code == 2


# --- check ----------------------------------------------------------------------------------


def test_check_prints_one_line_per_finding_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {contract.meta().key: contract for contract, _, _ in BAD_CASES}
    contracts = {**CLEAN, **bad}
    monkeypatch.setattr("mesh_platform.cli.check.all_contracts", lambda: contracts)
    monkeypatch.setattr("mesh_platform.cli.check.read_domains", lambda contracts: [])

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1
    expected = [finding.line() for finding in lint(contracts)]
    assert result.stdout.splitlines() == expected
    assert len(expected) == len(BAD_CASES)
    assert f"{len(expected)} finding(s)" in result.stderr


def test_check_on_clean_contracts_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mesh_platform.cli.check.all_contracts", lambda: dict(CLEAN))
    monkeypatch.setattr("mesh_platform.cli.check.read_domains", lambda contracts: [])

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{len(CLEAN)} contracts, no findings"


# --- query ------------------------------------------------------------------------------


@pytest.fixture
def warehouse(sample: type[DataContract], domain_products: list[type[DataContract]]) -> str:
    """A warehouse holding the sample domain's empty product tables, made by the engine."""
    from mesh_platform.derive.ddl import ddl_sql
    from mesh_platform.engines.duckdb import DuckDBEngine

    engine = DuckDBEngine()
    with engine.connection() as connection:
        for contract in domain_products:
            connection.execute(ddl_sql(contract, "duckdb"))
    for contract in domain_products:  # what a publication does after it commits
        engine.publish_replica(contract.meta().domain, contract.meta().product, "fixture")
    return sample.meta().domain


def test_query_prints_the_result(
    warehouse: str, domain_products: list[type[DataContract]], reader_env: Callable[[str], None]
) -> None:
    reader_env("bastien")
    union = " union all ".join(
        f"select '{c.meta().product}' as product, count(*) as n from {warehouse}.{c.meta().product}"
        for c in domain_products
    )
    result = runner.invoke(app, ["query", f"{union} order by 1"])

    assert result.exit_code == 0, result.output
    assert "product" in result.stdout
    for contract in domain_products:
        assert contract.meta().product in result.stdout
    assert f"{len(domain_products)} row(s)" in result.stdout


def test_query_limits_the_rows_shown(warehouse: str, reader_env: Callable[[str], None]) -> None:
    reader_env("bastien")
    result = runner.invoke(app, ["query", "select range as n from range(10)", "--limit", "3"])

    assert result.exit_code == 0, result.output
    assert "first 3 rows" in result.stdout
    assert "│ 2 │" in result.stdout
    assert "│ 3 │" not in result.stdout


def test_query_without_a_warehouse_says_to_build_first() -> None:
    result = runner.invoke(app, ["query", "select 1"])

    assert result.exit_code == 1
    assert "mesh build" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "sql", ["select * from no_such_table", "create table written (a integer)", "selec 1"]
)
def test_query_errors_are_reported_cleanly(
    warehouse: str, sql: str, reader_env: Callable[[str], None]
) -> None:
    reader_env("bastien")
    result = runner.invoke(app, ["query", sql])

    assert result.exit_code == 1
    assert "refused" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("case", BROKEN_CASES, ids=lambda case: case.id)
def test_check_reports_a_broken_product_definition(
    case: BrokenCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = case.read(tmp_path / "shop")
    monkeypatch.setattr("mesh_platform.cli.check.all_contracts", lambda: case.contracts)
    monkeypatch.setattr("mesh_platform.cli.check.read_domains", lambda contracts: [domain])

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1
    where = f"{case.product}, file {case.file(tmp_path / 'shop')}"
    where += f", column {case.column}" if case.column else ""
    # the small mesh's contracts live outside contracts/: their own findings name no file
    lines = [line for line in result.stdout.splitlines() if ", file " in line]
    assert lines
    assert all(line.startswith(f"{where}: {case.rule}: ") for line in lines), lines


def test_check_reads_the_mesh_products_without_building_definitions(
    monkeypatch: pytest.MonkeyPatch, contracts: dict[str, type[DataContract]]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("mesh check built Dagster definitions")

    monkeypatch.setattr("mesh_platform.location.build_definitions", refuse)

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{len(contracts)} contracts and ")
    assert result.stdout.strip().endswith("product definitions, no findings")


@pytest.mark.parametrize("width", [100, 160, 240])
def test_contracts_show_keeps_each_description_readable_at_any_width(width: int) -> None:
    key = "customer_intelligence.revenue_concentration"
    result = runner.invoke(app, ["contracts", "show", key], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    description = "Share of the window's households ranked at or above this one."
    assert any(description in line for line in lines) or width >= 200
    assert max(len(line) for line in result.stdout.splitlines()) <= width


def test_check_names_both_domains_of_a_read_of_an_internal_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesh_platform.errors import ProductDefinitionError
    from mesh_platform.governance.lint import refuse_broken

    (sql_case,) = [c for c in BROKEN_CASES if c.rule == "access" and c.sql]
    domain = sql_case.read(tmp_path / "shop")
    monkeypatch.setattr("mesh_platform.cli.check.all_contracts", lambda: dict(CONTRACTS))
    monkeypatch.setattr("mesh_platform.cli.check.read_domains", lambda contracts: [domain])

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if ": access: " in line]
    owner = CONTRACTS["stock.raw_items"].meta().owner
    assert owner is not None
    assert line.startswith("shop.daily_revenue, file ")
    assert "table stock.raw_items: it is internal to the stock domain" in line
    assert "the shop domain may read only its public products" in line
    assert owner.contact in line
    with pytest.raises(ProductDefinitionError) as refused:  # what loading the location does
        refuse_broken([domain], CONTRACTS)
    assert line.split(": access: ", 1)[1] in str(refused.value)
