"""Assembling one domain's code location: its products, checks and policies.

A domain folder holds ``sql/<product>.sql`` files and ``python/<product>.py`` modules,
each declaring the one Python product it is named after (modules whose name starts with
an underscore hold what those share and are not products); each product implements the
contract ``<domain>.<product>``. The platform applies the mesh's policies once, here,
for every domain: asset checks from the contract, freshness checks from its SLA,
automation conditions so that upstream updates propagate across domains.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg

from mesh_platform.contract import DataContract, all_contracts
from mesh_platform.dagster_apis import chosen_dagster_apis
from mesh_platform.definition.reader import DomainDefinition, SourceSchemas, read_domain
from mesh_platform.governance.lint import refuse_broken
from mesh_platform.governance.mesh import Consumer
from mesh_platform.products.asset import asset_key, product_asset
from mesh_platform.products.python import PythonProduct
from mesh_platform.products.reconcile import reconciliation_checks
from mesh_platform.products.sql import SqlProduct, sql_product


def domain_contracts(domain: str) -> list[type[DataContract]]:
    """The contracts the domain publishes, sorted by product name."""
    return [c for c in all_contracts().values() if c.meta().domain == domain]


def discover_products(
    domain: str,
    folder: Path,
    python_products: Iterable[PythonProduct],
    contracts: Mapping[str, type[DataContract]],
    sources: SourceSchemas | None = None,
    *,
    python_modules: Mapping[str, Iterable[str]] | None = None,
    consumers: Mapping[str, Sequence[Consumer]] | None = None,
) -> list[SqlProduct | PythonProduct]:
    """The domain's products: its SQL files and its Python products, each checked
    against its contract (``consumers``: who reads them from other locations, named
    when a version whose deprecation window is over is refused).

    Raises:
        ProductDefinitionError: a product definition breaks a product-definition rule of
            the governance lint (a SQL file or function without a contract, a product
            implemented twice, a function of another domain, an invalid query...).
    """
    python_products = list(python_products)
    definition = read_domain(
        domain,
        folder,
        [p.definition() for p in python_products],
        contracts,
        sources,
        python_modules=python_modules,
    )
    refuse_broken([definition], contracts, consumers)
    products: dict[str, SqlProduct | PythonProduct] = {
        sql.key: sql_product(sql) for sql in definition.sql
    }
    products.update({p.contract.meta().key: p for p in python_products})
    return [products[k] for k in sorted(products)]


def build_definitions(
    domain: str,
    products: Iterable[SqlProduct | PythonProduct],
    *,
    metadata: Mapping[str, Mapping[str, Any]] | None = None,
) -> dg.Definitions:
    """The Definitions of a domain's location from its products, with the mesh policies;
    ``metadata`` adds to an asset's, by ``domain.product``."""
    with chosen_dagster_apis():
        return _build_definitions(domain, products, metadata or {})


def _build_definitions(
    domain: str,
    products: Iterable[SqlProduct | PythonProduct],
    metadata: Mapping[str, Mapping[str, Any]],
) -> dg.Definitions:
    products = list(products)
    assets = []
    for product in products:
        key = product.contract.meta().key
        upstream = [u for u in product.upstream_products if u != key]
        condition = dg.AutomationCondition.eager() if upstream else None
        assets.append(
            product_asset(product, automation_condition=condition, extra_metadata=metadata.get(key))
        )
    freshness_checks: list[dg.AssetChecksDefinition] = []
    for product in products:
        sla = product.contract.meta().freshness
        if sla is not None:
            freshness_checks.extend(
                dg.build_last_update_freshness_checks(
                    assets=[asset_key(product.contract.meta().key)],
                    lower_bound_delta=sla.max_lag,
                )
            )
    # Both sensors start RUNNING: with a daemon up, an upstream update propagates and
    # SLAs are evaluated without anyone toggling them on in the UI first.
    sensors: list[dg.SensorDefinition] = []
    if any(c is not None for a in assets for c in a.automation_conditions_by_key.values()):
        sensors.append(
            dg.AutomationConditionSensorDefinition(
                f"{domain}_automation_sensor",
                target=dg.AssetSelection.assets(*assets),
                default_status=dg.DefaultSensorStatus.RUNNING,
                description=f"Evaluates the automation conditions of {domain}'s products.",
            )
        )
    if freshness_checks:
        sensors.append(
            dg.build_sensor_for_freshness_checks(
                freshness_checks=freshness_checks,
                name=f"{domain}_freshness_checks_sensor",
                default_status=dg.DefaultSensorStatus.RUNNING,
            )
        )
    reconciliations = [c for p in products for c in reconciliation_checks(p.contract)]
    return dg.Definitions(
        assets=assets,
        asset_checks=[*freshness_checks, *reconciliations],
        sensors=sensors,
    )


