"""The landing manifest is what the simulation writes, and what SQL products may read."""

from __future__ import annotations

import json

import duckdb

from mesh_platform.domains import DOMAINS
from mesh_platform.landing import MANIFEST, landing_sources, read_landing_schema
from mesh_platform.simulation import simulate


def test_manifest_matches_the_simulated_landing_zone() -> None:
    with duckdb.connect() as connection:
        simulate(connection, scale="tiny")
        actual = read_landing_schema(connection)
    recorded = json.loads(MANIFEST.read_text())
    assert recorded == actual, "run `python -m mesh_platform.landing` to refresh the manifest"


def test_a_domain_sees_only_its_own_landing_tables() -> None:
    for domain in DOMAINS:
        sources = landing_sources(domain)
        assert set(sources) <= {f"landing_{domain}"}
    assert "sale_lines" in landing_sources("sales")["landing_sales"]
    assert landing_sources("customer_intelligence") == {}
