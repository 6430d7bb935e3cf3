"""What reading a SQL product costs is paid once per content: the reading is kept in
the state folder, used again while the file, the tables it may read and the code are
unchanged, read afresh otherwise, and never needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesh_platform.definition import cache, reader
from mesh_platform.definition.reader import read_sql
from mesh_platform.products.sql import sql_product
from mesh_platform.settings import get_settings
from tests.platform.test_lineage_downstream import SOURCES
from tests.support.small_mesh import CONTRACTS, HERE


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    monkeypatch.setenv("MESH_STATE_DIR", str(folder))
    get_settings.cache_clear()
    return folder


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "shop" / "orders.sql"
    path.parent.mkdir()
    shutil.copy(HERE / "shop" / "orders.sql", path)
    return path


def _no_qualify(*_: object, **__: object) -> None:
    raise AssertionError("qualified again")


def test_a_reading_is_kept_and_used_again_as_it_was(
    state: Path, orders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_sql(orders, "shop", CONTRACTS, SOURCES)
    product = sql_product(first)
    assert first.digest
    assert sorted(p.name.split("-")[0] for p in (state / cache.CACHE_FOLDER).iterdir()) == [
        "lineage",
        "sql",
    ]
    monkeypatch.setattr(reader, "qualify", _no_qualify)
    again = read_sql(orders, "shop", CONTRACTS, SOURCES)
    assert again.digest == first.digest
    assert again.qualified is not None
    assert first.qualified is not None
    assert again.qualified.sql("bigquery") == first.qualified.sql("bigquery")
    assert again.expression == first.expression
    assert [(t.key, t.kind, t.contract) for t in again.tables] == [
        (t.key, t.kind, t.contract) for t in first.tables
    ]
    assert again.outputs == first.outputs
    assert sql_product(again).column_lineage == product.column_lineage


def test_a_changed_file_is_read_again_and_replaces_its_kept_reading(
    state: Path, orders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_sql(orders, "shop", CONTRACTS, SOURCES)
    orders.write_text(orders.read_text() + "\n-- a comment\n")
    qualified: list[bool] = []
    original = reader.qualify

    def counting(*args: object, **kwargs: object) -> object:
        qualified.append(True)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "qualify", counting)
    second = read_sql(orders, "shop", CONTRACTS, SOURCES)
    assert qualified == [True]
    assert second.digest != first.digest
    kept = [p.name for p in (state / cache.CACHE_FOLDER).glob("sql-*")]
    assert kept == [f"sql-{second.key}-{second.digest}.pickle"]


def test_other_tables_make_another_reading(state: Path, orders: Path) -> None:
    first = read_sql(orders, "shop", CONTRACTS, SOURCES)
    wider = {
        **SOURCES,
        "landing_shop": {
            "order_lines": {**SOURCES["landing_shop"]["order_lines"], "note": "STRING"}
        },
    }
    assert read_sql(orders, "shop", CONTRACTS, wider).digest != first.digest


def test_a_broken_query_is_never_kept(state: Path, tmp_path: Path) -> None:
    path = tmp_path / "shop" / "broken.sql"
    path.parent.mkdir(exist_ok=True)
    path.write_text("SELECT no_such_column FROM landing_shop.order_lines")
    read = read_sql(path, "shop", CONTRACTS, SOURCES)
    assert read.qualify_error is not None
    assert not read.digest
    assert not (state / cache.CACHE_FOLDER).exists()


def test_a_state_folder_that_cannot_be_written_only_costs_time(
    tmp_path: Path, orders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MESH_STATE_DIR", str(blocker / "state"))
    get_settings.cache_clear()
    read = read_sql(orders, "shop", CONTRACTS, SOURCES)
    assert read.qualified is not None
    assert sql_product(read).column_lineage