def python_modules(domain: str, folder: Path) -> dict[str, list[PythonProduct]]:
    """The Python products of a domain by module of ``python/`` (the modules whose name
    starts with an underscore aside); rule ``python_module`` wants one each, named like it."""
    found: dict[str, list[PythonProduct]] = {}
    for path in sorted((folder / "python").glob("[!_]*.py")):
        module = importlib.import_module(f"domains.{domain}.python.{path.stem}")
        products = {id(v): v for v in vars(module).values() if isinstance(v, PythonProduct)}
        found[path.relative_to(folder).as_posix()] = sorted(
            products.values(), key=lambda p: p.contract.meta().key
        )
    return found


def _product_keys(modules: Mapping[str, list[PythonProduct]]) -> dict[str, list[str]]:
    return {file: [p.contract.meta().key for p in found] for file, found in modules.items()}


def _domain_folder(domain: str) -> tuple[Path, dict[str, list[PythonProduct]]]:
    """The folder of ``domains/<domain>/`` and the Python products of its modules."""
    package = importlib.import_module(f"domains.{domain}")
    folder = Path(package.__file__ or "").parent
    return folder, python_modules(domain, folder)


def read_product_definitions(
    domain: str,
    contracts: Mapping[str, type[DataContract]] | None = None,
    *,
    columns: SourceSchemas | None = None,
) -> DomainDefinition:
    """The product definitions of ``domains/<domain>/``, read without building Dagster
    definitions (what ``mesh check`` lints).

    Args:
        domain: the domain.
        contracts: the contracts to read them against (the mesh's by default).
        columns: the columns to resolve products' queries against instead of their
            contracts', ``{domain: {product: {column: type}}}`` (e.g. a product's columns
            at two revisions, to find who reads a column one of them drops).
    """
    from mesh_platform.landing import landing_sources

    folder, modules = _domain_folder(domain)
    sources: dict[str, dict[str, Mapping[str, str]]] = {
        db: dict(tables) for db, tables in landing_sources(domain).items()
    }
    for db, tables in (columns or {}).items():
        sources.setdefault(db, {}).update(tables)
    return read_domain(
        domain,
        folder,
        [p.definition() for products in modules.values() for p in products],
        all_contracts() if contracts is None else contracts,
        sources,
        python_modules=_product_keys(modules),
    )


@cache
def domain_products(domain: str) -> tuple[SqlProduct | PythonProduct, ...]:
    """The products found in ``domains/<domain>/``, validated against their contracts
    (read once per process)."""
    from mesh_platform.landing import landing_sources

    folder, modules = _domain_folder(domain)
    consumers = None
    if any(c.meta().deprecation for c in domain_contracts(domain)):
        from mesh_platform.evolution.index import consumers_from_reads, kept_reads

        consumers = consumers_from_reads(kept_reads())
    return tuple(
        discover_products(
            domain,
            folder,
            [p for products in modules.values() for p in products],
            all_contracts(),
            landing_sources(domain),
            python_modules=_product_keys(modules),
            consumers=consumers,
        )
    )


def domain_definitions(domain: str) -> dg.Definitions:
    """The Definitions of one domain's code location, found in ``domains/<domain>/``; each
    asset carries what is downstream of it in every location, and the deprecated versions
    it reads (:mod:`mesh_platform.evolution.index`)."""
    from mesh_platform.evolution.index import location_metadata

    products = domain_products(domain)
    keys = [p.contract.meta().key for p in products]
    return build_definitions(domain, products, metadata=location_metadata(keys))
