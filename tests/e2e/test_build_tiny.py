"""The main job end to end: the whole mesh built at the tiny scale, every product
published with every contract check passing."""

from __future__ import annotations

import pytest

from mesh_platform.contract import all_contracts
from mesh_platform.engines.duckdb import DuckDBEngine
from tests.support.tiny_mesh import TinyMesh

pytestmark = pytest.mark.slow


def test_every_product_of_the_mesh_is_built(tiny_mesh: TinyMesh) -> None:
    built = {o.key for o in tiny_mesh.report.outcomes}
    assert built == set(all_contracts())
    failures = [f"{o.key}: {o.error}" for o in tiny_mesh.report.outcomes if not o.success]
    assert not failures, "\n".join(failures)


def test_every_contract_check_passes_on_tiny(tiny_mesh: TinyMesh) -> None:
    for outcome in tiny_mesh.report.outcomes:
        assert outcome.checks_total > 0, outcome.key
        assert outcome.checks_passed == outcome.checks_total, outcome.key


def test_every_published_product_holds_rows(tiny_mesh: TinyMesh) -> None:
    engine = DuckDBEngine(tiny_mesh.settings)
    empty = [
        key for key in all_contracts() if engine.row_count(engine.table_for(*key.split("."))) == 0
    ]
    assert not empty, f"published but empty: {empty}"
    assert tiny_mesh.report.landing_rows
