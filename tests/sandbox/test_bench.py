"""The benchmark's pieces: ratios, the JSON it writes and reads, the comparison of two
runs, the measure of memory, and the floor's product order (no timing is asserted)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlglot import exp

from sandbox.bench.figures import (
    TOTAL,
    BenchReport,
    RunFigures,
    StepFigure,
    compare,
    ratio,
)
from sandbox.bench.floor import Floor, dependency_order
from sandbox.bench.memory import current_rss, peak_rss, reset_peak
from sandbox.bench.render import changes_table, report_table

MiB = 2**20


def _run(kind: str, wall: float, peak: int, **steps: tuple[float, int]) -> RunFigures:
    return RunFigures(
        kind=kind,
        wall_s=wall,
        peak_rss=peak,
        steps={
            name.replace("__", "."): StepFigure(wall_s=s, peak_rss=m)
            for name, (s, m) in steps.items()
        },
    )


def _report(build_wall: float = 20.0, scale: str = "tiny") -> BenchReport:
    floor = _run(
        "floor", 9.0, 200 * MiB, landing=(3.0, 150 * MiB), resorts__villages=(1.0, 160 * MiB)
    )
    build = _run(
        "build",
        build_wall,
        400 * MiB,
        landing=(3.3, 300 * MiB),
        resorts__villages=(1.5, 320 * MiB),
        sales__sales_lines=(2.0, 330 * MiB),
    )
    return BenchReport(scale=scale, seed=7, threads=2, revision="abc1234", floor=floor, build=build)


def test_ratio_is_the_build_over_the_floor_and_undefined_without_a_floor() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 3.0) == 0.333
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None


def test_rows_follow_the_build_then_give_the_floor_work_against_the_whole_build() -> None:
    rows = {row.name: row for row in _report().rows()}
    assert list(rows) == ["landing", "resorts.villages", "sales.sales_lines", TOTAL]
    assert rows["resorts.villages"].wall_ratio == 1.5
    assert rows["resorts.villages"].rss_ratio == 2.0
    # a step only the build has has no floor and no ratio
    assert rows["sales.sales_lines"].floor_s is None
    assert rows["sales.sales_lines"].wall_ratio is None
    # the floor's total is its steps' time (4 s), the build's its whole process (20 s)
    assert rows[TOTAL].floor_s == 4.0
    assert rows[TOTAL].build_s == 20.0
    assert rows[TOTAL].wall_ratio == 5.0
    assert rows[TOTAL].rss_ratio == 2.0


def test_a_report_reads_back_as_it_was_written(tmp_path: Path) -> None:
    report = _report()
    path = tmp_path / "bench" / "tiny.json"
    report.write(path)
    assert BenchReport.read(path) == report


def test_reading_what_is_not_a_report_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"scale": "tiny"}')
    with pytest.raises(ValueError, match=r"other\.json: not a mesh bench report"):
        BenchReport.read(path)


def test_comparison_gives_the_build_then_and_now_per_step_and_in_total() -> None:
    before = _report(build_wall=20.0)
    after_build = _run(
        "build", 10.0, 200 * MiB, landing=(3.0, 300 * MiB), resorts__villages=(0.75, 160 * MiB)
    )
    after = before.model_copy(update={"build": after_build})
    changes = {change.name: change for change in compare(before, after)}
    assert list(changes) == ["landing", "resorts.villages", "sales.sales_lines", TOTAL]
    assert changes["resorts.villages"].wall_change == 0.5
    assert changes["resorts.villages"].rss_change == 0.5
    assert changes["resorts.villages"].before_ratio == 1.5
    assert changes["resorts.villages"].after_ratio == 0.75
    # a product gone since: its figures then, none now
    assert changes["sales.sales_lines"].after_s is None
    assert changes["sales.sales_lines"].wall_change is None
    assert changes[TOTAL].wall_change == 0.5
    assert changes[TOTAL].after_ratio == 2.5


def test_runs_at_two_scales_do_not_compare() -> None:
    with pytest.raises(ValueError, match="scale 'tiny' with one at 'small'"):
        compare(_report(scale="tiny"), _report(scale="small"))


def test_tables_hold_a_line_per_step_and_the_total() -> None:
    assert report_table(_report()).row_count == 4
    assert changes_table(_report(), _report()).row_count == 4


def test_the_peak_is_measured_anew_after_a_reset() -> None:
    ballast = bytearray(64 * MiB)  # resident once written
    ballast[::4096] = b"x" * len(ballast[::4096])
    high = peak_rss()
    assert high >= 64 * MiB
    del ballast
    if reset_peak():
        now = current_rss()
        assert 0 < now <= peak_rss() < high


@dataclass
class _Product:
    upstream_products: tuple[str, ...] = ()


def test_the_floor_builds_upstream_before_downstream_then_by_name() -> None:
    products = {
        "sales.revenue": _Product(("sales.lines", "resorts.villages")),
        "sales.lines": _Product(("landing.x",)),  # outside the mesh: there already
        "resorts.villages": _Product(("resorts.villages",)),  # reads itself
        "customers.households": _Product(),
    }
    order = dependency_order(products)
    assert [next(k for k, v in products.items() if v is p) for p in order] == [
        "customers.households",
        "resorts.villages",
        "sales.lines",
        "sales.revenue",
    ]
    with pytest.raises(ValueError, match=r"cycle: a\.a, b\.b"):
        dependency_order({"a.a": _Product(("b.b",)), "b.b": _Product(("a.a",))})


def test_the_floor_writes_and_checks_products_on_the_landing_zone() -> None:
    from mesh_platform.location import domain_products
    from sandbox.simulation import simulate

    (villages,) = [p for p in domain_products("resorts") if p.contract.meta().product == "villages"]
    with duckdb.connect() as connection:
        simulate(connection, scale="tiny", seed=1)
        floor = Floor(connection)
        rows = floor.product(villages)
        assert rows > 0
        assert connection.execute("SELECT COUNT(*) FROM resorts.villages").fetchone() == (rows,)
        assert floor.resolve("resorts", "villages") is not None


def test_the_floor_calls_a_python_product_on_its_inputs_read_as_the_platform_reads_them() -> None:
    from mesh_platform.products.asset import input_order
    from mesh_platform.products.python import PythonProduct, split_output
    from sandbox.bench.floor import mesh_products
    from sandbox.simulation import simulate

    products = {p.contract.meta().key: p for p in mesh_products()}
    target = products["territory.prospection_zones"]
    assert isinstance(target, PythonProduct)
    needed: set[str] = set()
    pending = [target.contract.meta().key]
    while pending:  # the product and everything upstream of it in the mesh
        key = pending.pop()
        if key in products and key not in needed:
            needed.add(key)
            pending.extend(products[key].upstream_products)
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        simulate(connection, scale="tiny", seed=1)
        floor = Floor(connection)
        for product in dependency_order({k: products[k] for k in needed}):
            floor.product(product)
        # the same function on frames converted by DuckDB itself gives the same rows
        frames = {}
        for name, upstream in target.inputs.items():
            columns = target.columns.get(name)
            order = input_order(upstream, columns, target.order.get(name))
            domain, table = upstream.split(".", 1)
            select = exp.select(*(columns or ["*"])).from_(exp.table_(table, db=domain))
            query = select.order_by(*order).sql("duckdb", identify=True)
            frames[name] = connection.execute(query).df()
        expected, _ = split_output(target(**frames))
        written = connection.execute('SELECT * FROM "territory"."prospection_zones"').df()
    assert frames
    assert len(written) > 0
    by = list(written.columns)
    pd.testing.assert_frame_equal(
        written.sort_values(by, ignore_index=True),
        expected[by].sort_values(by, ignore_index=True),
        check_dtype=False,
    )
