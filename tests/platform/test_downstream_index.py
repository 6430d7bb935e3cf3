"""The reads kept between processes and the downstream metadata of each asset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from mesh_platform.evolution import index
from mesh_platform.evolution.reads import Read
from mesh_platform.settings import get_settings

READS = (
    Read("b.totals", "B team", "b@example.com", "a.lines", "amount", ("total",)),
    Read("b.totals", "B team", "b@example.com", "a.lines", "day"),
    Read("c.model", "C team", "c@example.com", "b.totals", "total", (), "python"),
)


@pytest.fixture
def fresh() -> Iterator[None]:
    index.kept_reads.cache_clear()
    yield
    index.kept_reads.cache_clear()


def test_the_fingerprint_follows_names_and_contents(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.sql").write_text("select 1")
    (tmp_path / "pkg" / "notes.txt").write_text("not read")
    before = index.fingerprint([tmp_path / "pkg"])
    (tmp_path / "pkg" / "notes.txt").write_text("changed, still not read")
    assert index.fingerprint([tmp_path / "pkg"]) == before
    (tmp_path / "pkg" / "a.sql").write_text("select 2")
    assert index.fingerprint([tmp_path / "pkg"]) != before


def test_reads_are_computed_once_then_read_back(
    monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    calls = []
    monkeypatch.setattr(index, "_compute", lambda: calls.append(1) or READS)
    assert index.kept_reads() == READS
    index.kept_reads.cache_clear()  # another process, same files
    assert index.kept_reads() == READS
    assert calls == [1]
    (kept,) = (get_settings().state_dir / index.INDEX_FOLDER).glob("*.json")
    assert kept.stem == index.fingerprint(index._packages())


def test_a_state_folder_that_cannot_be_written_only_warns(
    monkeypatch: pytest.MonkeyPatch, fresh: None, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("MESH_STATE_DIR", str(blocker))
    get_settings.cache_clear()
    monkeypatch.setattr(index, "_compute", lambda: READS)
    with pytest.warns(UserWarning, match="could not be kept"):
        assert index.kept_reads() == READS


def test_a_domain_that_cannot_be_read_is_left_out_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesh_platform import location

    real = location.read_product_definitions

    def broken(domain: str, contracts: object = None, **kwargs: object) -> object:
        if domain == "customer_intelligence":
            raise ImportError("no module named sklearn")
        return real(domain, contracts, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(location, "read_product_definitions", broken)
    with pytest.warns(UserWarning, match="customer_intelligence domain could not be read"):
        reads = index._compute()
    assert reads
    assert not any(r.consumer.startswith("customer_intelligence.") for r in reads)


def test_downstream_metadata_is_one_row_per_product_and_depth() -> None:
    metadata = index.downstream_metadata("a.lines", READS)
    table = metadata["downstream"]
    assert isinstance(table, dg.TableMetadataValue)
    assert [r.data for r in table.records] == [
        {
            "depth": 1,
            "product": "b.totals",
            "reads": "a.lines.amount, a.lines.day",
            "team": "B team",
            "contact": "b@example.com",
        },
        {
            "depth": 2,
            "product": "c.model",
            "reads": "b.totals.total",
            "team": "C team",
            "contact": "c@example.com",
        },
    ]
    assert index.downstream_metadata("c.model", READS) == {}


def test_a_location_shows_who_reads_its_products_in_other_locations(fresh: None) -> None:
    from mesh_platform.location import domain_definitions

    specs = {s.key: s for s in domain_definitions("sales").resolve_all_asset_specs()}
    table = specs[dg.AssetKey(["sales", "sales_lines"])].metadata["downstream"]
    rows = {(r.data["depth"], r.data["product"]): r.data for r in table.records}
    lead_scores = rows[(1, "customer_intelligence.lead_scores")]
    assert "sales.sales_lines.amount_eur" in lead_scores["reads"]
    assert (lead_scores["team"], lead_scores["contact"]) == ("CRM Lab", "crm-lab@trident.example")
    assert any(depth == 2 and p.startswith("territory.") for depth, p in rows)
