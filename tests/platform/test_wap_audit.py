"""The audit of write-audit-publish is built once per contract, engine and table."""

from __future__ import annotations

import pytest
from sqlglot import exp

from mesh_platform import wap_audit
from mesh_platform.derive.checks import check_queries
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.partitions import PartitionRange
from mesh_platform.wap import AuditFailed, check_union, publish_product
from mesh_platform.wap_audit import AUDIT_CACHE_SIZE, audit_for, clear_audits, run_checks
from tests.support.engine_contracts import (
    VILLAGE_VIOLATIONS,
    Village,
    VillageRating,
    ratings_frame,
    villages_frame,
)


@pytest.fixture
def engine() -> DuckDBEngine:
    clear_audits()
    engine = DuckDBEngine()
    engine.ensure_schema("resorts")
    return engine


def test_a_kept_audit_is_the_sql_a_fresh_one_renders(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "villages", "r1")
    fresh = check_queries(Village, "duckdb", staging, resolve=engine.published_table)
    first = audit_for(engine, Village, staging, engine.published_table)
    assert first.sql == engine.sql(check_union(fresh))
    assert [c.name for c in first.checks] == [c.name for c in fresh]
    assert audit_for(engine, Village, staging, engine.published_table) is first


def test_audits_are_kept_by_contract_and_table(engine: DuckDBEngine) -> None:
    one = engine.staging_table_for("resorts", "villages", "r1")
    other = engine.staging_table_for("resorts", "villages", "r2")
    villages = audit_for(engine, Village, one, engine.published_table)
    elsewhere = audit_for(engine, Village, other, engine.published_table)
    ratings = audit_for(engine, VillageRating, one, engine.published_table)
    assert engine.sql(one) in villages.sql
    assert engine.sql(other) not in villages.sql
    assert engine.sql(other) in elsewhere.sql
    assert elsewhere.sql == engine.sql(check_union(check_queries(Village, "duckdb", other)))
    assert {c.name for c in ratings.checks} != {c.name for c in villages.checks}
    assert "range__rating" in {c.name for c in ratings.checks}


def test_a_reference_published_since_is_checked(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "village_ratings", "r1")
    before = audit_for(engine, VillageRating, staging, engine.published_table)
    assert "reference__village_id" not in {c.name for c in before.checks}
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    after = audit_for(engine, VillageRating, staging, engine.published_table)
    assert "reference__village_id" in {c.name for c in after.checks}
    assert after is not before


@pytest.mark.parametrize("kind", list(VILLAGE_VIOLATIONS))
def test_a_batch_staged_under_one_name_is_audited_every_time(
    engine: DuckDBEngine, kind: str
) -> None:
    publish_product(engine, Village, frame=villages_frame(), run_id="b1", stage_as="stream")
    spoil, rule, column = VILLAGE_VIOLATIONS[kind]
    with pytest.raises(AuditFailed) as caught:
        publish_product(
            engine, Village, frame=spoil(villages_frame(5)), run_id="b2", stage_as="stream"
        )
    assert [(f.rule, f.column) for f in caught.value.failures] == [(rule, column)]
    again = publish_product(
        engine, Village, frame=villages_frame(5), run_id="b3", stage_as="stream"
    )
    assert again.row_count == 8
    assert engine.list_tables("resorts") == ["villages"]  # the staging table is gone


def test_the_checks_run_from_the_kept_audit(engine: DuckDBEngine) -> None:
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    season = PartitionRange.one("2023-24")
    publish_product(
        engine, VillageRating, frame=ratings_frame("2023-24"), partition=season, run_id="s"
    )
    table = engine.table_for("resorts", "village_ratings")
    results = run_checks(engine, VillageRating, table)
    assert results
    assert all(r.passed for r in results)
    assert [r.check.name for r in results] == [
        c.name
        for c in check_queries(VillageRating, "duckdb", table, resolve=engine.published_table)
    ]


def test_the_audit_is_kept_by_what_its_checks_asked_for(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "village_ratings", "r1")
    asked: list[tuple[str, str]] = []

    def resolve(domain: str, product: str) -> exp.Table | None:
        asked.append((domain, product))
        return engine.table_for(domain, product) if product == "villages" else None

    first = audit_for(engine, VillageRating, staging, resolve)
    assert asked == [("resorts", "villages")]
    assert "reference__village_id" in {c.name for c in first.checks}
    assert audit_for(engine, VillageRating, staging, resolve) is first
    assert asked == [("resorts", "villages")] * 2  # resolved again, not rebuilt
    nowhere = audit_for(engine, VillageRating, staging, lambda domain, product: None)
    assert "reference__village_id" not in {c.name for c in nowhere.checks}


def test_the_audits_kept_are_bounded(engine: DuckDBEngine) -> None:
    for run in range(AUDIT_CACHE_SIZE + 10):
        staging = engine.staging_table_for("resorts", "villages", f"r{run}")
        audit_for(engine, Village, staging, engine.published_table)
    assert len(wap_audit._audits) == AUDIT_CACHE_SIZE
    assert len(wap_audit._asked) == AUDIT_CACHE_SIZE
