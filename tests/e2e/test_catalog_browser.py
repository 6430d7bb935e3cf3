"""The catalog site in headless Chromium: search by a business word, cross-domain
lineage, column lineage, and a picture drawn from the current data.

Screenshots of the pages opened go to ``artifacts/catalog/`` (see
``tests/support/browser.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mesh_platform.catalog import mesh_catalog
from mesh_platform.engines import replica
from tests.support.browser import ServedCatalog, artifacts_dir, build_for, served
from tests.support.tiny_mesh import TinyMesh

pytestmark = pytest.mark.slow

TRANSITIONS = "customer_intelligence.segment_transitions"


@pytest.fixture
def page(browser: Any) -> Any:
    page = browser.new_page()
    yield page
    page.close()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(artifacts_dir() / f"{name}.png"), full_page=True)


def test_search_finds_a_product_by_a_french_business_word(
    tiny_catalog: ServedCatalog, page: Any
) -> None:
    page.goto(tiny_catalog.url + "index.html")
    _shot(page, "index")
    page.fill("#search", "taux de retour")
    first = page.locator("#search-results li.result-product a").first
    assert first.inner_text() == "campaigns.return_rate_animated"
    _shot(page, "search-taux-de-retour")
    page.fill("#search", "matrice de passage")
    assert page.locator("#search-results li.result-product a").first.inner_text() == TRANSITIONS
    page.fill("#search", "foyers fideles")  # plural and no accent: still the glossary's words
    names = page.locator("#search-results li.result-product a").all_inner_texts()
    assert "customer_intelligence.rfm_segments" in names
    page.locator("#search-results li.result-product a").first.click()
    assert "/products/" in page.url


def test_a_product_page_shows_its_downstream_products_in_other_domains(
    tiny_catalog: ServedCatalog, page: Any
) -> None:
    expected = {
        key
        for key in mesh_catalog().products["customers.households"].downstreams
        if not key.startswith("customers.")
    }
    assert "campaigns.return_rate_animated" in expected
    page.goto(tiny_catalog.url + "products/customers.households.html")
    shown = set(
        page.locator("#downstreams .other-domain a").evaluate_all(
            "links => links.map(a => a.dataset.product)"
        )
    )
    assert shown == expected
    _shot(page, "product-customers.households")
    page.locator('#downstreams a[data-product="campaigns.return_rate_animated"]').click()
    assert page.locator("#product-title").inner_text() == "campaigns.return_rate_animated"
    upstreams = page.locator("#upstreams a").evaluate_all("a => a.map(x => x.dataset.product)")
    assert "customers.households" in upstreams


def test_selecting_a_column_shows_where_it_comes_from_and_who_reads_it(
    tiny_catalog: ServedCatalog, page: Any
) -> None:
    page.goto(tiny_catalog.url + "products/customers.households.html")
    panel = page.locator("#column-lineage")
    assert "No column selected" in panel.inner_text()
    page.locator('tr[data-column="household_id"] button').click()
    assert panel.get_attribute("data-column") == "household_id"
    text = panel.inner_text()
    assert "customers.customer_profile.household_id" in text  # where it comes from
    assert "territory.prospection_zones" in text  # a reader, in another domain
    assert "customer_intelligence.campaign_appetence" in text
    _shot(page, "column-lineage-customers.households.household_id")
    # a link to a reader's column opens its page with that column selected
    page.goto(tiny_catalog.url + "products/customer_intelligence.rfm_segments.html#column-season")
    assert page.locator("#column-lineage").get_attribute("data-column") == "season"


def _matrix(page: Any, url: str) -> tuple[bytes, list[list[str]]]:
    page.goto(url + f"products/{TRANSITIONS}.html")
    image = page.locator("#chart-0")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    source = image.get_attribute("src")
    body = page.request.get(page.url.rsplit("/", 1)[0] + "/" + source).body()
    rows = page.locator("#figures-0 tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    return body, rows


def _republish(state: Path, key: str, change: Any) -> None:
    """Publish a new replica of ``key`` whose rows are ``change(rows)``, as a build would."""
    manifest = replica.read_manifest(state / "published")
    entry = manifest.products[key]
    table = pq.read_table(state / "published" / entry.file)
    changed = change(table)
    domain, product = key.split(".")
    target = replica.new_replica_file(state / "published", domain, product, "catalog-test")
    pq.write_table(changed, target)
    replica.swap_in(
        state / "published",
        replica.ReplicaEntry(
            product=key,
            schema=entry.schema,
            table=entry.table,
            file=target.relative_to(state / "published").as_posix(),
            run_id="catalog-test",
            row_count=changed.num_rows,
            published_at=replica.now_iso(),
        ),
    )


def test_the_transition_matrix_is_drawn_from_the_current_data(
    tiny_mesh: TinyMesh, tmp_path: Path, page: Any
) -> None:
    state = tmp_path / "state"
    for part in ("published", "lineage"):
        shutil.copytree(tiny_mesh.state / part, state / part)
    before_site = tmp_path / "before"
    build_for(state, before_site)
    with served(before_site) as url:
        before, before_rows = _matrix(page, url)
    _shot(page, "product-segment-transitions")

    def more_households(table: pa.Table) -> pa.Table:
        households = table.column("households").to_pylist()
        return table.set_column(
            table.schema.get_field_index("households"),
            "households",
            pa.array(
                [h * 7 + 1000 for h in households], type=table.schema.field("households").type
            ),
        )

    _republish(state, TRANSITIONS, more_households)
    after_site = tmp_path / "after"
    build_for(state, after_site)
    with served(after_site) as url:
        after, after_rows = _matrix(page, url)
    assert before != after
    # the figures under the picture are the new publication's: every count x 7 + 1000
    assert [row[:2] for row in after_rows] == [row[:2] for row in before_rows]
    assert [int(row[2]) for row in after_rows] == [int(row[2]) * 7 + 1000 for row in before_rows]
