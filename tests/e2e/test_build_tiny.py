"""The main job end to end: the whole mesh built at the tiny scale, every product
published with every contract check passing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh_platform.build import BuildReport, build
from mesh_platform.contract import all_contracts
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.settings import get_settings


@pytest.fixture(scope="module")
def tiny_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local state folder of one tiny build, shared by this module's tests."""
    return tmp_path_factory.mktemp("tiny-mesh")


@pytest.fixture(scope="module")
def report(tiny_state: Path) -> BuildReport:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_STATE_DIR", str(tiny_state))
        get_settings.cache_clear()
        result = build(scale="tiny")
    get_settings.cache_clear()
    return result


@pytest.mark.slow
def test_every_product_of_the_mesh_is_built(report: BuildReport) -> None:
    built = {o.key for o in report.outcomes}
    assert built == set(all_contracts())
    failures = [f"{o.key}: {o.error}" for o in report.outcomes if not o.success]
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_contract_check_passes_on_tiny(report: BuildReport) -> None:
    for outcome in report.outcomes:
        assert outcome.checks_total > 0, outcome.key
        assert outcome.checks_passed == outcome.checks_total, outcome.key


@pytest.mark.slow
def test_every_published_product_holds_rows(
    report: BuildReport, tiny_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_STATE_DIR", str(tiny_state))
    get_settings.cache_clear()
    engine = DuckDBEngine()
    empty = [
        key for key in all_contracts() if engine.row_count(engine.table_for(*key.split("."))) == 0
    ]
    assert not empty, f"published but empty: {empty}"
    assert report.landing_rows
