"""Hostile queries: each refused by ``mesh query`` with a clear message, none reaching
the host. Statement inspection refuses them first; DuckDB's own hardening is tested
alone below, as the wall behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesh_platform.access.policy import Purpose, load_policy
from mesh_platform.access.sandbox import Limits, QueryRefused, QuerySandbox, open_sandbox
from mesh_platform.access.views import reader_catalog
from mesh_platform.cli import app
from mesh_platform.contract.registry import all_contracts, load_contract_modules
from mesh_platform.engines.replica import read_manifest
from mesh_platform.settings import get_settings
from tests.support.access import publish_fixture

runner = CliRunner()

HOSTILE = [
    ("read_csv", "select * from read_csv('/etc/passwd', sep=':')", "read_csv() reads files"),
    ("read_csv_auto", "select * from read_csv_auto('/etc/passwd')", "reads files"),
    ("read_parquet", "select * from read_parquet('/etc/*.parquet')", "reads files"),
    ("read_json", "select * from read_json('/etc/x.json')", "reads files"),
    ("read_text", "select * from read_text('/etc/passwd')", "read_text() reads files"),
    ("read_blob", "select content from read_blob('/etc/shadow')", "reads files"),
    ("glob", "select * from glob('/etc/*')", "glob() reads files"),
    ("file as a table", "select * from '/etc/passwd'", "is not a product"),
    ("scalar file reader", "select (select content from read_text('/etc/hosts'))", "reads files"),
    ("query()", "select * from query('select 1')", "query() reads files"),
    ("getenv", "select getenv('HOME')", "getenv() reads"),
    ("masking function", "select __mesh_mask('jeanne.martin@mail.example')", "reads files"),
    ("duckdb_views", "select sql from duckdb_views()", "engine's internals"),
    ("information_schema", "select * from information_schema.tables", "not a published product"),
    ("COPY to a file", "copy (select 1) to 'stolen.csv'", "COPY is not a query"),
    ("COPY from a file", "copy customers.customer_profile from 'stolen.csv'", "is not a query"),
    ("ATTACH", "attach 'other.duckdb' as other", "ATTACH is not a query"),
    ("INSTALL", "install httpfs", "INSTALL is not a query"),
    ("LOAD", "load httpfs", "LOAD is not a query"),
    ("PRAGMA", "pragma database_list", "PRAGMA is not a query"),
    ("SET", "set enable_external_access = true", "SET is not a query"),
    ("RESET", "reset lock_configuration", "is not a query"),
    ("multiple statements", "select 1; select 2", "one statement at a time (2 given)"),
    ("a write after a read", "select 1; drop view resorts.villages", "one statement at a time"),
    ("CREATE", "create table t as select 1", "is not a query"),
    ("SELECT INTO", "select 1 as a into t", "only reads"),
    ("EXPORT DATABASE", "export database 'dump'", "refused"),
    ("other domain's internal", "select * from customers.identity_resolution",
     "internal to the customers domain"),
    ("other domain's internal, in capitals", 'select 1 from "CUSTOMERS".Identity_Resolution',
     "internal to the customers domain"),
    ("landing table", "select * from landing_customers.crm_accounts", "is a landing table"),
    ("unqualified table", "select * from villages", "name products as domain.product"),
    ("other database", "select * from other.resorts.villages", "no other database"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def replica() -> Path:
    root = get_settings().published_dir
    publish_fixture(root)
    return root


@pytest.mark.parametrize(("sql", "says"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_a_hostile_query_is_refused(
    reader_env: Callable[[str], None], sql: str, says: str, tmp_path: Path
) -> None:
    reader_env("bastien")  # bookings team: public products, internal ones of bookings
    result = runner.invoke(app, ["query", sql])
    assert result.exit_code == 1, result.output
    assert says in result.stderr
    assert result.stdout == ""
    assert not Path("stolen.csv").exists()


@pytest.fixture
def sandbox(
    replica: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Limits], QuerySandbox]]:
    """An open sandbox of the bookings team, its limits given."""
    monkeypatch.setenv("MESH_MASKING_KEY", "a-test-masking-key-of-this-run")
    get_settings.cache_clear()
    load_contract_modules()
    policy = load_policy()
    access = policy.access_for({"team-bookings"}, Purpose.ANALYTICS)
    catalog = reader_catalog(replica, read_manifest(replica), all_contracts(), access)
    with ExitStack() as stack:
        yield lambda limits: stack.enter_context(open_sandbox(catalog, policy, limits))


def test_a_long_query_is_interrupted(sandbox: Callable[[Limits], QuerySandbox]) -> None:
    box = sandbox(Limits(timeout_s=0.5))
    with pytest.raises(QueryRefused, match=r"ran longer than 0.5 s"):
        box.run(
            "select count(*) from range(1000000000000) a, range(1000) b where a.range + b.range < 0"
        )


def test_memory_is_bounded(sandbox: Callable[[Limits], QuerySandbox]) -> None:
    box = sandbox(Limits(max_memory="64MB", timeout_s=60))
    with pytest.raises(QueryRefused, match=r"more than 64MB of memory"):
        box.run("select list(range) from range(100000000)")


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "copy (select 1) to '{tmp}/x.csv'",
        "attach '{tmp}/x.duckdb'",
        "install httpfs",
        "set enable_external_access = true",
        "set max_memory = '100GB'",
    ],
)
def test_duckdb_refuses_on_its_own(
    sandbox: Callable[[Limits], QuerySandbox], sql: str, tmp_path: Path
) -> None:
    """Behind the inspection, the connection itself reaches no file and changes no setting."""
    box = sandbox(Limits())
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(Exception, match=r"disabled by configuration|configuration has been locked"):
        box.connection.execute(sql.format(tmp=target))
    assert list(target.iterdir()) == []


def test_the_sandbox_still_reads_its_views(sandbox: Callable[[Limits], QuerySandbox]) -> None:
    box = sandbox(Limits())
    result = box.run("with v as (select * from resorts.villages) select village_name from v")
    assert result.rows == [("Valmorel",)]
    assert box.run("select village_name from Resorts.VILLAGES").rows == [("Valmorel",)]
