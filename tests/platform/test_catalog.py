"""The catalog without a browser: the mesh it reads, freshness, runs, glossary, pictures
and the pages written (the browser tests are in ``tests/e2e/test_catalog_browser.py``)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesh_platform.catalog import mesh_catalog
from mesh_platform.catalog.charts import segment_transitions
from mesh_platform.catalog.model import ColumnRef, MeshCatalog
from mesh_platform.catalog.runs import LastRun, last_runs
from mesh_platform.catalog.site import build_site, freshness, sample_query, search_index
from mesh_platform.contract import all_contracts
from mesh_platform.contract.glossary import GLOSSARY, Term

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> MeshCatalog:
    return mesh_catalog()


def _run(hours_ago: float, *, succeeded: bool = True) -> LastRun:
    return LastRun(
        time=NOW - timedelta(hours=hours_ago),
        run_id="r",
        succeeded=succeeded,
        rows_published=1,
        rows_read={},
        rows_left_out=0,
        left_out=(),
        checks=(),
        error=None,
    )


def test_the_catalog_holds_every_product_and_the_edges_across_domains(
    catalog: MeshCatalog,
) -> None:
    assert set(catalog.products) == set(all_contracts())
    assert len(catalog.domains) == 12
    households = catalog.products["customers.households"]
    assert "campaigns.return_rate_animated" in households.downstreams
    assert "customers.households" in catalog.products["campaigns.return_rate_animated"].upstreams
    edges = catalog.domain_edges[("customers", "campaigns")]
    assert ("customers.households", "campaigns.return_rate_animated") in edges
    for product in catalog.products.values():  # downstream is upstream inverted
        for down in product.downstreams:
            assert product.key in catalog.products[down].upstreams


def test_column_lineage_goes_both_ways_sql_exact_and_python_whole(catalog: MeshCatalog) -> None:
    transitions = catalog.products["customer_intelligence.segment_transitions"]
    season_from = next(c for c in transitions.columns if c.spec.name == "season_from")
    assert ColumnRef("customer_intelligence.rfm_segments", "season") in season_from.sources
    rfm = catalog.products["customer_intelligence.rfm_segments"]
    season = next(c for c in rfm.columns if c.spec.name == "season")
    assert ColumnRef(transitions.key, "season_from") in season.readers
    zones = catalog.products["territory.prospection_zones"]
    assert zones.kind == "python"
    households = catalog.products["customers.households"]
    household_id = next(c for c in households.columns if c.spec.name == "household_id")
    assert ColumnRef(zones.key, "*") in household_id.readers


def test_freshness_is_judged_against_the_sla_at_build_time(catalog: MeshCatalog) -> None:
    product = catalog.products["reviews.village_ratings"]  # SLA: 1 day 2 hours
    assert freshness(product, _run(3), NOW).state == "met"
    late = freshness(product, _run(30), NOW)
    assert late.state == "late"
    assert "30 h" in late.text
    assert freshness(product, _run(1, succeeded=False), NOW).state == "failed"
    assert freshness(product, None, NOW).state == "never"


def test_last_runs_keep_each_products_last_finished_run(tmp_path: Path) -> None:
    def event(kind: str, time: str, rows: int) -> str:
        return json.dumps(
            {
                "eventType": kind,
                "eventTime": time,
                "run": {"runId": time},
                "job": {"namespace": "trident", "name": "sales.sales_lines"},
                "outputs": [
                    {
                        "facets": {
                            "rowAccounting": {
                                "rowsRead": {},
                                "rowsPublished": rows,
                                "rowsLeftOut": 0,
                                "leftOut": [],
                            }
                        }
                    }
                ],
            }
        )

    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(
            [
                event("COMPLETE", "2026-05-01T06:00:00+00:00", 10),
                event("COMPLETE", "2026-05-02T06:00:00+00:00", 12),
                event("START", "2026-05-03T06:00:00+00:00", 0),
                "not json",
                json.dumps(
                    {
                        "eventType": "COMPLETE",
                        "eventTime": "2026-05-04T06:00:00+00:00",
                        "run": {"runId": "x"},
                        "job": {"namespace": "dagster", "name": "other"},
                    }
                ),
            ]
        )
        + "\n"
    )
    runs = last_runs(path)
    assert list(runs) == ["sales.sales_lines"]
    assert runs["sales.sales_lines"].rows_published == 12
    assert last_runs(tmp_path / "missing.jsonl") == {}


def test_the_glossary_finds_products_by_the_business_words(catalog: MeshCatalog) -> None:
    assert Term("foyer", ("household",)).found_in("customer_households")
    assert not Term("foyer", ("household",)).found_in("a house hold")
    index = search_index(catalog, list(GLOSSARY.terms.values()))
    by_name = {entry["name"]: entry for entry in index}
    assert "taux de retour" in by_name["campaigns.return_rate_animated"]["terms"]
    assert "matrice de passage" in by_name["customer_intelligence.segment_transitions"]["terms"]
    assert "foyer" in by_name["customers.households.household_id"]["terms"]
    with pytest.raises(ValueError, match="declared twice"):
        GLOSSARY.add(Term("foyer", ("home",)))


def test_the_sample_query_reads_the_grain_first(catalog: MeshCatalog) -> None:
    product = catalog.products["reviews.village_ratings"]
    sql = sample_query(product, "bigquery", "trident_reviews")
    assert sql.startswith("SELECT\n  village_id,\n  season,")
    assert "FROM trident_reviews.village_ratings" in sql
    assert "LIMIT 10" in sql


def test_the_transition_matrix_is_drawn_from_the_rows_it_is_given() -> None:
    contract = all_contracts()["customer_intelligence.segment_transitions"]
    frame = pd.DataFrame(
        {
            "season_from": ["2022-23", "2022-23", "2021-22"],
            "season_to": ["2023-24", "2023-24", "2022-23"],
            "segment_from": ["FIDELES", "FIDELES", "ADDICTS"],
            "segment_to": ["FIDELES", "OUT", "ADDICTS"],
            "households": [3, 1, 50],
        }
    )
    drawing = segment_transitions(frame, contract)
    assert drawing is not None
    assert drawing.png.startswith(b"\x89PNG")
    assert [tuple(r) for r in drawing.rows] == [
        ("FIDELES", "FIDELES", "3", "75.0%"),
        ("FIDELES", "OUT", "1", "25.0%"),
    ]  # the last pair of seasons only
    assert segment_transitions(frame.iloc[0:0], contract) is None


def test_the_site_has_a_page_per_product_and_domain_and_the_documents(
    catalog: MeshCatalog, tmp_path: Path
) -> None:
    def nothing_published(key: str, columns: Sequence[str]) -> pd.DataFrame | None:
        return None

    report = build_site(catalog, {}, nothing_published, tmp_path / "site", now=NOW)
    site = report.out
    assert report.pictures == ()
    assert len(list((site / "products").glob("*.html"))) == len(catalog.products)
    assert len(list((site / "domains").glob("*.html"))) == 12
    page = (site / "products" / "customers.households.html").read_text()
    assert "crm-identity@trident.example" in page
    assert "never published" in page
    assert 'href="../downloads/customers.households.odcs.yaml"' in page
    assert (site / "downloads" / "customers.households.odcs.yaml").is_file()
    assert (site / "downloads" / "customers.households.schema.json").is_file()
    lineage = page.split('id="lineage-data">')[1].split("</script>")[0]
    assert "household_id" in json.loads(lineage)


def test_a_deprecated_version_says_until_when_and_what_replaces_it(
    catalog: MeshCatalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesh_platform.catalog.model import CatalogProduct
    from mesh_platform.contract.model import Deprecation

    meta_of = CatalogProduct.meta.fget
    assert meta_of is not None
    window = Deprecation(
        until=date(2027, 3, 31), replaced_by="sales.revenue_by_season", note="Read the season."
    )

    def meta(product: CatalogProduct) -> Any:
        found = meta_of(product)
        if found.key == "bookings.bookings_live":
            return dataclasses.replace(found, deprecation=window)
        return found

    monkeypatch.setattr(CatalogProduct, "meta", property(meta))
    site = build_site(catalog, {}, lambda key, columns: None, tmp_path / "site", now=NOW).out
    page = (site / "products" / "bookings.bookings_live.html").read_text()
    assert "deprecated</span>: published until 2027-03-31, replaced by" in page
    assert 'href="../products/sales.revenue_by_season.html"' in page
    assert "Read the season." in page
    assert "· current" in (site / "products" / "bookings.bookings.html").read_text()


def test_mesh_catalog_build_writes_the_site_and_serve_needs_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mesh_platform.cli import app

    runner = CliRunner()
    out = tmp_path / "site"
    built = runner.invoke(app, ["catalog", "build", "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert f"catalog of {len(all_contracts())} products in 12 domains" in built.output
    assert (out / "index.html").is_file()
    missing = runner.invoke(
        app, ["catalog", "serve", "--no-rebuild", "--out", str(tmp_path / "none")]
    )
    assert missing.exit_code == 1
    assert "run `mesh catalog build` first" in missing.output


def test_levels_reach_every_product_upstream_and_downstream_once(catalog: MeshCatalog) -> None:
    downs = catalog.levels("customers.customer_identity_map", "down")
    assert "customers.households" in downs[0] or "customers.customer_profile" in downs[0]
    flat = [key for level in downs for key in level]
    assert len(flat) == len(set(flat))
    assert "customer_intelligence.segment_transitions" in flat  # via rfm_segments
    ups = catalog.levels("customer_intelligence.segment_transitions", "up")
    assert ups[0] == ["customer_intelligence.rfm_segments"]
    assert "customers.households" in [key for level in ups for key in level]
