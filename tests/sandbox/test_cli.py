"""The sandbox's ``mesh`` commands: build, and their place in ``mesh --help``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mesh_platform.cli import (
    COMMANDS_GROUP,
    HELP_ORDER,
    app,
    command_targets,
    declared_help,
    load_command,
)
from mesh_platform.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh state folder (so a fresh warehouse) for every test."""
    state = tmp_path / "state"
    monkeypatch.setenv("MESH_STATE_DIR", str(state))
    monkeypatch.delenv("MESH_DUCKDB_PATH", raising=False)
    get_settings.cache_clear()
    return state


def test_the_sandbox_adds_build_bench_dev_new_and_simulate_to_mesh_in_the_help_order() -> None:
    from importlib.metadata import entry_points

    assert {e.name for e in entry_points(group=COMMANDS_GROUP)} == {
        "bench",
        "build",
        "dev",
        "new",
        "simulate",
    }
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    # a command's name stands right after the panel's border; wrapped descriptions further in
    names = [line[2:].split()[0] for line in result.stdout.splitlines() if line[:3][-1:].isalpha()]
    listed = [name for name in names if name in HELP_ORDER]
    assert listed == list(HELP_ORDER)


def test_mesh_help_reads_each_command_help_from_source_without_importing_it() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from mesh_platform.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('dagster', 'pandas', 'duckdb', 'sqlglot', 'polars', 'pyarrow')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    # what the help shows is what each command declares once imported
    for name, target in command_targets().items():
        command = load_command(name, target)
        assert declared_help(target) == command.help, name


def _tables(path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    return {(schema, name) for schema, name in rows}


def test_build_materialises_the_selected_domain_and_summarises_it() -> None:
    result = runner.invoke(app, ["build", "--scale", "tiny", "--select", "products"])

    assert result.exit_code == 0, result.output
    path = get_settings().warehouse_path
    built = [("products", "catalogue_entries"), ("products", "product_catalog")]
    built.append(("products", "product_families"))
    assert set(built) <= _tables(path)
    rows = [line.replace("│", " ").split() for line in result.stdout.splitlines()]
    listed = {r[0]: r for r in rows if r and r[0].startswith("products.") and ":" not in r[0]}
    assert sorted(listed) == [f"{domain}.{product}" for domain, product in built]
    left_out = [line for line in result.stdout.splitlines() if "row(s) left out" in line]
    assert all(line.split(":")[0] in listed for line in left_out)
    assert all(r[-1] == "ok" for r in listed.values())
    summary = rows[next(i for i, r in enumerate(rows) if "Mesh" in r and "built" in r) :]
    row = next(cells for cells in summary if cells[:1] == ["products"])
    assert row[1] == "3"  # products built
    passed, total = row[3].split("/")
    assert passed == total
    assert int(total) > 0
    assert "mesh dev" in result.stdout


def test_build_can_run_again_on_the_landing_zone_it_has() -> None:
    assert runner.invoke(app, ["build", "--scale", "tiny", "--select", "products"]).exit_code == 0
    again = runner.invoke(app, ["build", "--no-simulate", "--select", "products.product_families"])
    assert again.exit_code == 0, again.output
    assert "reused" in again.stdout


def test_build_rejects_an_unknown_scale_or_product() -> None:
    assert runner.invoke(app, ["build", "--scale", "huge"]).exit_code == 2
    assert runner.invoke(app, ["build", "--select", "nowhere"]).exit_code == 2
    assert not get_settings().warehouse_path.exists()


def _checksum(domain: str, product: str) -> str:
    from mesh_platform.engines.duckdb import DuckDBEngine

    engine = DuckDBEngine()
    return engine.table_checksum(engine.table_for(domain, product))


def test_a_broken_product_is_told_in_two_lines_and_the_build_fails() -> None:
    product = "products.catalogue_entries"
    built = runner.invoke(app, ["build", "--scale", "tiny", "--select", product])
    assert built.exit_code == 0, built.output
    before = _checksum("products", "catalogue_entries")
    with duckdb.connect(str(get_settings().warehouse_path)) as connection:
        connection.execute(
            "ALTER TABLE landing_products.catalogue DROP COLUMN park_type_family_label"
        )

    result = runner.invoke(app, ["build", "--no-simulate", "--select", product])

    assert result.exit_code == 1, result.output
    sql = Path("domains/products/sql/catalogue_entries.sql")
    (line,) = [
        i
        for i, text in enumerate(sql.read_text().splitlines(), start=1)
        if "TRIM(park_type_family_label)" in text
    ]
    lines = [" ".join(text.split()) for text in result.stdout.splitlines()]
    start = next(i for i, text in enumerate(lines) if text.startswith(f"✗ {product}"))
    first, second, traceback = lines[start : start + 3]
    assert first.startswith(
        f"✗ {product} failed writing the staging table ({sql.as_posix()}, line {line}): "
        "Binder Error: Referenced column"
    )
    assert "park_type_family_label" in first
    assert second == (
        "landing_products.catalogue has no column park_type_family_label (the product reads it); "
        f"nothing was published, {product} is as it was."
    )
    assert traceback.startswith("full traceback: Dagster run ")
    assert f"mesh lineage --product {product}" in traceback
    assert "DagsterExecutionStepExecutionError" not in result.stdout
    assert _checksum("products", "catalogue_entries") == before
