"""The data catalog: a static site generated from the contracts, the lineage and the
last runs, for the mesh's consumers (``mesh catalog build``).

For every product: its description, owner and contact, version, grain, freshness SLA and
whether it is met, access and classification per column, the last run's row accounting
and checks, its upstream and downstream products across domains, its column lineage,
a sample query and its ODCS and JSON Schema documents; a page per domain, an overview of
the mesh, a search across products, columns, descriptions and the business glossary's
words, and the seeds' analyses drawn from the published products.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mesh_platform.catalog.data import published_data
from mesh_platform.catalog.model import MeshCatalog, read_catalog
from mesh_platform.catalog.runs import last_runs
from mesh_platform.catalog.site import SiteReport, build_site
from mesh_platform.contract import all_contracts
from mesh_platform.settings import MeshSettings, get_settings


def mesh_catalog() -> MeshCatalog:
    """The catalog of the installed mesh: every contract and every domain's definitions."""
    from mesh_platform.domains import find_domains
    from mesh_platform.location import read_product_definitions

    contracts = all_contracts()
    domains = find_domains()
    definitions = [read_product_definitions(domain, contracts) for domain in domains]
    return read_catalog(contracts, definitions, domains)


def build_catalog(
    out: Path, settings: MeshSettings | None = None, *, now: datetime | None = None
) -> SiteReport:
    """Write the catalog site of the installed mesh into ``out``.

    Args:
        out: the folder to write (replaced).
        settings: where the lineage and the published products are (default: the
            environment's).
        now: the time freshness is judged at (default: now).
    """
    settings = settings or get_settings()
    catalog = mesh_catalog()
    runs = last_runs(settings.lineage_path)
    datasets = {domain: settings.dataset_for(domain) for domain in catalog.domains}
    with published_data(settings) as read:
        return build_site(catalog, runs, read, out, now=now, datasets=datasets)


__all__ = ["MeshCatalog", "SiteReport", "build_catalog", "mesh_catalog"]
